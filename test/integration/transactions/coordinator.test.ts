/**
 * The transaction coordinator in a real broker (startBroker), end to end with the partition side:
 * kafkajs's transactional producer finds the coordinator (FindCoordinator key type 1 creates
 * __transaction_state), commits and aborts (kcat, read_committed, sees committed records only),
 * commits consumer offsets in a transaction (sendOffsets), is fenced by a second producer with the
 * same transactional id, and has a transaction past its timeout aborted; confluent-kafka (librdkafka)
 * commits and aborts; DescribeTransactions/ListTransactions and InitProducerId's checks over the
 * wire; the state survives a restart, and a transaction left open by the restart is aborted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../../../src/common/index.js';
import { startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';
import {
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListTransactionsRequest,
  ListTransactionsResponse,
} from '../../../src/protocol/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { PYTHON, kcatValues, run } from '../../support/run.js';
import { WireClient, until } from './coordinator-wire.js';

const HOST = '127.0.0.1';
let dir: string;
let broker: BrokerHandle;

function props(): Map<string, string> {
  return singleNodeProperties(dir, {
    'num.partitions': '2',
    'transaction.state.log.num.partitions': '4',
    'offsets.topic.num.partitions': '4',
    'transaction.max.timeout.ms': '120000',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '300',
    'group.initial.rebalance.delay.ms': '0',
  });
}

function port(): number {
  return broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
}

function kafka(): Kafka {
  return new Kafka({ clientId: 'txn-test', brokers: [`${HOST}:${port()}`], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-txncoord-'));
  broker = await startBroker({ properties: props() });
});

after(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function describe(wire: WireClient, id: string) {
  const r = await wire.send(DescribeTransactionsRequest, DescribeTransactionsResponse, 0, { transactionalIds: [id] });
  return r.transactionStates[0]!;
}

/** Waits until the transactional id reaches `state` (markers are written after EndTxn is answered). */
async function reaches(id: string, state: string) {
  const wire = await WireClient.open(HOST, port());
  try {
    return await until(() => describe(wire, id), (s) => s.transactionState === state);
  } finally {
    wire.close();
  }
}

/** What a read_committed reader sees: kcat (librdkafka's default isolation.level), to the end. */
function committedValues(topic: string, partition = 0): Promise<string[]> {
  return kcatValues(`${HOST}:${port()}`, topic, partition, 60_000);
}

async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

test('FindCoordinator key type 1 creates __transaction_state and then names this broker', async () => {
  const wire = await WireClient.open(HOST, port());
  try {
    const r = await until(
      () => wire.send(FindCoordinatorRequest, FindCoordinatorResponse, 4, { key: '', keyType: 1, coordinatorKeys: ['tx-find'] }),
      (res) => res.coordinators[0]!.errorCode === ErrorCode.NONE,
    );
    assert.equal(r.coordinators[0]!.nodeId, broker.nodeId);
    assert.equal(r.coordinators[0]!.port, port());
    const topic = broker.context.image().topics.byName.get('__transaction_state');
    assert.equal(topic?.partitions.size, 4);
  } finally {
    wire.close();
  }
});

test('kafkajs: commit and abort; read_committed sees the committed records only', async () => {
  await createTopic('txn-a');
  const producer = kafka().producer({ transactionalId: 'tx-a', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const wire = await WireClient.open(HOST, port());
  try {
    const t1 = await producer.transaction();
    await t1.send({ topic: 'txn-a', messages: [{ key: 'k1', value: 'v1' }, { key: 'k2', value: 'v2' }] });
    const ongoing = await describe(wire, 'tx-a');
    assert.equal(ongoing.errorCode, ErrorCode.NONE);
    assert.equal(ongoing.transactionState, 'Ongoing');
    assert.deepEqual(ongoing.topics, [{ topic: 'txn-a', partitions: [0] }]);
    await t1.commit();
    const committed = await reaches('tx-a', 'CompleteCommit');
    assert.deepEqual(committed.topics, []);

    const t2 = await producer.transaction();
    await t2.send({ topic: 'txn-a', messages: [{ value: 'x1' }] });
    await t2.abort();
    await reaches('tx-a', 'CompleteAbort');

    const t3 = await producer.transaction();
    await t3.send({ topic: 'txn-a', messages: [{ value: 'v3' }] });
    await t3.commit();
    assert.deepEqual(await committedValues('txn-a'), ['v1', 'v2', 'v3']);

    const listed = await wire.send(ListTransactionsRequest, ListTransactionsResponse, 1, { stateFilters: ['CompleteCommit'], producerIdFilters: [], durationFilter: -1 });
    assert.equal(listed.errorCode, ErrorCode.NONE);
    assert.ok(listed.transactionStates.some((s) => s.transactionalId === 'tx-a' && s.producerId === committed.producerId));
  } finally {
    wire.close();
    await producer.disconnect();
  }
});

test('kafkajs: offsets committed in a transaction (sendOffsets) count only when it commits', async () => {
  await createTopic('txn-o');
  const producer = kafka().producer({ transactionalId: 'tx-o', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const admin = kafka().admin();
  await admin.connect();
  const committedOffset = async () => (await admin.fetchOffsets({ groupId: 'g-eos', topics: ['txn-o'] }))[0]!.partitions[0]!.offset;
  try {
    const t1 = await producer.transaction();
    await t1.send({ topic: 'txn-o', messages: [{ value: 'o1' }] });
    await t1.sendOffsets({ consumerGroupId: 'g-eos', topics: [{ topic: 'txn-o', partitions: [{ partition: 0, offset: '5' }] }] });
    await t1.commit();
    await reaches('tx-o', 'CompleteCommit');
    assert.equal(await until(committedOffset, (o) => o === '5'), '5');

    const t2 = await producer.transaction();
    await t2.sendOffsets({ consumerGroupId: 'g-eos', topics: [{ topic: 'txn-o', partitions: [{ partition: 0, offset: '9' }] }] });
    await t2.abort();
    await reaches('tx-o', 'CompleteAbort');
    assert.equal(await committedOffset(), '5');
  } finally {
    await admin.disconnect();
    await producer.disconnect();
  }
});

test('kafkajs: a second producer with the same transactional id fences the first (zombie fencing)', async () => {
  await createTopic('txn-z');
  const zombie = kafka().producer({ transactionalId: 'tx-z', idempotent: true, maxInFlightRequests: 1 });
  await zombie.connect();
  const zt = await zombie.transaction();
  await zt.send({ topic: 'txn-z', messages: [{ value: 'from-zombie' }] });
  const before = await reaches('tx-z', 'Ongoing');
  // The new instance's InitProducerId (kafkajs sends it on its first transaction) aborts the
  // zombie's transaction: CONCURRENT_TRANSACTIONS, retried by kafkajs until the abort completes.
  const fresh = kafka().producer({ transactionalId: 'tx-z', idempotent: true, maxInFlightRequests: 1 });
  await fresh.connect();
  try {
    const ft = await fresh.transaction();
    const after = await reaches('tx-z', 'Empty');
    assert.equal(after.producerId, before.producerId);
    assert.equal(after.producerEpoch, before.producerEpoch + 2);
    await assert.rejects(zt.commit());
    await ft.send({ topic: 'txn-z', messages: [{ value: 'from-fresh' }] });
    await ft.commit();
    assert.deepEqual(await committedValues('txn-z'), ['from-fresh']);
  } finally {
    await zombie.disconnect();
    await fresh.disconnect();
  }
});

test('kafkajs: a transaction past its timeout is aborted by the coordinator and its producer fenced', async () => {
  await createTopic('txn-t');
  const producer = kafka().producer({ transactionalId: 'tx-t', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 1000 });
  await producer.connect();
  try {
    const t = await producer.transaction();
    await t.send({ topic: 'txn-t', messages: [{ value: 'late' }] });
    const aborted = await reaches('tx-t', 'CompleteAbort');
    assert.equal(aborted.transactionTimeoutMs, 1000);
    await assert.rejects(t.commit());
    assert.deepEqual(await committedValues('txn-t'), []);
  } finally {
    await producer.disconnect();
  }
});

test('confluent-kafka (librdkafka): init_transactions, commit, abort, send_offsets_to_transaction', async () => {
  await createTopic('txn-py');
  const script = [
    'import sys',
    'from confluent_kafka import Consumer, Producer, TopicPartition',
    "p = Producer({'bootstrap.servers': sys.argv[1], 'transactional.id': 'tx-py', 'transaction.timeout.ms': 60000})",
    "c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'g-py', 'enable.auto.commit': False})",
    'p.init_transactions(30)',
    'p.begin_transaction()',
    "p.produce('txn-py', b'py-1', partition=0)",
    "p.produce('txn-py', b'py-2', partition=0)",
    "p.send_offsets_to_transaction([TopicPartition('txn-py', 0, 2)], c.consumer_group_metadata(), 30)",
    'p.commit_transaction(30)',
    'p.begin_transaction()',
    "p.produce('txn-py', b'py-aborted', partition=0)",
    'p.flush(30)',
    'p.abort_transaction(30)',
    'p.begin_transaction()',
    "p.produce('txn-py', b'py-3', partition=0)",
    'p.commit_transaction(30)',
    "print('ok')",
    'c.close()',
  ].join('\n');
  const r = await run(PYTHON, ['-c', script, `${HOST}:${port()}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString().trim(), 'ok');
  await reaches('tx-py', 'CompleteCommit');
  assert.deepEqual(await committedValues('txn-py'), ['py-1', 'py-2', 'py-3']);
  const admin = kafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: 'g-py', topics: ['txn-py'] });
    assert.equal(offsets[0]!.partitions[0]!.offset, '2');
  } finally {
    await admin.disconnect();
  }
});

test('InitProducerId over the wire: timeouts checked, epochs bumped; the state survives a restart, an open transaction is aborted', async () => {
  let wire = await WireClient.open(HOST, port());
  const init = (version: number, timeoutMs: number, producerId = -1, producerEpoch = -1) =>
    wire.send(InitProducerIdRequest, InitProducerIdResponse, version, { transactionalId: 'tx-wire', transactionTimeoutMs: timeoutMs, producerId, producerEpoch });
  try {
    assert.equal((await init(4, 120_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const first = await until(() => init(4, 10_000), (r) => r.errorCode === ErrorCode.NONE);
    assert.equal(first.producerEpoch, 0);
    const second = await init(4, 10_000, first.producerId, first.producerEpoch);
    assert.deepEqual([second.errorCode, second.producerId, second.producerEpoch], [0, first.producerId, 1]);
    // A stale epoch: PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before.
    assert.equal((await init(4, 10_000, first.producerId, 9)).errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal((await init(3, 10_000, first.producerId, 9)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    wire.close();

    // A transaction left open across the restart: aborted once its timeout passes, nothing visible.
    await createTopic('txn-r');
    const open = kafka().producer({ transactionalId: 'tx-r', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 2000 });
    await open.connect();
    const t = await open.transaction();
    await t.send({ topic: 'txn-r', messages: [{ value: 'r1' }] });
    await open.disconnect();

    await broker.close();
    broker = await startBroker({ properties: props() });
    wire = await WireClient.open(HOST, port());
    const d = await until(() => describe(wire, 'tx-wire'), (s) => s.errorCode === ErrorCode.NONE);
    assert.deepEqual([d.transactionState, d.producerId, d.producerEpoch, d.transactionTimeoutMs], ['Empty', first.producerId, 1, 10_000]);
    const third = await init(4, 10_000);
    assert.deepEqual([third.errorCode, third.producerId, third.producerEpoch], [0, first.producerId, 2]);
    await reaches('tx-r', 'CompleteAbort');
    assert.deepEqual(await committedValues('txn-r'), []);
  } finally {
    wire.close();
  }
});
