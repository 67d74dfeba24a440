/** Output helpers shared by the tools: Kafka's log line, `%-Ns` padding, readable tables, colours. */
import { formatLogTimestamp } from '../kafka-logger.js';

/** `[2026-01-01 10:00:00,123] ERROR message (logger)` — the tools' log4j layout. */
export function formatKafkaLogLine(nowMs: number, level: string, message: string, logger: string): string {
  return `[${formatLogTimestamp(nowMs)}] ${level} ${message} (${logger})\n`;
}

/** Java's `%-Ns`: left-aligned, padded to at least `width`. */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
}

const plain = (s: string): string => s;
const ansi = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;

/** Colours only on a terminal, and never with NO_COLOR set (or TERM=dumb). */
export function styleFor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): Style {
  const on = isTTY && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb';
  if (!on) return { bold: plain, dim: plain, green: plain, red: plain, yellow: plain };
  return { bold: ansi('1'), dim: ansi('2'), green: ansi('32'), red: ansi('31'), yellow: ansi('33') };
}

/** A readable table (rpk style): upper-case headers, two spaces between columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], style?: Style): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padRight(c, widths[i] as number)))
      .join('  ')
      .trimEnd();
  const head = line(headers.map((h) => h.toUpperCase()));
  return [style === undefined ? head : style.bold(head), ...rows.map(line)].join('\n') + '\n';
}

/** Kafka's ToolsUtils.prettyPrintTable: every cell padded to its column's width, then a tab. */
export function prettyPrintTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => `${padRight(c, widths[i] as number)}\t`).join('');
  return [headers, ...rows].map(line).join('\n') + '\n';
}
