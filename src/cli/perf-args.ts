/**
 * kafka-producer-perf-test and kafka-consumer-perf-test: argument parsing, Kafka-name → client
 * config mapping, statistics and Kafka's exact output lines. No I/O here (perf-producer.ts and
 * perf-consumer.ts run the tools).
 */
import type { ConsumerConfig, KafkaConfig, ProducerConfig } from '../client/index.js';
import { CliError } from './properties-file.js';

export const PRODUCER_PERF_USAGE = `usage: kafka-producer-perf-test --topic TOPIC --num-records NUM-RECORDS
       (--record-size RECORD-SIZE | --payload-file PAYLOAD-FILE) --throughput THROUGHPUT
       [--payload-delimiter DELIMITER] [--producer-props PROP-NAME=PROP-VALUE ...]
       [--producer.config CONFIG-FILE] [--print-metrics]

This tool is used to verify the producer performance. --throughput -1 disables throttling.`;

export const CONSUMER_PERF_USAGE = `usage: kafka-consumer-perf-test --bootstrap-server HOST:PORT --topic TOPIC --messages N
       [--group GID] [--timeout MS] [--show-detailed-stats] [--reporting-interval MS]
       [--fetch-size BYTES] [--from-latest] [--consumer.config FILE] [--print-metrics]
       [--hide-header] [--date-format FORMAT]

This tool is used to verify the consumer performance.`;

export interface ProducerPerfArgs {
  readonly topic: string;
  readonly numRecords: number;
  readonly recordSize: number | undefined;
  readonly payloadFile: string | undefined;
  readonly payloadDelimiter: string;
  /** records/s; <= 0 means unthrottled */
  readonly throughput: number;
  readonly producerProps: readonly string[];
  readonly producerConfig: string | undefined;
  readonly printMetrics: boolean;
}

export interface ConsumerPerfArgs {
  readonly bootstrapServer: string;
  readonly topic: string;
  readonly messages: number;
  readonly group: string;
  readonly timeoutMs: number;
  readonly showDetailedStats: boolean;
  readonly reportingIntervalMs: number;
  readonly fetchSize: number;
  readonly fromLatest: boolean;
  readonly consumerConfig: string | undefined;
  readonly printMetrics: boolean;
  readonly hideHeader: boolean;
  readonly dateFormat: string;
}

export type Parsed<T> = { kind: 'ok'; args: T } | { kind: 'help' } | { kind: 'error'; message: string };

function intArg(name: string, v: string | undefined): number {
  if (v === undefined) throw new CliError(`argument --${name}: expected one argument`);
  const n = Number(v);
  if (!Number.isFinite(n) || !/^-?\d+(\.\d+)?$/.test(v)) throw new CliError(`argument --${name}: could not convert '${v}'`);
  return n;
}

/** Splits `--name value` and `--name=value`; values for list flags run up to the next `--flag`. */
function scan(argv: readonly string[], lists: ReadonlySet<string>, flags: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    if (!a.startsWith('--')) throw new CliError(`unrecognized argument: ${a}`);
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (eq > 0 && !lists.has(a.slice(2, eq))) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const name = a.slice(2);
    const values = out.get(name) ?? [];
    out.set(name, values);
    if (flags.has(name)) continue;
    if (inline !== undefined) {
      values.push(inline);
      continue;
    }
    if (lists.has(name)) {
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
      continue;
    }
    if (i + 1 >= argv.length) throw new CliError(`argument --${name}: expected one argument`);
    values.push(argv[++i]!);
  }
  return out;
}

function known(m: Map<string, string[]>, names: readonly string[]): void {
  for (const k of m.keys()) if (!names.includes(k)) throw new CliError(`unrecognized argument: --${k}`);
}

export function parseProducerPerfArgs(argv: readonly string[]): Parsed<ProducerPerfArgs> {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  try {
    const m = scan(argv, new Set(['producer-props']), new Set(['print-metrics']));
    known(m, ['topic', 'num-records', 'record-size', 'payload-file', 'payload-delimiter', 'throughput', 'producer-props', 'producer.config', 'print-metrics', 'transactional-id', 'transaction-duration-ms']);
    const one = (k: string): string | undefined => m.get(k)?.at(-1);
    if (m.has('transactional-id') || m.has('transaction-duration-ms')) throw new CliError('transactions are not supported by this tool yet');
    const topic = one('topic');
    if (topic === undefined) throw new CliError('argument --topic is required');
    const numRecords = intArg('num-records', one('num-records') ?? (() => { throw new CliError('argument --num-records is required'); })());
    const tput = one('throughput');
    if (tput === undefined) throw new CliError('argument --throughput is required');
    const recordSize = one('record-size');
    const payloadFile = one('payload-file');
    if ((recordSize === undefined) === (payloadFile === undefined)) throw new CliError('exactly one of --record-size or --payload-file is required');
    const props = m.get('producer-props') ?? [];
    const config = one('producer.config');
    if (props.length === 0 && config === undefined) throw new CliError('Either --producer-props or --producer.config must be specified.');
    const size = recordSize === undefined ? undefined : intArg('record-size', recordSize);
    if (size !== undefined && size < 0) throw new CliError('--record-size must be >= 0');
    return {
      kind: 'ok',
      args: {
        topic,
        numRecords,
        recordSize: size,
        payloadFile,
        payloadDelimiter: one('payload-delimiter') ?? '\\n',
        throughput: intArg('throughput', tput),
        producerProps: props,
        producerConfig: config,
        printMetrics: m.has('print-metrics'),
      },
    };
  } catch (e) {
    if (e instanceof CliError) return { kind: 'error', message: e.message };
    throw e;
  }
}

export function parseConsumerPerfArgs(argv: readonly string[], randomGroup: () => string): Parsed<ConsumerPerfArgs> {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  try {
    const flags = ['show-detailed-stats', 'from-latest', 'print-metrics', 'hide-header'];
    const m = scan(argv, new Set(), new Set(flags));
    known(m, ['bootstrap-server', 'broker-list', 'topic', 'messages', 'group', 'timeout', 'reporting-interval', 'fetch-size', 'consumer.config', 'date-format', 'socket-buffer-size', 'num-fetch-threads', 'threads', ...flags]);
    const one = (k: string): string | undefined => m.get(k)?.at(-1);
    const bootstrap = one('bootstrap-server') ?? one('broker-list');
    if (bootstrap === undefined) throw new CliError('Missing required argument "[bootstrap-server]"');
    const topic = one('topic');
    if (topic === undefined) throw new CliError('Missing required argument "[topic]"');
    const messages = one('messages');
    if (messages === undefined) throw new CliError('Missing required argument "[messages]"');
    const interval = intArg('reporting-interval', one('reporting-interval') ?? '5000');
    if (interval <= 0) throw new CliError('Reporting interval must be greater than 0.');
    return {
      kind: 'ok',
      args: {
        bootstrapServer: bootstrap,
        topic,
        messages: intArg('messages', messages),
        group: one('group') ?? randomGroup(),
        timeoutMs: intArg('timeout', one('timeout') ?? '10000'),
        showDetailedStats: m.has('show-detailed-stats'),
        reportingIntervalMs: interval,
        fetchSize: intArg('fetch-size', one('fetch-size') ?? String(1024 * 1024)),
        fromLatest: m.has('from-latest'),
        consumerConfig: one('consumer.config'),
        printMetrics: m.has('print-metrics'),
        hideHeader: m.has('hide-header'),
        dateFormat: one('date-format') ?? 'yyyy-MM-dd HH:mm:ss:SSS',
      },
    };
  } catch (e) {
    if (e instanceof CliError) return { kind: 'error', message: e.message };
    throw e;
  }
}

/** `k=v` strings (later ones win) merged over a properties map. */
export function propsFromPairs(pairs: readonly string[], base: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const out = new Map(base);
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`Invalid property: ${p}`);
    out.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  return out;
}

const num = (k: string, v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`Invalid value ${v} for configuration ${k}`);
  return n;
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface ClientSettings<T> {
  readonly kafka: KafkaConfig;
  readonly client: T;
  /** properties the tool does not use (Kafka logs these as supplied but unknown) */
  readonly unused: string[];
  readonly bufferMemory: number;
}

/** Common client properties (bootstrap.servers, client.id, request.timeout.ms...) into a KafkaConfig. */
function kafkaConfigOf(props: ReadonlyMap<string, string>, used: Set<string>, bootstrap?: string): KafkaConfig {
  const k: Mutable<KafkaConfig> = { bootstrapServers: bootstrap ?? props.get('bootstrap.servers') ?? '' };
  used.add('bootstrap.servers');
  if (k.bootstrapServers === '') throw new CliError('Missing required configuration "bootstrap.servers" which has no default value.');
  const map: Record<string, keyof KafkaConfig> = {
    'client.id': 'clientId',
    'request.timeout.ms': 'requestTimeoutMs',
    'retry.backoff.ms': 'retryBackoffMs',
    'reconnect.backoff.ms': 'reconnectBackoffMs',
    'reconnect.backoff.max.ms': 'reconnectBackoffMaxMs',
    'metadata.max.age.ms': 'metadataMaxAgeMs',
    'max.in.flight.requests.per.connection': 'maxInFlightRequests',
    'socket.connection.setup.timeout.ms': 'connectionTimeoutMs',
  };
  for (const [name, key] of Object.entries(map)) {
    const v = props.get(name);
    if (v === undefined) continue;
    used.add(name);
    (k as Record<string, unknown>)[key] = key === 'clientId' ? v : num(name, v);
  }
  return k;
}

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function producerSettings(props: ReadonlyMap<string, string>): ClientSettings<ProducerConfig> {
  const used = new Set<string>(['key.serializer', 'value.serializer']);
  const kafka = kafkaConfigOf(props, used);
  const c: Mutable<ProducerConfig> = {};
  const get = (name: string): string | undefined => {
    used.add(name);
    return props.get(name);
  };
  const acks = get('acks');
  if (acks !== undefined) {
    if (acks === 'all' || acks === '-1') c.acks = -1;
    else if (acks === '0' || acks === '1') c.acks = Number(acks) as 0 | 1;
    else throw new CliError(`Invalid value ${acks} for configuration acks`);
  }
  const n = (name: string, set: (v: number) => void): void => {
    const v = get(name);
    if (v !== undefined) set(num(name, v));
  };
  n('linger.ms', (v) => (c.lingerMs = v));
  n('batch.size', (v) => (c.batchSize = v));
  n('retries', (v) => (c.retries = v));
  n('delivery.timeout.ms', (v) => (c.deliveryTimeoutMs = v));
  n('max.block.ms', (v) => (c.maxBlockMs = v));
  n('max.request.size', (v) => (c.maxRequestSize = v));
  const comp = get('compression.type');
  if (comp !== undefined) {
    if (!COMPRESSIONS.includes(comp)) throw new CliError(`Invalid value ${comp} for configuration compression.type`);
    c.compression = comp as NonNullable<ProducerConfig['compression']>;
  }
  n('compression.level', (v) => (c.compressionLevel = v));
  const idem = get('enable.idempotence');
  if (idem !== undefined) c.idempotent = idem === 'true';
  const bm = get('buffer.memory');
  const bufferMemory = bm === undefined ? 33_554_432 : num('buffer.memory', bm);
  return { kafka, client: c, bufferMemory, unused: [...props.keys()].filter((k) => !used.has(k) && !KAFKA_IGNORED.has(k)) };
}

export function consumerSettings(props: ReadonlyMap<string, string>, args: ConsumerPerfArgs): ClientSettings<ConsumerConfig> {
  const used = new Set<string>(['key.deserializer', 'value.deserializer', 'group.id', 'enable.auto.commit', 'auto.offset.reset']);
  const kafka = kafkaConfigOf(props, used, args.bootstrapServer);
  const c: Mutable<ConsumerConfig> = { autoOffsetReset: args.fromLatest ? 'latest' : 'earliest', maxPartitionFetchBytes: args.fetchSize };
  const n = (name: string, set: (v: number) => void): void => {
    used.add(name);
    const v = props.get(name);
    if (v !== undefined) set(num(name, v));
  };
  n('fetch.min.bytes', (v) => (c.fetchMinBytes = v));
  n('fetch.max.bytes', (v) => (c.fetchMaxBytes = v));
  n('max.partition.fetch.bytes', (v) => (c.maxPartitionFetchBytes = v));
  n('fetch.max.wait.ms', (v) => (c.fetchMaxWaitMs = v));
  n('max.poll.records', (v) => (c.maxPollRecords = v));
  used.add('isolation.level');
  const iso = props.get('isolation.level');
  if (iso === 'read_committed' || iso === 'read_uncommitted') c.isolationLevel = iso;
  return { kafka, client: c, bufferMemory: 0, unused: [...props.keys()].filter((k) => !used.has(k) && !KAFKA_IGNORED.has(k)) };
}

/** Accepted and meaningless here (JVM-side settings). */
const KAFKA_IGNORED = new Set(['security.protocol', 'send.buffer.bytes', 'receive.buffer.bytes', 'partitioner.class', 'interceptor.classes', 'metric.reporters']);

// ---- statistics and output --------------------------------------------------------------------

const MB = 1024 * 1024;

/**
 * Kafka's ProducerPerformance.Stats: latency of every `sampling`-th record kept for percentiles,
 * a window line every `reportingIntervalMs`, the total line at the end.
 */
export class ProducerStats {
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  private index = 0;
  private count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;
  private windowStart: number;
  private iteration = 0;

  constructor(numRecords: number, private readonly start: number, private readonly reportingIntervalMs = 5000) {
    this.sampling = Math.max(1, Math.floor(numRecords / Math.max(1, Math.min(numRecords, 500_000))));
    this.latencies = new Int32Array(Math.max(1, Math.floor(numRecords / this.sampling) + 1));
    this.windowStart = start;
  }

  /** One acknowledged record; returns a window line when the interval passed. */
  record(latencyMs: number, bytes: number, nowMs: number): string | undefined {
    const iter = this.iteration++;
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latencyMs;
    this.maxLatency = Math.max(this.maxLatency, latencyMs);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latencyMs;
    this.windowMaxLatency = Math.max(this.windowMaxLatency, latencyMs);
    if (iter % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latencyMs;
    if (nowMs - this.windowStart < this.reportingIntervalMs) return undefined;
    const line = this.windowLine(nowMs);
    this.windowStart = nowMs;
    this.windowCount = 0;
    this.windowBytes = 0;
    this.windowTotalLatency = 0;
    this.windowMaxLatency = 0;
    return line;
  }

  private windowLine(nowMs: number): string {
    const elapsed = nowMs - this.windowStart;
    const recsPerSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / MB;
    return `${this.windowCount} records sent, ${recsPerSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.windowTotalLatency / this.windowCount).toFixed(1)} ms avg latency, ${this.windowMaxLatency.toFixed(1)} ms max latency.`;
  }

  /** Kafka's final line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, ...". */
  totalLine(nowMs: number): string {
    const elapsed = Math.max(1, nowMs - this.start);
    const recsPerSec = (1000 * this.count) / elapsed;
    const mbPerSec = (1000 * this.bytes) / elapsed / MB;
    const [p50, p95, p99, p999] = percentiles(this.latencies.subarray(0, this.index), [0.5, 0.95, 0.99, 0.999]);
    const avg = this.count === 0 ? 0 : this.totalLatency / this.count;
    return `${this.count} records sent, ${recsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${avg.toFixed(2)} ms avg latency, ${this.maxLatency.toFixed(2)} ms max latency, ${p50} ms 50th, ${p95} ms 95th, ${p99} ms 99th, ${p999} ms 99.9th.`;
  }
}

/** Kafka's percentiles: sort, then the element at floor(p * n). */
export function percentiles(samples: Int32Array, ps: readonly number[]): number[] {
  const s = Int32Array.from(samples).sort();
  return ps.map((p) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(p * s.length))]!));
}

export const CONSUMER_HEADER =
  'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
export const CONSUMER_DETAILED_HEADER =
  'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

/** Kafka's final consumer line (totals over the whole run). */
export function consumerTotalLine(o: { startMs: number; endMs: number; bytes: number; messages: number; joinMs: number; dateFormat: string }): string {
  const elapsedSec = (o.endMs - o.startMs) / 1000;
  const fetchMs = o.endMs - o.startMs - o.joinMs;
  const mb = o.bytes / MB;
  return [
    formatDate(o.startMs, o.dateFormat),
    formatDate(o.endMs, o.dateFormat),
    mb.toFixed(4),
    (mb / elapsedSec).toFixed(4),
    String(o.messages),
    (o.messages / elapsedSec).toFixed(4),
    String(o.joinMs),
    String(fetchMs),
    (mb / (fetchMs / 1000)).toFixed(4),
    (o.messages / (fetchMs / 1000)).toFixed(4),
  ].join(', ');
}

/** Kafka's --show-detailed-stats line for one reporting interval. */
export function consumerProgressLine(o: {
  bytes: number;
  lastBytes: number;
  messages: number;
  lastMessages: number;
  startMs: number;
  endMs: number;
  joinMs: number;
  dateFormat: string;
}): string {
  const elapsed = o.endMs - o.startMs;
  const intervalMb = (o.bytes - o.lastBytes) / MB;
  const fetchMs = elapsed - o.joinMs;
  const rate = (x: number, ms: number): string => (ms <= 0 ? 0 : (1000 * x) / ms).toFixed(4);
  return [
    formatDate(o.endMs, o.dateFormat),
    '0',
    (o.bytes / MB).toFixed(4),
    rate(intervalMb, elapsed),
    String(o.messages),
    rate(o.messages - o.lastMessages, elapsed),
    String(o.joinMs),
    String(fetchMs),
    rate(intervalMb, fetchMs),
    rate(o.messages - o.lastMessages, fetchMs),
  ].join(', ');
}

/** The subset of Java's SimpleDateFormat the tool's --date-format needs (local time). */
export function formatDate(ms: number, format: string): string {
  const d = new Date(ms);
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  const fields: Record<string, string> = {
    yyyy: String(d.getFullYear()),
    MM: pad(d.getMonth() + 1, 2),
    dd: pad(d.getDate(), 2),
    HH: pad(d.getHours(), 2),
    mm: pad(d.getMinutes(), 2),
    ss: pad(d.getSeconds(), 2),
    SSS: pad(d.getMilliseconds(), 3),
  };
  return format.replace(/yyyy|MM|dd|HH|mm|ss|SSS/g, (t) => fields[t]!);
}

/** Kafka's ToolsUtils.printMetrics layout: a name column padded to the longest name, then the value. */
export function metricsTable(metrics: ReadonlyMap<string, number>): string {
  const width = Math.max('Metric Name'.length, ...[...metrics.keys()].map((k) => k.length));
  const lines = [`\n${'Metric Name'.padEnd(width)}   Value`];
  for (const [k, v] of [...metrics].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${k.padEnd(width)} : ${v.toFixed(3)}`);
  return lines.join('\n');
}
