/**
 * `kafka-console-consumer`: prints records as Kafka 3.9's DefaultMessageFormatter does (print.key,
 * print.timestamp, print.headers, print.partition, print.offset, key.separator, ...), then
 * `Processed a total of N messages` on stderr.
 *
 * --group joins a consumer group (its committed offsets, auto-commit). Without it, as Kafka 3.9,
 * the consumer joins a generated group `console-consumer-N` (N < 100000) with auto-commit off, so
 * nothing is left behind; only --partition reads without a group (the partition assigned directly).
 */
import type { ConsumerConfig, ConsumerRecord, IsolationLevelName, TopicPartition } from '../../client/index.js';
import { loadPropertiesFile } from '../properties-file.js';
import { clientConfig, kafkaClient, rawCluster, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, HELP, UsageError, VERSION, parseKeyValues, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';
import { formatKafkaLogLine } from './format.js';

export interface FormatterProps {
  readonly printTimestamp: boolean;
  readonly printKey: boolean;
  readonly printValue: boolean;
  readonly printPartition: boolean;
  readonly printOffset: boolean;
  readonly printHeaders: boolean;
  readonly keySeparator: string;
  readonly lineSeparator: string;
  readonly headersSeparator: string;
  readonly nullLiteral: string;
}

export type StartOffset = 'earliest' | 'latest' | number;

export interface ConsoleConsumerArgs {
  readonly bootstrap: string;
  readonly topic: string | undefined;
  readonly include: string | undefined;
  readonly group: string | undefined;
  readonly partition: number | undefined;
  readonly offset: StartOffset | undefined;
  readonly fromBeginning: boolean;
  readonly maxMessages: number;
  readonly timeoutMs: number;
  readonly isolationLevel: IsolationLevelName;
  readonly formatter: FormatterProps;
  readonly clientProps: ReadonlyMap<string, string>;
}

export const CONSOLE_CONSUMER_SPEC: ToolSpec = {
  tool: 'kafka-console-consumer',
  summary: 'This tool helps to read data from Kafka topics and outputs it to standard output.',
  options: [
    BOOTSTRAP_SERVER,
    { name: 'consumer-property', arg: 'required', describedAs: 'String: consumer_prop', help: 'A mechanism to pass user-defined properties in the form key=value to the consumer.' },
    { name: 'consumer.config', arg: 'required', describedAs: 'String: config file', help: 'Consumer config properties file.' },
    { name: 'enable-systest-events', help: 'Accepted for compatibility.' },
    { name: 'formatter', arg: 'required', describedAs: 'String: class', help: 'Only the default formatter is supported.' },
    { name: 'formatter-config', arg: 'required', describedAs: 'String: config file', help: 'Config properties file to initialize the message formatter.' },
    { name: 'from-beginning', help: 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.' },
    { name: 'group', arg: 'required', describedAs: 'String: consumer group id', help: 'The consumer group id of the consumer.' },
    HELP,
    { name: 'include', arg: 'required', describedAs: 'String: Java regex (String)', help: 'Regular expression specifying list of topics to include for consumption.' },
    { name: 'isolation-level', arg: 'required', describedAs: 'String', help: 'Set to read_committed in order to filter out transactional messages which are not committed. (default: read_uncommitted)' },
    { name: 'key-deserializer', arg: 'required', describedAs: 'String: deserializer for key', help: 'Accepted; keys print as UTF-8 text.' },
    { name: 'max-messages', arg: 'required', describedAs: 'Integer: num_messages', help: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.' },
    { name: 'offset', arg: 'required', describedAs: 'String: consume offset', help: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)" },
    { name: 'partition', arg: 'required', describedAs: 'Integer: partition', help: 'The partition to consume from. Consumption starts from the end of the partition unless --offset is specified.' },
    { name: 'property', arg: 'required', describedAs: 'String: prop', help: 'The properties to initialize the message formatter: print.timestamp, print.key, print.offset, print.partition, print.headers, print.value, key.separator, line.separator, headers.separator, null.literal.' },
    { name: 'skip-message-on-error', help: 'Accepted for compatibility.' },
    { name: 'timeout-ms', arg: 'required', describedAs: 'Integer: timeout_ms', help: 'If specified, exit if no message is available for consumption for the specified interval.' },
    { name: 'topic', arg: 'required', describedAs: 'String: topic', help: 'The topic to consume on.' },
    { name: 'value-deserializer', arg: 'required', describedAs: 'String: deserializer for values', help: 'Accepted; values print as UTF-8 text.' },
    VERSION,
    { name: 'whitelist', arg: 'required', describedAs: 'String: Java regex (String)', help: 'DEPRECATED, use --include instead.' },
  ],
};

function bool(v: string | undefined, dflt: boolean): boolean {
  return v === undefined ? dflt : v.trim().toLowerCase() === 'true';
}

export function formatterProps(props: ReadonlyMap<string, string>): FormatterProps {
  return {
    printTimestamp: bool(props.get('print.timestamp'), false),
    printKey: bool(props.get('print.key'), false),
    printValue: bool(props.get('print.value'), true),
    printPartition: bool(props.get('print.partition'), false),
    printOffset: bool(props.get('print.offset'), false),
    printHeaders: bool(props.get('print.headers'), false),
    keySeparator: props.get('key.separator') ?? '\t',
    lineSeparator: props.get('line.separator') ?? '\n',
    headersSeparator: props.get('headers.separator') ?? ',',
    nullLiteral: props.get('null.literal') ?? 'null',
  };
}

/** One record as DefaultMessageFormatter writes it (columns joined by key.separator). */
export function formatRecord(r: Pick<ConsumerRecord, 'timestamp' | 'timestampType' | 'partition' | 'offset' | 'headers' | 'key' | 'value'>, f: FormatterProps): string {
  const text = (b: Buffer | null): string => (b === null ? f.nullLiteral : b.toString('utf8'));
  const cols: string[] = [];
  if (f.printTimestamp) cols.push(r.timestamp < 0 ? 'NO_TIMESTAMP' : `${r.timestampType}:${r.timestamp}`);
  if (f.printPartition) cols.push(`Partition:${r.partition}`);
  if (f.printOffset) cols.push(`Offset:${r.offset}`);
  if (f.printHeaders) cols.push(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}:${text(h.value)}`).join(f.headersSeparator));
  if (f.printKey) cols.push(text(r.key));
  if (f.printValue) return `${cols.map((c) => c + f.keySeparator).join('')}${text(r.value)}${f.lineSeparator}`;
  return cols.length === 0 ? '' : `${cols.join(f.keySeparator)}${f.lineSeparator}`;
}

export function parseStartOffset(v: string): StartOffset {
  const s = v.trim().toLowerCase();
  if (s === 'earliest' || s === 'latest') return s;
  if (/^\d+$/.test(s)) return Number(s);
  throw new UsageError(`The provided offset value '${v}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
}

export function isolationOf(v: string | undefined): IsolationLevelName {
  const s = (v ?? 'read_uncommitted').toLowerCase();
  if (s !== 'read_committed' && s !== 'read_uncommitted') throw new UsageError(`Invalid value ${v} for configuration isolation.level: String must be one of: read_committed, read_uncommitted`);
  return s;
}

export function parseConsoleConsumerArgs(argv: readonly string[], readText?: (path: string) => string): Parsed<ConsoleConsumerArgs> {
  return parseWith(CONSOLE_CONSUMER_SPEC, argv, (o) => {
    noPositional(o);
    const bootstrap = requireBootstrap(o);
    const topic = o.value('topic');
    const include = o.value('include') ?? o.value('whitelist');
    if ((topic === undefined) === (include === undefined)) throw new UsageError('Exactly one of --include/--topic is required.');
    if (o.has('formatter') && !/DefaultMessageFormatter$/.test(o.value('formatter') ?? '')) {
      throw new UsageError(`--formatter ${o.value('formatter')} is not supported: Gregor's console consumer has the default formatter only`);
    }
    const partition = o.int('partition');
    if (partition !== undefined && topic === undefined) throw new UsageError('The topic is required when partition is specified.');
    if (o.has('offset') && partition === undefined) throw new UsageError('The partition is required when offset is specified.');
    if (o.has('from-beginning') && o.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.');
    if (o.has('group') && partition !== undefined) throw new UsageError('Options group and partition cannot be specified together.');
    const fileProps = o.has('consumer.config') ? loadPropertiesFile(o.required('consumer.config'), readText) : new Map<string, string>();
    const clientProps = new Map([...fileProps, ...parseKeyValues(o.all('consumer-property'), 'consumer property')]);
    const group = o.value('group') ?? clientProps.get('group.id');
    const fmtFile = o.has('formatter-config') ? loadPropertiesFile(o.required('formatter-config'), readText) : new Map<string, string>();
    const formatter = formatterProps(new Map([...fmtFile, ...parseKeyValues(o.all('property'), 'property')]));
    const offsetText = o.value('offset');
    const maxMessages = o.int('max-messages') ?? -1;
    const timeoutMs = o.int('timeout-ms') ?? -1;
    return {
      bootstrap,
      topic,
      include,
      group,
      partition,
      offset: offsetText === undefined ? undefined : parseStartOffset(offsetText),
      fromBeginning: o.has('from-beginning') || clientProps.get('auto.offset.reset') === 'earliest',
      maxMessages,
      timeoutMs,
      isolationLevel: isolationOf(o.value('isolation-level') ?? clientProps.get('isolation.level')),
      formatter,
      clientProps,
    };
  });
}

/** The partitions of --topic (made if allowed and missing), or just --partition. */
async function partitionsToRead(args: ConsoleConsumerArgs, io: ToolIo): Promise<TopicPartition[]> {
  const topic = args.topic as string;
  const cluster = rawCluster(io, clientConfig(args.bootstrap, args.clientProps));
  try {
    // allow.auto.create.topics defaults to true in Kafka's consumer: a missing topic may be created.
    const [info] = await cluster.withRetries(() => cluster.topics([topic], { force: true, allowAutoTopicCreation: true }));
    if (info === undefined || info.partitions.length === 0) throw new UsageError(`Topic '${topic}' does not exist`);
    if (args.partition !== undefined) {
      if (!info.partitions.some((p) => p.partition === args.partition)) throw new UsageError(`Partition ${args.partition} of topic '${topic}' does not exist`);
      return [{ topic: info.name, partition: args.partition }];
    }
    return info.partitions.map((p) => ({ topic: info.name, partition: p.partition }));
  } finally {
    cluster.close();
  }
}

export interface RecordSource {
  poll(timeoutMs: number): Promise<ConsumerRecord[]>;
  /** Rewinds a partition to a record that was fetched but not printed (so it is not committed as consumed). */
  seek(tp: TopicPartition, offset: number): void;
  close(): Promise<void>;
}

/** Kafka's ConsoleConsumer group when none is given: `console-consumer-` and a random number below 100000. */
export function generatedGroupId(random: () => number = Math.random): string {
  return `console-consumer-${Math.floor(random() * 100_000)}`;
}

/**
 * Without --partition: joins the group (--group, or a generated one) subscribed to the topic or
 * the --include pattern, starting where the group committed, else at auto.offset.reset; offsets
 * are auto-committed for --group only (enable.auto.commit overrides). With --partition: the
 * partition is assigned directly, from the beginning, the end or --offset.
 */
async function openSource(args: ConsoleConsumerArgs, io: ToolIo): Promise<RecordSource> {
  const reset = args.fromBeginning ? 'earliest' : 'latest';
  const kafka = kafkaClient(io, clientConfig(args.bootstrap, args.clientProps));
  if (args.partition === undefined) {
    const autoCommit = args.clientProps.get('enable.auto.commit');
    const consumer = kafka.consumer({
      groupId: args.group ?? generatedGroupId(),
      autoOffsetReset: reset,
      isolationLevel: args.isolationLevel,
      enableAutoCommit: autoCommit !== undefined ? autoCommit.trim().toLowerCase() === 'true' : args.group !== undefined,
    });
    if (args.topic !== undefined) {
      await partitionsToRead(args, io); // the topic exists (or is auto-created) before joining
      consumer.subscribe([args.topic]);
    } else {
      consumer.subscribe(new RegExp(`^(?:${(args.include as string).replace(/,/g, '|')})$`));
    }
    return consumer;
  }
  const config: ConsumerConfig = { autoOffsetReset: reset, isolationLevel: args.isolationLevel, ...(args.group !== undefined ? { groupId: args.group } : {}) };
  const consumer = kafka.consumer(config);
  const tps = await partitionsToRead(args, io);
  consumer.assign(tps);
  for (const tp of tps) {
    if (args.offset !== undefined) consumer.seek(tp, args.offset);
    else consumer.seek(tp, reset);
  }
  return consumer;
}

export async function runConsoleConsumer(args: ConsoleConsumerArgs, io: ToolIo): Promise<number> {
  const source = await openSource(args, io);
  let count = 0;
  let stop = false;
  // Ctrl-C: the loop ends after the current poll (at most 1 s), then the consumer closes once
  // (committing and leaving its group).
  const off = io.onInterrupt(() => {
    stop = true;
  });
  try {
    let lastRecordAt = io.now();
    while (!stop && (args.maxMessages < 0 || count < args.maxMessages)) {
      const waitMs = args.timeoutMs < 0 ? 1000 : Math.max(0, Math.min(1000, args.timeoutMs - (io.now() - lastRecordAt)));
      const records = await source.poll(waitMs);
      if (stop) break;
      if (records.length === 0) {
        if (args.timeoutMs >= 0 && io.now() - lastRecordAt >= args.timeoutMs) {
          io.stderr(formatKafkaLogLine(io.now(), 'ERROR', 'Error processing message, terminating consumer process: ', 'org.apache.kafka.tools.consumer.ConsoleConsumer'));
          io.stderr('org.apache.kafka.common.errors.TimeoutException\n');
          break;
        }
        continue;
      }
      lastRecordAt = io.now();
      let out = '';
      const rewound = new Set<string>();
      for (const r of records) {
        if (args.maxMessages >= 0 && count >= args.maxMessages) {
          // Kafka's resetUnconsumedOffsets: what was not printed is not committed as consumed.
          const key = `${r.topic}\0${r.partition}`;
          if (!rewound.has(key)) source.seek({ topic: r.topic, partition: r.partition }, r.offset);
          rewound.add(key);
          continue;
        }
        out += formatRecord(r, args.formatter);
        count++;
      }
      io.stdout(out);
    }
  } finally {
    off();
    await source.close();
    io.stderr(`Processed a total of ${count} messages\n`);
  }
  return 0;
}

export const kafkaConsoleConsumer: Tool<ConsoleConsumerArgs> = {
  name: 'kafka-console-consumer',
  parse: (argv) => parseConsoleConsumerArgs(argv),
  run: runConsoleConsumer,
};
