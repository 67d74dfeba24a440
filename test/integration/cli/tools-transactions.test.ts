/**
 * kafka-transactions as a process against a broker process with real open transactions:
 * - a kafkajs transactional producer (`app-tx`) kept open in this process: list shows it Ongoing,
 *   describe shows its partition and timeout, describe-producers its CurrentTransactionStartOffset;
 *   its records carry a timestamp 20 minutes old, so find-hanging considers it and must drop it
 *   (the coordinator knows it as ongoing on that partition);
 * - a hanging transaction: an idempotent producer id writes transactional batches (20 minutes old)
 *   to two partitions of `stuck` under a transactional id the coordinator never heard of.
 *   find-hanging finds both; `abort --start-offset` and `abort --producer-id ...` end them, after
 *   which read_committed reaches the end and find-hanging finds nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka as KafkaJs, logLevel, type Producer, type Transaction } from 'kafkajs';
import { Kafka } from '../../../src/kafka.js';
import { InitProducerIdRequest, InitProducerIdResponse, ProduceRequest, ProduceResponse, buildRecordBatch } from '../../../src/protocol/index.js';
import { BrokerProcess, HOST } from '../../support/broker-process.js';
import { WireClient } from '../transactions/coordinator-wire.js';
import { RunningTool, isOneLine, runTool, toolJs } from './tools-support.js';

const MINUTE = 60_000;
const OLD = Date.now() - 20 * MINUTE - 30_000;

let broker: BrokerProcess;
let bs: string;
let producer: Producer;
let txn: Transaction | undefined;
let appPid: number;
let ghostPid: number;

const tx = (...args: string[]) => runTool('kafka-transactions', ['--bootstrap-server', bs, ...args]);
const lines = (text: string) => text.replace(/\n$/, '').split('\n');

before(async () => {
  broker = await BrokerProcess.start({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  bs = broker.bootstrap;
  for (const [topic, partitions] of [['payments', '1'], ['stuck', '2']] as const) {
    assert.equal((await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', topic, '--partitions', partitions])).code, 0);
  }
  // The console producer is idempotent (acks=all): its producer id shows in describe-producers.
  assert.equal((await runTool('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'payments'], { input: 'x\ny\n' })).code, 0);

  // An open kafkajs transaction: one record at payments offset 2.
  const kafkajs = new KafkaJs({ clientId: 'txn-tools', brokers: [bs], logLevel: logLevel.NOTHING });
  producer = kafkajs.producer({ transactionalId: 'app-tx', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 300_000 });
  await producer.connect();
  txn = await producer.transaction();
  await txn.send({ topic: 'payments', messages: [{ value: 'in-flight', timestamp: String(OLD) }] });

  // A hanging transaction on stuck-0 (offsets 0-1) and stuck-1 (offset 0).
  const wire = await WireClient.open(HOST, broker.port);
  try {
    const init = await wire.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    ghostPid = init.producerId;
    const batch = (values: string[]) =>
      buildRecordBatch({ producerId: ghostPid, producerEpoch: init.producerEpoch, baseSequence: 0, isTransactional: true, records: values.map((value) => ({ key: null, value, timestamp: OLD })) });
    const r = await wire.send(ProduceRequest, ProduceResponse, 9, {
      transactionalId: 'ghost',
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'stuck', partitionData: [{ index: 0, records: batch(['g1', 'g2']) }, { index: 1, records: batch(['g3']) }] }],
    });
    assert.deepEqual(r.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset]), [[0, 0, 0], [1, 0, 0]]);
  } finally {
    wire.close();
  }
});

after(async () => {
  await txn?.abort().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await broker?.close();
});

async function committedEnd(partition: number): Promise<number> {
  const admin = new Kafka({ bootstrapServers: bs }).admin();
  try {
    const [a] = await admin.listOffsets([{ topic: 'stuck', partition, spec: 'latest' }], { isolationLevel: 'read_committed' });
    return a!.offset;
  } finally {
    await admin.close();
  }
}

test('list, describe and describe-producers show the open kafkajs transaction', async () => {
  await broker.check(async () => {
    let r = await tx('list');
    assert.equal(r.code, 0, r.stderr);
    const listed = lines(r.stdout);
    assert.equal(listed.length, 2, r.stdout);
    assert.equal(listed[0], 'TransactionalId\tCoordinator\tProducerId\tTransactionState\t');
    const cells = listed[1]!.split('\t').map((c) => c.trim());
    assert.deepEqual(cells.slice(0, 2), ['app-tx', '1']);
    assert.deepEqual(cells.slice(3), ['Ongoing', '']);
    appPid = Number(cells[2]);
    assert.ok(Number.isInteger(appPid) && appPid >= 0 && appPid !== ghostPid, r.stdout);

    // --duration-filter: running longer than an hour — none; longer than 0 ms — app-tx.
    r = await tx('list', '--duration-filter', '3600000');
    assert.equal(r.stdout, 'TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n');
    r = await tx('list', '--duration-filter', '0');
    assert.equal(lines(r.stdout)[1], listed[1]);

    r = await tx('describe', '--transactional-id', 'app-tx');
    assert.equal(r.code, 0, r.stderr);
    const [head, row] = lines(r.stdout);
    assert.equal(head!.split('\t').map((c) => c.trim()).join(' '), 'CoordinatorId TransactionalId ProducerId ProducerEpoch TransactionState TransactionTimeoutMs CurrentTransactionStartTimeMs TransactionDurationMs TopicPartitions ');
    const d = row!.split('\t').map((c) => c.trim());
    assert.deepEqual([d[0], d[1], d[2], d[3], d[4], d[5], d[8]], ['1', 'app-tx', String(appPid), '0', 'Ongoing', '300000', 'payments-0']);
    assert.match(d[6]!, /^\d{13}$/);
    assert.match(d[7]!, /^\d+$/);

    r = await tx('describe-producers', '--topic', 'payments', '--partition', '0');
    assert.equal(r.code, 0, r.stderr);
    const producers = lines(r.stdout);
    assert.equal(producers[0], 'ProducerId\tProducerEpoch\tLatestCoordinatorEpoch\tLastSequence\tLastTimestamp\tCurrentTransactionStartOffset\t');
    assert.equal(producers.length, 3, r.stdout);
    const app = producers.find((l) => l.startsWith(`${appPid} `) || l.startsWith(`${appPid}\t`));
    assert.deepEqual(app?.split('\t').map((c) => c.trim()), [String(appPid), '0', '-1', '0', String(OLD), '2', '']);
    const console = producers.slice(1).find((l) => l !== app);
    assert.match(console!, /^\d+ *\t0 *\t-1 *\t1 *\t\d+ *\tNone *\t$/);
    // --broker-id asks that replica (this single node).
    const onBroker = await tx('describe-producers', '--topic', 'payments', '--partition', '0', '--broker-id', '1');
    assert.equal(onBroker.stdout, r.stdout);

    r = await tx('describe', '--transactional-id', 'nobody');
    assert.equal(r.code, 1);
    assert.ok(isOneLine(r.stderr), r.stderr);
    assert.match(r.stderr, /^Failed to describe transaction state of transactional-id `nobody`: .*Enable debug logging for additional detail\.\n$/);
  });
});

test('find-hanging finds the unknown producer\'s transactions; abort ends them; read_committed moves on', async () => {
  await broker.check(async () => {
    const header = 'Topic\tPartition\tProducerId\tProducerEpoch\tCoordinatorEpoch\tStartOffset\tLastTimestamp\tDuration(min)\t';
    const before = Date.now();
    let r = await tx('find-hanging', '--broker-id', '1');
    const after = Date.now();
    assert.equal(r.code, 0, r.stderr);
    const found = lines(r.stdout);
    assert.equal(found[0], header);
    // The kafkajs transaction is as old but its coordinator has it ongoing on payments-0: not hanging.
    assert.equal(found.length, 3, r.stdout);
    const minutes = new Set([Math.floor((before - OLD) / MINUTE), Math.floor((after - OLD) / MINUTE)].map(String));
    for (const [i, partition] of ['0', '1'].entries()) {
      const cells = found[i + 1]!.split('\t').map((c) => c.trim());
      assert.deepEqual(cells.slice(0, 7), ['stuck', partition, String(ghostPid), '0', '-1', '0', String(OLD)]);
      assert.ok(minutes.has(cells[7]!), r.stdout);
    }
    // A larger maximum timeout leaves them out.
    r = await tx('find-hanging', '--topic', 'stuck', '--max-transaction-timeout', '30');
    assert.equal(r.stdout, `${header}\n`);
    r = await tx('find-hanging', '--topic', 'stuck', '--partition', '1');
    assert.equal(lines(r.stdout).length, 2, r.stdout);

    assert.equal(await committedEnd(0), 0);
    assert.equal(await committedEnd(1), 0);

    r = await tx('abort', '--topic', 'stuck', '--partition', '0', '--start-offset', '1');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Could not find any open transactions starting at offset 1 on partition stuck-0\n');
    r = await tx('abort', '--topic', 'stuck', '--partition', '0');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^The transaction to abort must be identified either with --start-offset/);

    r = await tx('abort', '--topic', 'stuck', '--partition', '0', '--start-offset', '0');
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.equal(await committedEnd(0), 3); // g1, g2 and the ABORT marker
    r = await tx('find-hanging', '--broker-id', '1');
    assert.deepEqual(
      lines(r.stdout).map((l) => l.split('\t')[1]?.trim()),
      ['Partition', '1'],
    );

    r = await tx('abort', '--topic', 'stuck', '--partition', '1', '--producer-id', String(ghostPid), '--producer-epoch', '0', '--coordinator-epoch', '-1');
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.equal(await committedEnd(1), 2);
    r = await tx('find-hanging', '--broker-id', '1');
    assert.equal(r.stdout, `${header}\n`);

    r = await tx('describe-producers', '--topic', 'stuck', '--partition', '0');
    assert.match(lines(r.stdout)[1]!, new RegExp(`^${ghostPid} *\\t0 *\\t0 *\\t1 *\\t\\d+ *\\tNone *\\t$`));
  });
});

test('usage and refusals', async () => {
  let r = await tx('find-hanging');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search\n');
  r = await tx('force-terminate', '--transactionalId', 'x');
  assert.equal(r.code, 1);
  assert.ok(isOneLine(r.stderr), r.stderr);
  r = await tx('describe-producers', '--topic', 'payments', '--partition', '0', '--start-offset', '1');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unrecognized arguments: '--start-offset'/);
});

test('kafka-console-consumer without --group: a generated console-consumer-N group, no commits; read_committed stops at the open transaction', async () => {
  await broker.check(async () => {
    const reader = new RunningTool(process.execPath, [toolJs('kafka-console-consumer'), '--bootstrap-server', bs, '--topic', 'payments', '--from-beginning', '--isolation-level', 'read_committed']);
    let group: string | undefined;
    try {
      await reader.until((t) => t.stdout === 'x\ny\n', 'the two committed records');
      const r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--list']);
      const groups = lines(r.stdout).filter((l) => l.startsWith('console-consumer-'));
      assert.equal(groups.length, 1, r.stdout);
      assert.match(groups[0]!, /^console-consumer-\d{1,5}$/);
      group = groups[0];
    } finally {
      reader.child.kill('SIGINT');
      const done = await reader.result(15_000);
      assert.equal(done.code, 0);
      assert.equal(done.stdout, 'x\ny\n'); // not the open transaction's record
      assert.match(done.stderr, /Processed a total of 2 messages\n$/);
    }
    // Auto-commit was off: the group has no offsets for payments.
    const offsets = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', group!]);
    assert.ok(!/payments/.test(offsets.stdout), offsets.stdout);
  });
});
