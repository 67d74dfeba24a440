/**
 * `kafka-console-producer`: reads stdin line by line and sends each line as a record, with Kafka
 * 3.9's options and LineMessageReader properties (parse.key, key.separator, parse.headers,
 * headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error).
 */
import type { Acks, CompressionName, ProducerConfig, ProducerRecord } from '../../client/index.js';
import { loadPropertiesFile } from '../properties-file.js';
import { clientConfig, errorLine, kafkaClient, numberProperty, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, HELP, UsageError, VERSION, parseKeyValues, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

export interface LineReaderProps {
  readonly parseKey: boolean;
  readonly keySeparator: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: string;
  readonly headersKeySeparator: string;
  readonly nullMarker: string | undefined;
  readonly ignoreError: boolean;
}

export interface ConsoleProducerArgs {
  readonly bootstrap: string;
  readonly topic: string;
  readonly reader: LineReaderProps;
  readonly producer: ProducerConfig;
  readonly clientProps: ReadonlyMap<string, string>;
  readonly sync: boolean;
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export const CONSOLE_PRODUCER_SPEC: ToolSpec = {
  tool: 'kafka-console-producer',
  summary: 'This tool helps to read data from standard input and publish it to Kafka.',
  options: [
    { name: 'batch-size', arg: 'required', describedAs: 'Integer: size', help: 'Number of messages to send in a single batch if they are not being sent synchronously. (default: 16384)' },
    BOOTSTRAP_SERVER,
    { name: 'compression-codec', arg: 'optional', describedAs: 'String: compression-codec', help: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'" },
    HELP,
    { name: 'line-reader', arg: 'required', describedAs: 'String: reader_class', help: 'Only the default line reader is supported.' },
    { name: 'max-block-ms', arg: 'required', describedAs: 'Long: max block on send', help: 'The max time that the producer will block for during a send request. (default: 60000)' },
    { name: 'max-memory-bytes', arg: 'required', describedAs: 'Long: total memory in bytes', help: 'Accepted for compatibility.' },
    { name: 'max-partition-memory-bytes', arg: 'required', describedAs: 'Integer: memory in bytes per partition', help: 'Accepted for compatibility.' },
    { name: 'message-send-max-retries', arg: 'required', describedAs: 'Integer', help: 'Number of retries before the producer gives up on a record. (default: 3)' },
    { name: 'metadata-expiry-ms', arg: 'required', describedAs: 'Long: metadata expiration interval', help: 'The period after which metadata is refreshed. (default: 300000)' },
    { name: 'producer-property', arg: 'required', describedAs: 'String: producer_prop', help: 'A mechanism to pass user-defined properties in the form key=value to the producer.' },
    { name: 'producer.config', arg: 'required', describedAs: 'String: config file', help: 'Producer config properties file.' },
    { name: 'property', arg: 'required', describedAs: 'String: prop', help: 'Properties of the line reader: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error.' },
    { name: 'reader-config', arg: 'required', describedAs: 'String: config file', help: 'Config properties file for the line reader.' },
    { name: 'request-required-acks', arg: 'required', describedAs: 'String: request required acks', help: 'The required acks of the producer requests (default: -1)' },
    { name: 'request-timeout-ms', arg: 'required', describedAs: 'Integer: request timeout ms', help: 'The ack timeout of the producer requests. (default: 1500)' },
    { name: 'retry-backoff-ms', arg: 'required', describedAs: 'Long', help: 'Wait time before retries. (default: 100)' },
    { name: 'socket-buffer-size', arg: 'required', describedAs: 'Integer: size', help: 'Accepted for compatibility.' },
    { name: 'sync', help: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.' },
    { name: 'timeout', arg: 'required', describedAs: 'Long: timeout_ms', help: 'linger.ms: how long to wait for more messages before sending a batch. (default: 1000)' },
    { name: 'topic', arg: 'required', describedAs: 'String: topic', help: 'REQUIRED: The topic id to produce messages to.' },
    VERSION,
  ],
};

function bool(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'true';
}

export function lineReaderProps(props: ReadonlyMap<string, string>): LineReaderProps {
  return {
    parseKey: bool(props.get('parse.key')),
    keySeparator: props.get('key.separator') ?? '\t',
    parseHeaders: bool(props.get('parse.headers')),
    headersDelimiter: props.get('headers.delimiter') ?? '\t',
    headersSeparator: props.get('headers.separator') ?? ',',
    headersKeySeparator: props.get('headers.key.separator') ?? ':',
    nullMarker: props.get('null.marker'),
    ignoreError: bool(props.get('ignore.error')),
  };
}

export function compressionOf(v: string): CompressionName {
  const c = v.toLowerCase();
  if (!(CODECS as readonly string[]).includes(c)) throw new UsageError(`Invalid compression codec '${v}': use one of ${CODECS.join(', ')}`);
  return c as CompressionName;
}

export function acksOf(v: string): Acks {
  const a = v.trim().toLowerCase();
  if (a === 'all' || a === '-1') return -1;
  if (a === '0') return 0;
  if (a === '1') return 1;
  throw new UsageError(`Invalid value ${v} for configuration acks: String must be one of: all, -1, 0, 1`);
}

/** Producer settings from Kafka property names (--producer-property, --producer.config). */
export function producerConfigFrom(props: ReadonlyMap<string, string>, base: ProducerConfig): ProducerConfig {
  const out: { -readonly [K in keyof ProducerConfig]: ProducerConfig[K] } = { ...base };
  const num = (k: string): number | undefined => numberProperty(props, k);
  const acks = props.get('acks');
  if (acks !== undefined) out.acks = acksOf(acks);
  const comp = props.get('compression.type');
  if (comp !== undefined) out.compression = compressionOf(comp);
  const idem = props.get('enable.idempotence');
  if (idem !== undefined) out.idempotent = bool(idem);
  const fields: [string, 'lingerMs' | 'batchSize' | 'retries' | 'deliveryTimeoutMs' | 'maxBlockMs' | 'maxRequestSize'][] = [
    ['linger.ms', 'lingerMs'],
    ['batch.size', 'batchSize'],
    ['retries', 'retries'],
    ['delivery.timeout.ms', 'deliveryTimeoutMs'],
    ['max.block.ms', 'maxBlockMs'],
    ['max.request.size', 'maxRequestSize'],
  ];
  for (const [k, f] of fields) {
    const n = num(k);
    if (n !== undefined) out[f] = n;
  }
  return out;
}

export function parseConsoleProducerArgs(argv: readonly string[], readText?: (path: string) => string): Parsed<ConsoleProducerArgs> {
  return parseWith(CONSOLE_PRODUCER_SPEC, argv, (o) => {
    noPositional(o);
    const bootstrap = requireBootstrap(o);
    const topic = o.value('topic');
    if (topic === undefined) throw new UsageError('Missing required argument "[topic]"');
    if (o.has('line-reader') && !/LineMessageReader$/.test(o.value('line-reader') ?? '')) {
      throw new UsageError(`--line-reader ${o.value('line-reader')} is not supported: Gregor's console producer reads lines only`);
    }
    const fileProps = o.has('producer.config') ? loadPropertiesFile(o.required('producer.config'), readText) : new Map<string, string>();
    const clientProps = new Map([...fileProps, ...parseKeyValues(o.all('producer-property'), 'producer property')]);
    const readerFile = o.has('reader-config') ? loadPropertiesFile(o.required('reader-config'), readText) : new Map<string, string>();
    const reader = lineReaderProps(new Map([...readerFile, ...parseKeyValues(o.all('property'), 'property')]));
    const base: { -readonly [K in keyof ProducerConfig]: ProducerConfig[K] } = {
      acks: acksOf(o.value('request-required-acks') ?? '-1'),
      lingerMs: o.int('timeout') ?? 1000,
      batchSize: o.int('batch-size') ?? 16384,
      maxBlockMs: o.int('max-block-ms') ?? 60_000,
      retries: o.int('message-send-max-retries') ?? 3,
    };
    if (o.has('compression-codec')) base.compression = compressionOf(o.value('compression-codec') ?? 'gzip');
    const producer = producerConfigFrom(clientProps, base);
    const extra = new Map(clientProps);
    const rt = o.int('request-timeout-ms');
    if (rt !== undefined) extra.set('request.timeout.ms', String(rt));
    const rb = o.int('retry-backoff-ms');
    if (rb !== undefined) extra.set('retry.backoff.ms', String(rb));
    const me = o.int('metadata-expiry-ms');
    if (me !== undefined) extra.set('metadata.max.age.ms', String(me));
    return { bootstrap, topic, reader, producer, clientProps: extra, sync: o.has('sync') };
  });
}

/**
 * One stdin line → key, value and headers, as Kafka's LineMessageReader splits it. Throws a
 * UsageError (Kafka's wording) for a line without the separators it expects, unless ignore.error.
 */
export function parseLine(line: string, lineNumber: number, p: LineReaderProps): Pick<ProducerRecord, 'key' | 'value' | 'headers'> {
  let rest = line;
  let headers: { key: string; value: string | null }[] | undefined;
  if (p.parseHeaders) {
    const at = rest.indexOf(p.headersDelimiter);
    if (at < 0) {
      if (!p.ignoreError) throw new UsageError(`No headers delimiter found on line number ${lineNumber}: '${line}'`);
    } else {
      const text = rest.slice(0, at);
      rest = rest.slice(at + p.headersDelimiter.length);
      headers = [];
      if (text !== '') {
        for (const h of text.split(p.headersSeparator)) {
          const k = h.indexOf(p.headersKeySeparator);
          if (k < 0) {
            if (!p.ignoreError) throw new UsageError(`No header key separator found in pair '${h}' on line number ${lineNumber}`);
            headers.push({ key: h, value: null });
          } else {
            const key = h.slice(0, k);
            if (p.nullMarker !== undefined && key === p.nullMarker) throw new UsageError(`Header keys should not be equal to the null marker '${p.nullMarker}' as they can't be null`);
            const value = h.slice(k + p.headersKeySeparator.length);
            headers.push({ key, value: p.nullMarker !== undefined && value === p.nullMarker ? null : value });
          }
        }
      }
    }
  }
  let key: string | null = null;
  if (p.parseKey) {
    const at = rest.indexOf(p.keySeparator);
    if (at < 0) {
      if (!p.ignoreError) throw new UsageError(`No key separator found on line number ${lineNumber}: '${line}'`);
    } else {
      key = rest.slice(0, at);
      rest = rest.slice(at + p.keySeparator.length);
      if (p.nullMarker !== undefined && key === p.nullMarker) key = null;
    }
  }
  const value = p.nullMarker !== undefined && rest === p.nullMarker ? null : rest;
  return { key, value, ...(headers !== undefined ? { headers } : {}) };
}

export async function runConsoleProducer(args: ConsoleProducerArgs, io: ToolIo): Promise<number> {
  const kafka = kafkaClient(io, clientConfig(args.bootstrap, args.clientProps));
  // Fail fast, with one line, when no broker answers (the producer alone would wait max.block.ms).
  const admin = kafka.admin();
  try {
    await admin.describeCluster();
  } finally {
    await admin.close();
  }
  const producer = kafka.producer(args.producer);
  let failure: string | undefined;
  let interrupted = false;
  const off = io.onInterrupt(() => {
    interrupted = true;
  });
  const pending = new Set<Promise<unknown>>();
  try {
    let n = 0;
    if (io.stdinIsTTY) io.stdout('>');
    for await (const line of io.stdinLines()) {
      n++;
      const parts = parseLine(line, n, args.reader);
      const sent = producer.send({ topic: args.topic, ...parts });
      if (args.sync) {
        await sent;
      } else {
        const p: Promise<unknown> = sent.then(
          () => pending.delete(p),
          (e: unknown) => {
            pending.delete(p);
            failure ??= `Error when sending message to topic ${args.topic} with key: ${parts.key === null || parts.key === undefined ? 'null' : `${Buffer.byteLength(parts.key)} bytes`}, value: ${parts.value === null ? 'null' : `${Buffer.byteLength(parts.value)} bytes`} with error: ${errorLine(e) ?? String(e)}`;
          },
        );
        pending.add(p);
      }
      if (failure !== undefined || interrupted) break;
      if (io.stdinIsTTY) io.stdout('>');
    }
    await producer.flush();
    await Promise.all(pending);
  } finally {
    off();
    await producer.close();
  }
  if (failure !== undefined) {
    io.stderr(`${failure}\n`);
    return 1;
  }
  return 0;
}

export const kafkaConsoleProducer: Tool<ConsoleProducerArgs> = {
  name: 'kafka-console-producer',
  parse: (argv) => parseConsoleProducerArgs(argv),
  run: runConsoleProducer,
};
