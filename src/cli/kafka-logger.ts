import type { LogFields, Logger } from '../common/index.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };
const LEVEL_TEXT: Readonly<Record<LogLevel, string>> = { error: 'ERROR', warn: 'WARN', info: 'INFO', debug: 'DEBUG' };

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(LEVEL_RANK, s);
}

export interface KafkaLoggerOptions {
  /** The logger name printed at the end of each line, e.g. `kafka.server.KafkaRaftServer`. */
  readonly name: string;
  /** Kafka's logIdent, e.g. `[KafkaRaftServer nodeId=1] ` (keep the trailing space). */
  readonly prefix?: string;
  readonly level?: LogLevel;
  /** Where a finished line goes (default: process.stdout). */
  readonly write?: (line: string) => void;
  /** Wall clock for the timestamp (default: Date.now). */
  readonly nowMs?: () => number;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** log4j's default Kafka layout date, local time: `2026-11-21 10:00:00,123`. */
export function formatLogTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

function renderValue(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

/**
 * A Logger that writes lines in Kafka's log4j layout (`[%d] %p %m (%c)%n`):
 * `[2026-11-21 10:00:00,123] INFO [KafkaRaftServer nodeId=1] Kafka Server started (kafka.server.KafkaRaftServer)`.
 * Fields follow the message as `key=value`; a `logger` field replaces the logger name, so one
 * injected Logger can speak for several components.
 */
export class KafkaLogger implements Logger {
  readonly #name: string;
  readonly #prefix: string;
  readonly #rank: number;
  readonly #write: (line: string) => void;
  readonly #nowMs: () => number;
  readonly #options: KafkaLoggerOptions;

  constructor(options: KafkaLoggerOptions) {
    this.#options = options;
    this.#name = options.name;
    this.#prefix = options.prefix ?? '';
    this.#rank = LEVEL_RANK[options.level ?? 'info'];
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** The same sink and level under another name and prefix. */
  child(name: string, prefix = ''): KafkaLogger {
    return new KafkaLogger({ ...this.#options, name, prefix });
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] <= this.#rank;
  }

  error(message: string, fields?: LogFields): void {
    this.#log('error', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log('warn', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log('info', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.#log('debug', message, fields);
  }

  #log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return;
    let name = this.#name;
    let extra = '';
    if (fields !== undefined) {
      for (const [k, v] of Object.entries(fields)) {
        if (k === 'logger' && typeof v === 'string') name = v;
        else if (v !== undefined) extra += ` ${k}=${renderValue(v)}`;
      }
    }
    this.#write(`[${formatLogTimestamp(this.#nowMs())}] ${LEVEL_TEXT[level]} ${this.#prefix}${message}${extra} (${name})\n`);
  }
}
