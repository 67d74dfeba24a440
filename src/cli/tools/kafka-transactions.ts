/**
 * `kafka-transactions --bootstrap-server H list | describe --transactional-id ID |
 * describe-producers --topic T --partition P`: Kafka 3.9's tables (ToolsUtils.prettyPrintTable).
 * abort, find-hanging and force-terminate are not supported yet (one line says so).
 */
import { loadPropertiesFile } from '../properties-file.js';
import { clientConfig, kafkaClient, type ToolIo } from './context.js';
import { prettyPrintTable } from './format.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ToolSpec } from './options.js';
import { parseWith, type Parsed, type Tool } from './tool.js';

export type TransactionsCommand =
  | { readonly kind: 'list' }
  | { readonly kind: 'describe'; readonly transactionalId: string }
  | { readonly kind: 'describe-producers'; readonly topic: string; readonly partition: number };

export interface TransactionsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly command: TransactionsCommand;
}

export const TRANSACTIONS_SPEC: ToolSpec = {
  tool: 'kafka-transactions',
  summary:
    'usage: kafka-transactions [-h] [-v] [--command-config FILE] --bootstrap-server host:port COMMAND ...\n\nThis tool is used to analyze the transactional state of producers in the cluster. Commands: list, describe --transactional-id ID, describe-producers --topic T --partition P',
  options: [
    BOOTSTRAP_SERVER,
    { name: 'broker-id', arg: 'required', describedAs: 'BROKER_ID', help: 'describe-producers: accepted (the partition leader answers).' },
    COMMAND_CONFIG,
    HELP,
    { name: 'partition', arg: 'required', describedAs: 'PARTITION', help: 'describe-producers: the partition.' },
    { name: 'topic', arg: 'required', describedAs: 'TOPIC', help: 'describe-producers: the topic.' },
    { name: 'transactional-id', arg: 'required', describedAs: 'TRANSACTIONAL_ID', help: 'describe: the transactional id.' },
    VERSION,
  ],
};

export function parseTransactionsArgs(argv: readonly string[]): Parsed<TransactionsArgs> {
  return parseWith(TRANSACTIONS_SPEC, argv, (o) => {
    const [cmd, ...extra] = o.positional;
    if (extra.length > 0) throw new UsageError(`kafka-transactions: error: unrecognized arguments: '${extra.join(' ')}'`);
    const bootstrap = o.value('bootstrap-server');
    if (bootstrap === undefined) throw new UsageError('kafka-transactions: error: argument --bootstrap-server is required');
    let command: TransactionsCommand;
    switch (cmd) {
      case 'list':
        command = { kind: 'list' };
        break;
      case 'describe': {
        const id = o.value('transactional-id');
        if (id === undefined) throw new UsageError('kafka-transactions: error: argument --transactional-id is required');
        command = { kind: 'describe', transactionalId: id };
        break;
      }
      case 'describe-producers': {
        const topic = o.value('topic');
        const partition = o.int('partition');
        if (topic === undefined || partition === undefined) throw new UsageError('kafka-transactions: error: arguments --topic and --partition are required');
        command = { kind: 'describe-producers', topic, partition };
        break;
      }
      case undefined:
        throw new UsageError('kafka-transactions: error: too few arguments');
      case 'abort':
      case 'find-hanging':
      case 'force-terminate':
        throw new UsageError(`kafka-transactions ${cmd} is not supported by Gregor yet`);
      default:
        throw new UsageError(`kafka-transactions: error: argument command: invalid choice: '${cmd}' (choose from 'list', 'describe', 'describe-producers', 'abort', 'find-hanging', 'force-terminate')`);
    }
    return { bootstrap, commandConfig: o.value('command-config'), command };
  });
}

export async function runTransactions(args: TransactionsArgs, io: ToolIo): Promise<number> {
  const props = args.commandConfig === undefined ? new Map<string, string>() : loadPropertiesFile(args.commandConfig, io.readText);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  try {
    const c = args.command;
    if (c.kind === 'list') {
      const listings = await admin.listTransactions();
      const described = listings.length === 0 ? [] : await admin.describeTransactions(listings.map((l) => l.transactionalId));
      const rows = listings.map((l) => {
        const d = described.find((x) => x.transactionalId === l.transactionalId);
        return [l.transactionalId, d !== undefined && d.error === undefined ? String(d.coordinatorId) : '-', String(l.producerId), l.state];
      });
      io.stdout(prettyPrintTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows));
      return 0;
    }
    if (c.kind === 'describe') {
      const [d] = await admin.describeTransactions([c.transactionalId]);
      if (d === undefined) throw new UsageError(`no answer for transactional id ${c.transactionalId}`);
      if (d.error !== undefined) throw d.error;
      const start = d.transactionStartTimeMs < 0 ? 'None' : String(d.transactionStartTimeMs);
      const duration = d.transactionStartTimeMs < 0 ? 'None' : String(Math.max(0, io.now() - d.transactionStartTimeMs));
      io.stdout(
        prettyPrintTable(
          ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
          [[String(d.coordinatorId), d.transactionalId, String(d.producerId), String(d.producerEpoch), d.state, String(d.transactionTimeoutMs), start, duration, d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(',')]],
        ),
      );
      return 0;
    }
    const [r] = await admin.describeProducers([{ topic: c.topic, partition: c.partition }]);
    if (r?.error !== undefined) throw r.error;
    io.stdout(
      prettyPrintTable(
        ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
        (r?.activeProducers ?? []).map((p) => [
          String(p.producerId),
          String(p.producerEpoch),
          p.coordinatorEpoch < 0 ? 'None' : String(p.coordinatorEpoch),
          String(p.lastSequence),
          String(p.lastTimestamp),
          p.currentTransactionStartOffset < 0 ? 'None' : String(p.currentTransactionStartOffset),
        ]),
      ),
    );
    return 0;
  } finally {
    await admin.close();
  }
}

export const kafkaTransactions: Tool<TransactionsArgs> = { name: 'kafka-transactions', parse: parseTransactionsArgs, run: runTransactions };
