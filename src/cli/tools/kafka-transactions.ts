/**
 * `kafka-transactions --bootstrap-server H COMMAND`: Kafka 3.9's TransactionsCommand.
 * - `list [--duration-filter MS]`, `describe --transactional-id ID`,
 *   `describe-producers --topic T --partition P [--broker-id B]`: Kafka's tables
 *   (ToolsUtils.prettyPrintTable).
 * - `abort --topic T --partition P --start-offset O` finds the producer whose open transaction
 *   starts at O (DescribeProducers) and writes an ABORT marker for it (Admin.abortTransaction);
 *   `--producer-id --producer-epoch --coordinator-epoch` name the producer directly (brokers < 3.0).
 * - `find-hanging --broker-id B | --topic T [--partition P] [--max-transaction-timeout MIN]`: open
 *   transactions whose last write is older than the maximum timeout and that their coordinator
 *   does not know as open on that partition (no transactional id lists the producer, the id is
 *   gone, or its description lacks the partition).
 * Kafka 3.9 has no `force-terminate` (it came with KIP-939 in a later release): an invalid choice.
 * Failures print Kafka's one line (`Failed to ...: cause. Enable debug logging for additional detail.`), exit 1.
 */
import { KafkaError } from '../../common/index.js';
import type { Admin, ProducerState, TopicPartition, TransactionDescription } from '../../client/index.js';
import { clientConfig, optionalProperties, kafkaClient, type ToolIo } from './context.js';
import { prettyPrintTable } from './format.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ParsedOptions, type ToolSpec } from './options.js';
import { parseWith, type Parsed, type Tool } from './tool.js';

export type TransactionsCommand =
  | { readonly kind: 'list'; readonly durationFilterMs: number | undefined }
  | { readonly kind: 'describe'; readonly transactionalId: string }
  | { readonly kind: 'describe-producers'; readonly topic: string; readonly partition: number; readonly brokerId: number | undefined }
  | {
      readonly kind: 'abort';
      readonly topic: string;
      readonly partition: number;
      readonly startOffset: number | undefined;
      readonly producerId: number | undefined;
      readonly producerEpoch: number | undefined;
      readonly coordinatorEpoch: number | undefined;
    }
  | {
      readonly kind: 'find-hanging';
      readonly brokerId: number | undefined;
      readonly topic: string | undefined;
      readonly partition: number | undefined;
      readonly maxTransactionTimeoutMinutes: number;
    };

export interface TransactionsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly command: TransactionsCommand;
}

const COMMANDS = ['list', 'describe', 'describe-producers', 'abort', 'find-hanging'] as const;

/** The options each command takes (argparse sub-parsers); anything else is an unrecognized argument. */
const COMMAND_OPTIONS: Readonly<Record<(typeof COMMANDS)[number], readonly string[]>> = {
  list: ['duration-filter'],
  describe: ['transactional-id'],
  'describe-producers': ['broker-id', 'topic', 'partition'],
  abort: ['topic', 'partition', 'start-offset', 'producer-id', 'producer-epoch', 'coordinator-epoch'],
  'find-hanging': ['broker-id', 'max-transaction-timeout', 'topic', 'partition'],
};

const opt = (name: string, describedAs: string, help: string) => ({ name, arg: 'required' as const, describedAs, help });

export const TRANSACTIONS_SPEC: ToolSpec = {
  tool: 'kafka-transactions',
  summary: [
    'usage: kafka-transactions [-h] [-v] [--command-config FILE] --bootstrap-server host:port COMMAND ...',
    '',
    'This tool is used to analyze the transactional state of producers in the cluster. It can be used to detect and recover from hanging transactions.',
    '',
    'commands:',
    '  list                 list transactions [--duration-filter MS]',
    '  describe             describe the state of an active transactional-id (--transactional-id ID)',
    '  describe-producers   describe the states of active producers for a topic partition (--topic T --partition P [--broker-id B])',
    '  abort                abort a hanging transaction (--topic T --partition P, then --start-offset O or --producer-id, --producer-epoch and --coordinator-epoch)',
    '  find-hanging         find hanging transactions (--broker-id B or --topic T [--partition P]; [--max-transaction-timeout MIN], default 15)',
  ].join('\n'),
  options: [
    BOOTSTRAP_SERVER,
    opt('broker-id', 'BROKER_ID', 'describe-producers: the replica to ask (default the leader); find-hanging: the broker to search.'),
    COMMAND_CONFIG,
    opt('coordinator-epoch', 'COORDINATOR_EPOCH', 'abort: coordinator epoch (brokers older than 3.0).'),
    opt('duration-filter', 'DURATION_FILTER', 'list: only transactions running longer than this many ms (< 0: all).'),
    HELP,
    opt('max-transaction-timeout', 'MAX_TRANSACTION_TIMEOUT', 'find-hanging: maximum transaction timeout in minutes to limit the scope of the search (default 15).'),
    opt('partition', 'PARTITION', 'partition number'),
    opt('producer-epoch', 'PRODUCER_EPOCH', 'abort: producer epoch (brokers older than 3.0).'),
    opt('producer-id', 'PRODUCER_ID', 'abort: producer id (brokers older than 3.0).'),
    opt('start-offset', 'START_OFFSET', 'abort: start offset of the transaction to abort.'),
    opt('topic', 'TOPIC', 'topic name'),
    opt('transactional-id', 'TRANSACTIONAL_ID', 'describe: transactional id.'),
    VERSION,
  ],
};

const ERR = 'kafka-transactions: error:';

function requiredValue(o: ParsedOptions, name: string): string {
  const v = o.value(name);
  if (v === undefined) throw new UsageError(`${ERR} argument --${name} is required`);
  return v;
}

function requiredInt(o: ParsedOptions, name: string): number {
  requiredValue(o, name);
  return o.int(name) as number;
}

export function parseTransactionsArgs(argv: readonly string[]): Parsed<TransactionsArgs> {
  return parseWith(TRANSACTIONS_SPEC, argv, (o) => {
    const [cmd, ...extra] = o.positional;
    if (extra.length > 0) throw new UsageError(`${ERR} unrecognized arguments: '${extra.join(' ')}'`);
    const bootstrap = o.value('bootstrap-server');
    if (bootstrap === undefined) throw new UsageError(`${ERR} argument --bootstrap-server is required`);
    if (cmd === undefined) throw new UsageError(`${ERR} too few arguments`);
    if (!(COMMANDS as readonly string[]).includes(cmd)) {
      throw new UsageError(`${ERR} argument command: invalid choice: '${cmd}' (choose from ${COMMANDS.map((c) => `'${c}'`).join(', ')})`);
    }
    const name = cmd as (typeof COMMANDS)[number];
    const allowed = new Set(['bootstrap-server', 'command-config', ...COMMAND_OPTIONS[name]]);
    const stray = TRANSACTIONS_SPEC.options.map((s) => s.name).filter((n) => o.has(n) && !allowed.has(n));
    if (stray.length > 0) throw new UsageError(`${ERR} unrecognized arguments: '${stray.map((n) => `--${n}`).join(' ')}'`);
    let command: TransactionsCommand;
    switch (name) {
      case 'list':
        command = { kind: 'list', durationFilterMs: o.int('duration-filter') };
        break;
      case 'describe':
        command = { kind: 'describe', transactionalId: requiredValue(o, 'transactional-id') };
        break;
      case 'describe-producers':
        command = { kind: 'describe-producers', topic: requiredValue(o, 'topic'), partition: requiredInt(o, 'partition'), brokerId: o.int('broker-id') };
        break;
      case 'abort':
        command = {
          kind: 'abort',
          topic: requiredValue(o, 'topic'),
          partition: requiredInt(o, 'partition'),
          startOffset: o.int('start-offset'),
          producerId: o.int('producer-id'),
          producerEpoch: o.int('producer-epoch'),
          coordinatorEpoch: o.int('coordinator-epoch'),
        };
        break;
      case 'find-hanging':
        command = {
          kind: 'find-hanging',
          brokerId: o.int('broker-id'),
          topic: o.value('topic'),
          partition: o.int('partition'),
          maxTransactionTimeoutMinutes: o.int('max-transaction-timeout') ?? 15,
        };
        break;
    }
    return { bootstrap, commandConfig: o.value('command-config'), command };
  });
}

/** Kafka's printErrorAndExit: the one line on stderr, exit 1. */
class CommandFailure extends Error {}

function failed(message: string, cause?: unknown): CommandFailure {
  if (cause === undefined) return new CommandFailure(message);
  const detail = cause instanceof Error ? cause.message.replace(/\.$/, '') : String(cause);
  return new CommandFailure(`${message}: ${detail}. Enable debug logging for additional detail.`);
}

async function attempt<T>(message: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof KafkaError) throw failed(message, e);
    throw e;
  }
}

const tpName = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

export const LIST_HEADERS = ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'];
export const DESCRIBE_HEADERS = ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'];
export const PRODUCERS_HEADERS = ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'];
export const HANGING_HEADERS = ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'];

/** One row of describe-producers: absent coordinator epoch -1, absent start offset None (as Kafka prints them). */
export function producerRow(p: ProducerState): string[] {
  return [
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch < 0 ? -1 : p.coordinatorEpoch),
    String(p.lastSequence),
    String(p.lastTimestamp),
    p.currentTransactionStartOffset < 0 ? 'None' : String(p.currentTransactionStartOffset),
  ];
}

export function describeRow(d: TransactionDescription, nowMs: number): string[] {
  const open = d.transactionStartTimeMs >= 0;
  return [
    String(d.coordinatorId),
    d.transactionalId,
    String(d.producerId),
    String(d.producerEpoch),
    d.state,
    String(d.transactionTimeoutMs),
    open ? String(d.transactionStartTimeMs) : 'None',
    open ? String(nowMs - d.transactionStartTimeMs) : 'None',
    d.topicPartitions.map(tpName).join(','),
  ];
}

export interface OpenTransaction {
  readonly tp: TopicPartition;
  readonly producer: ProducerState;
}

/** find-hanging's candidates: open transactions whose last write is older than the maximum timeout. */
export function candidateTransactions(states: readonly (TopicPartition & { activeProducers: readonly ProducerState[] })[], nowMs: number, maxTimeoutMs: number): OpenTransaction[] {
  return states.flatMap((s) =>
    s.activeProducers.filter((p) => p.currentTransactionStartOffset >= 0 && nowMs - p.lastTimestamp > maxTimeoutMs).map((producer) => ({ tp: { topic: s.topic, partition: s.partition }, producer })),
  );
}

/**
 * The candidates their coordinator will not finish: no transactional id lists the producer id,
 * the id is not found, or its (ongoing or pending) transaction does not include the partition.
 * `descriptions` maps a transactional id to undefined when the coordinator does not know it.
 */
export function hangingTransactions(
  candidates: readonly OpenTransaction[],
  transactionalIdOf: ReadonlyMap<number, string>,
  descriptions: ReadonlyMap<string, TransactionDescription | undefined>,
): OpenTransaction[] {
  const byProducer = new Map<number, OpenTransaction[]>();
  for (const c of candidates) {
    const l = byProducer.get(c.producer.producerId);
    if (l === undefined) byProducer.set(c.producer.producerId, [c]);
    else l.push(c);
  }
  const out: OpenTransaction[] = [];
  for (const [producerId, open] of [...byProducer].sort((a, b) => a[0] - b[0])) {
    const id = transactionalIdOf.get(producerId);
    const d = id === undefined ? undefined : descriptions.get(id);
    for (const t of open) {
      if (d === undefined || !d.topicPartitions.some((x) => x.topic === t.tp.topic && x.partition === t.tp.partition)) out.push(t);
    }
  }
  return out;
}

export function hangingRow(t: OpenTransaction, nowMs: number): string[] {
  const p = t.producer;
  return [
    t.tp.topic,
    String(t.tp.partition),
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch < 0 ? -1 : p.coordinatorEpoch),
    String(p.currentTransactionStartOffset),
    String(p.lastTimestamp),
    String(Math.floor((nowMs - p.lastTimestamp) / 60_000)),
  ];
}

export async function runTransactions(args: TransactionsArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  try {
    await execute(admin, args.command, io);
    return 0;
  } catch (e) {
    if (!(e instanceof CommandFailure)) throw e;
    io.stderr(`${e.message}\n`);
    return 1;
  } finally {
    await admin.close();
  }
}

async function execute(admin: Admin, c: TransactionsCommand, io: ToolIo): Promise<void> {
  switch (c.kind) {
    case 'list': {
      const listings = await attempt('Failed to list transactions', () => admin.listTransactions(c.durationFilterMs === undefined ? {} : { durationFilterMs: c.durationFilterMs }));
      const sorted = [...listings].sort((a, b) => a.coordinatorId - b.coordinatorId);
      io.stdout(prettyPrintTable(LIST_HEADERS, sorted.map((l) => [l.transactionalId, String(l.coordinatorId), String(l.producerId), l.state])));
      return;
    }
    case 'describe': {
      const what = `Failed to describe transaction state of transactional-id \`${c.transactionalId}\``;
      const [d] = await attempt(what, () => admin.describeTransactions([c.transactionalId]));
      if (d === undefined) throw failed(what, 'no answer');
      if (d.error !== undefined) throw failed(what, d.error);
      io.stdout(prettyPrintTable(DESCRIBE_HEADERS, [describeRow(d, io.now())]));
      return;
    }
    case 'describe-producers': {
      const tp = { topic: c.topic, partition: c.partition };
      const what = `Failed to describe producers for partition ${tpName(tp)} on ${c.brokerId === undefined ? 'leader' : `broker ${c.brokerId}`}`;
      const [r] = await attempt(what, () => admin.describeProducers([tp], c.brokerId === undefined ? {} : { brokerId: c.brokerId }));
      if (r?.error !== undefined) throw failed(what, r.error);
      io.stdout(prettyPrintTable(PRODUCERS_HEADERS, (r?.activeProducers ?? []).map(producerRow)));
      return;
    }
    case 'abort':
      return abort(admin, c);
    case 'find-hanging':
      return findHanging(admin, c, io);
  }
}

async function abort(admin: Admin, c: Extract<TransactionsCommand, { kind: 'abort' }>): Promise<void> {
  const tp = { topic: c.topic, partition: c.partition };
  if (c.startOffset === undefined && c.producerId === undefined) {
    throw failed(
      'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
    );
  }
  let spec: TopicPartition & { producerId: number; producerEpoch: number; coordinatorEpoch: number };
  if (c.startOffset === undefined) {
    if (c.producerEpoch === undefined) throw failed('Missing required argument --producer-epoch');
    if (c.coordinatorEpoch === undefined) throw failed('Missing required argument --coordinator-epoch');
    // A transaction that hung before its producer's first marker has coordinator epoch -1: 0 is
    // not above any coordinator epoch the partition can have seen.
    spec = { ...tp, producerId: c.producerId as number, producerEpoch: c.producerEpoch, coordinatorEpoch: Math.max(0, c.coordinatorEpoch) };
  } else {
    const what = `Failed to validate producer state for partition ${tpName(tp)}`;
    const [r] = await attempt(what, () => admin.describeProducers([tp]));
    if (r?.error !== undefined) throw failed(what, r.error);
    const p = (r?.activeProducers ?? []).find((x) => x.currentTransactionStartOffset >= 0 && x.currentTransactionStartOffset === c.startOffset);
    if (p === undefined) throw failed(`Could not find any open transactions starting at offset ${c.startOffset} on partition ${tpName(tp)}`);
    spec = { ...tp, producerId: p.producerId, producerEpoch: p.producerEpoch, coordinatorEpoch: Math.max(0, p.coordinatorEpoch) };
  }
  const shown = `AbortTransactionSpec(topicPartition=${tpName(tp)}, producerId=${spec.producerId}, producerEpoch=${spec.producerEpoch}, coordinatorEpoch=${spec.coordinatorEpoch})`;
  await attempt(`Failed to abort transaction ${shown}`, () => admin.abortTransaction(spec));
}

const BATCH = 500;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

async function findHanging(admin: Admin, c: Extract<TransactionsCommand, { kind: 'find-hanging' }>, io: ToolIo): Promise<void> {
  if (c.topic === undefined && c.brokerId === undefined) {
    throw failed('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  }
  if (c.partition !== undefined && c.topic === undefined) throw failed('The --partition argument requires --topic to be provided');
  const maxTimeoutMs = c.maxTransactionTimeoutMinutes * 60_000;

  // The partitions to search: the one named, or those of the topic(s) with a replica on the broker.
  let partitions: TopicPartition[];
  if (c.topic !== undefined && c.partition !== undefined) {
    partitions = [{ topic: c.topic, partition: c.partition }];
  } else {
    const topics = c.topic !== undefined ? [c.topic] : await attempt('Failed to list topics', () => admin.listTopics());
    partitions = [];
    for (const batch of batches(topics)) {
      const described = await attempt(`Failed to describe ${batch.length} topics`, () => admin.describeTopics(batch));
      for (const t of described) {
        for (const p of t.partitions) if (c.brokerId === undefined || p.replicas.includes(c.brokerId)) partitions.push({ topic: t.name, partition: p.partition });
      }
    }
  }

  const candidates: OpenTransaction[] = [];
  for (const batch of batches(partitions)) {
    const what = `Failed to describe producers for ${batch.length} partitions on broker ${c.brokerId === undefined ? 'Optional.empty' : `Optional[${c.brokerId}]`}`;
    const states = await attempt(what, () => admin.describeProducers(batch, c.brokerId === undefined ? {} : { brokerId: c.brokerId }));
    const bad = states.find((s) => s.error !== undefined);
    if (bad !== undefined) throw failed(what, bad.error);
    candidates.push(...candidateTransactions(states, io.now(), maxTimeoutMs));
  }

  let hanging: OpenTransaction[] = [];
  if (candidates.length > 0) {
    const producerIds = [...new Set(candidates.map((t) => t.producer.producerId))];
    const listings = await attempt(`Failed to list transactions for ${producerIds.length} producers`, () => admin.listTransactions({ producerIds }));
    const transactionalIdOf = new Map(listings.filter((l) => producerIds.includes(l.producerId)).map((l) => [l.producerId, l.transactionalId] as const));
    const ids = [...new Set(transactionalIdOf.values())];
    const descriptions = new Map<string, TransactionDescription | undefined>();
    if (ids.length > 0) {
      const what = `Failed to describe ${ids.length} transactions`;
      for (const d of await attempt(what, () => admin.describeTransactions(ids))) {
        if (d.error === undefined) descriptions.set(d.transactionalId, d);
        else if (d.error.name === 'TRANSACTIONAL_ID_NOT_FOUND') descriptions.set(d.transactionalId, undefined);
        else throw failed(what, d.error);
      }
    }
    hanging = hangingTransactions(candidates, transactionalIdOf, descriptions);
  }
  const now = io.now();
  io.stdout(prettyPrintTable(HANGING_HEADERS, hanging.map((t) => hangingRow(t, now))));
}

export const kafkaTransactions: Tool<TransactionsArgs> = { name: 'kafka-transactions', parse: parseTransactionsArgs, run: runTransactions };
