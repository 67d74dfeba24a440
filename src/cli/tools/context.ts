/**
 * What a client tool runs against: its IO and its way to the cluster, injected so the runners are
 * tested without a process. `main.ts` supplies the real ones (process streams, sockets, signals).
 */
import { KafkaError } from '../../common/index.js';
import { ClientClosedError, Cluster, KafkaClient, clusterOptions, type ClientEnv, type KafkaConfig } from '../../client/index.js';
import { CliError, loadPropertiesFile } from '../properties-file.js';
import { UsageError } from './options.js';

export interface ToolIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stdin, line by line (without the line end). */
  readonly stdinLines: () => AsyncIterable<string>;
  readonly stdoutIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** Wall clock, ms since the epoch. */
  readonly now: () => number;
  /** Resolves after `ms` (progress lines, polling loops). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Registers a handler for Ctrl-C / SIGTERM; returns its removal. */
  readonly onInterrupt: (handler: () => void) => () => void;
  readonly readText: (path: string) => string;
  /** The client's outside world (real sockets and clocks in the process). */
  readonly clientEnv: ClientEnv;
  readonly version: string;
  /** NO_COLOR and friends. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function kafkaClient(io: ToolIo, config: KafkaConfig): KafkaClient {
  return new KafkaClient(config, io.clientEnv);
}

/** A bare cluster connection, for requests the client's Admin does not make. Close it. */
export function rawCluster(io: ToolIo, config: KafkaConfig): Cluster {
  return new Cluster(clusterOptions(config), io.clientEnv);
}

/** The properties file a tool's option names (--command-config, --add-config-file); empty when not given. */
export function optionalProperties(io: ToolIo, path: string | undefined): Map<string, string> {
  return path === undefined ? new Map() : loadPropertiesFile(path, io.readText);
}

/** A numeric Kafka property, undefined when absent; anything but a number is a usage error. */
export function numberProperty(props: ReadonlyMap<string, string>, k: string): number | undefined {
  const v = props.get(k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`Invalid value ${v} for configuration ${k}: Not a number`);
  return n;
}

/** Kafka client property names a tool may pass (--command-config, --producer-property ...) → KafkaConfig. */
export function clientConfig(bootstrap: string, props: ReadonlyMap<string, string> = new Map()): KafkaConfig {
  const num = (k: string): number | undefined => numberProperty(props, k);
  const out: { -readonly [K in keyof KafkaConfig]: KafkaConfig[K] } = { bootstrapServers: props.get('bootstrap.servers') ?? bootstrap };
  const clientId = props.get('client.id');
  if (clientId !== undefined) out.clientId = clientId;
  const map: [string, 'requestTimeoutMs' | 'retryBackoffMs' | 'metadataMaxAgeMs' | 'connectionTimeoutMs'][] = [
    ['request.timeout.ms', 'requestTimeoutMs'],
    ['retry.backoff.ms', 'retryBackoffMs'],
    ['metadata.max.age.ms', 'metadataMaxAgeMs'],
    ['socket.connection.setup.timeout.ms', 'connectionTimeoutMs'],
  ];
  for (const [k, field] of map) {
    const n = num(k);
    if (n !== undefined) out[field] = n;
  }
  const sec = props.get('security.protocol');
  if (sec !== undefined && sec.toUpperCase() !== 'PLAINTEXT') throw new UsageError(`security.protocol=${sec} is not supported by Gregor's tools yet (PLAINTEXT only)`);
  return out;
}

/**
 * The one line a failure becomes. A broker that cannot be reached, a topic that does not exist,
 * a refused request: its message, never a stack trace. Returns undefined for bugs (stack wanted).
 */
export function errorLine(e: unknown): string | undefined {
  if (e instanceof UsageError || e instanceof CliError) return e.message;
  if (e instanceof KafkaError) {
    if (e.name === 'NETWORK_EXCEPTION' && /cannot connect|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|timed out/i.test(e.message)) {
      return `${e.message} (is a broker running there? check --bootstrap-server)`;
    }
    return e.message.includes(e.name) ? e.message : `${e.message} (${e.name})`;
  }
  if (e instanceof ClientClosedError) return e.message;
  if (e instanceof RangeError && /bootstrap/.test(e.message)) return e.message;
  return undefined;
}

/** Line prefix `Error: ` unless the message already carries Kafka's own wording. */
export function printError(io: ToolIo, e: unknown, prefix = 'Error: '): number {
  const line = errorLine(e);
  if (line === undefined) {
    io.stderr(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  } else {
    io.stderr(`${prefix}${line}\n`);
  }
  return 1;
}

/**
 * How kafka-topics and kafka-configs report a failed command: a usage error as its message, anything
 * else as `Error while executing <command> command : <message>` (a broker's refusal in
 * `brokerMessage`'s words); exit code 1. Rethrows bugs.
 */
export function printCommandError(io: ToolIo, e: unknown, command: string, brokerMessage: (e: KafkaError) => string): number {
  if (e instanceof UsageError) {
    io.stderr(`${e.message}\n`);
    return 1;
  }
  const line = e instanceof KafkaError && e.name !== 'NETWORK_EXCEPTION' ? brokerMessage(e) : errorLine(e);
  if (line === undefined) throw e;
  io.stderr(`Error while executing ${command} command : ${line}\n`);
  return 1;
}
