/**
 * The transactional producer end to end: committed records are read under read_committed and
 * aborted ones are not, offsets sent with a transaction count only when it commits, and a second
 * producer with the same transactional id fences the first; a read_committed consumer's position
 * passes the commit marker that ends what it read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';
import { GROUP_BROKER_PROPS } from './group-support.js';

let fx: BrokerFixture;
let kafka: Kafka;

before(async () => {
  fx = await startFixture({ ...GROUP_BROKER_PROPS, 'transaction.state.log.num.partitions': '2', 'transaction.state.log.replication.factor': '1', 'transaction.state.log.min.isr': '1' });
  kafka = fx.kafka();
  const admin = fx.kafka({ retries: 30 }).admin(); // the coordinator comes up once __transaction_state exists
  const [probe] = await admin.describeTransactions(['probe']);
  assert.equal(probe!.error?.name, 'TRANSACTIONAL_ID_NOT_FOUND', 'the transaction coordinator is up');
  await admin.createTopics([
    { name: 'tx-out', numPartitions: 2 },
    { name: 'tx-in', numPartitions: 1 },
  ]);
  await admin.close();
});
after(async () => {
  await fx.close();
});

async function readCommitted(topic: string, partitions: number, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const out: string[] = [];
  const deadline = Date.now() + 10_000;
  while (out.length < expected && Date.now() < deadline) out.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
  // A little more polling shows nothing else is visible.
  out.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
  await consumer.close();
  return out.sort();
}

test('commit and abort: read_committed sees only committed records', async () => {
  const producer = kafka.producer({ transactionalId: 'tx-a' });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.sendBatch([0, 1, 2, 3].map((i) => ({ topic: 'tx-out', partition: i % 2, value: `c${i}` })));
  await producer.commitTransaction();
  producer.beginTransaction();
  await producer.sendBatch([0, 1].map((i) => ({ topic: 'tx-out', partition: i % 2, value: `a${i}` })));
  await producer.abortTransaction();
  producer.beginTransaction();
  await producer.send({ topic: 'tx-out', partition: 0, value: 'c4' });
  await producer.commitTransaction();
  await producer.close();
  assert.deepEqual(await readCommitted('tx-out', 2, 5), ['c0', 'c1', 'c2', 'c3', 'c4']);
});

test('offsets sent with a transaction are committed with it', async () => {
  const plain = kafka.producer();
  await plain.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'tx-in', partition: 0, value: `in${i}` })));
  await plain.close();
  const consumer = kafka.consumer({ groupId: 'tx-group', enableAutoCommit: false, autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, fetchMaxWaitMs: 50 });
  consumer.subscribe(['tx-in']);
  const records: string[] = [];
  for (let i = 0; i < 50 && records.length < 10; i++) records.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
  const producer = kafka.producer({ transactionalId: 'tx-b' });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic: 'tx-out', partition: 1, value: 'derived' });
  await producer.sendOffsetsToTransaction([{ topic: 'tx-in', partition: 0, offset: 4 }], consumer.groupMetadata());
  await producer.abortTransaction();
  assert.deepEqual((await consumer.committed([{ topic: 'tx-in', partition: 0 }])).map((c) => c.offset), [-1]);
  producer.beginTransaction();
  await producer.sendOffsetsToTransaction([{ topic: 'tx-in', partition: 0, offset: 10 }], consumer.groupMetadata());
  await producer.commitTransaction();
  let committed = -1;
  for (let i = 0; i < 50 && committed !== 10; i++) committed = (await consumer.committed([{ topic: 'tx-in', partition: 0 }]))[0]!.offset;
  assert.equal(committed, 10);
  await producer.close();
  await consumer.close();
});

test('a second producer with the same transactional id fences the first', async () => {
  const first = kafka.producer({ transactionalId: 'tx-c' });
  await first.initTransactions();
  first.beginTransaction();
  await first.send({ topic: 'tx-out', partition: 0, value: 'zombie' });
  const second = kafka.producer({ transactionalId: 'tx-c' });
  await second.initTransactions(); // aborts the first one's open transaction
  await assert.rejects(first.commitTransaction(), { name: 'PRODUCER_FENCED' });
  await first.close();
  second.beginTransaction();
  await second.send({ topic: 'tx-out', partition: 0, value: 'fresh' });
  await second.commitTransaction();
  await second.close();
  const seen = await readCommitted('tx-out', 2, 1);
  assert.ok(seen.includes('fresh'));
  assert.ok(!seen.includes('zombie'));
});

test('admin: listTransactions and describeTransactions show an open transaction', async () => {
  const producer = kafka.producer({ transactionalId: 'tx-d' });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic: 'tx-out', partition: 1, value: 'open' });
  const admin = kafka.admin();
  const listed = await admin.listTransactions();
  assert.ok(listed.some((x) => x.transactionalId === 'tx-d' && x.state === 'Ongoing'), JSON.stringify(listed));
  const [d, missing] = await admin.describeTransactions(['tx-d', 'tx-nobody']);
  assert.equal(d!.error, undefined);
  assert.equal(d!.state, 'Ongoing');
  assert.deepEqual(d!.topicPartitions, [{ topic: 'tx-out', partition: 1 }]);
  assert.equal(missing!.error?.name, 'TRANSACTIONAL_ID_NOT_FOUND');
  const [producers] = await admin.describeProducers([{ topic: 'tx-out', partition: 1 }]);
  assert.ok(producers!.activeProducers.some((p) => p.producerId === d!.producerId && p.currentTransactionStartOffset >= 0));
  await producer.abortTransaction();
  await producer.close();
  await admin.close();
});

test('read_committed: the position passes the commit marker after the last record', async () => {
  const producer = kafka.producer({ transactionalId: 'tx-pos' });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.sendBatch([0, 1, 2].map((i) => ({ topic: 'tx-in', partition: 0, value: `p${i}` })));
  await producer.commitTransaction();
  await producer.close();
  const consumer = kafka.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign([{ topic: 'tx-in', partition: 0 }]);
  const seen: number[] = [];
  const deadline = Date.now() + 10_000;
  while (seen.length < 3 && Date.now() < deadline) seen.push(...(await consumer.poll(200)).map((r) => r.offset));
  assert.deepEqual(seen.slice(-3), [seen.at(-3)!, seen.at(-3)! + 1, seen.at(-3)! + 2]);
  // Three records at n..n+2, then the marker at n+3: Kafka's consumer stands at n+4.
  assert.equal(await consumer.position({ topic: 'tx-in', partition: 0 }), seen.at(-1)! + 2);
  await consumer.close();
});
