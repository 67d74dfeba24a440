/**
 * The client against an in-process broker: admin creates topics, the producer writes (every codec,
 * headers, null keys and values, a 1 MiB record, acks 0/1/all), the consumer reads it all back by
 * assignment and seek.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompressionName, ConsumerRecord, Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';

let fx: BrokerFixture;
let kafka: Kafka;

before(async () => {
  fx = await startFixture();
  kafka = fx.kafka();
});
after(async () => {
  await fx.close();
});

async function readAll(topic: string, partition: number, count: number, from: 'earliest' | number = 'earliest'): Promise<ConsumerRecord[]> {
  const consumer = kafka.consumer({ fetchMaxWaitMs: 100 });
  try {
    consumer.assign([{ topic, partition }]);
    consumer.seek({ topic, partition }, from);
    const out: ConsumerRecord[] = [];
    for (let i = 0; i < 100 && out.length < count; i++) out.push(...(await consumer.poll(1000)));
    return out;
  } finally {
    await consumer.close();
  }
}

test('create a topic, produce keyed records with headers, read them back', async () => {
  const admin = kafka.admin();
  const created = await admin.createTopics([{ name: 'rt-basic', numPartitions: 3 }]);
  assert.equal(created[0]!.numPartitions, 3);
  const producer = kafka.producer();
  const sent = await producer.sendBatch(
    Array.from({ length: 30 }, (_, i) => ({
      topic: 'rt-basic',
      key: `k${i}`,
      value: i % 10 === 9 ? null : `v${i}`,
      headers: { h: `x${i}`, n: null },
      partition: i % 3,
    })),
  );
  await producer.close();
  for (const [i, m] of sent.entries()) {
    assert.equal(m.partition, i % 3);
    assert.equal(m.offset, Math.floor(i / 3));
  }
  const records = await readAll('rt-basic', 1, 10);
  assert.deepEqual(
    records.map((r) => [r.offset, r.key?.toString(), r.value?.toString() ?? null, r.headers.map((h) => [h.key, h.value?.toString() ?? null])]),
    Array.from({ length: 10 }, (_, j) => {
      const i = j * 3 + 1;
      return [j, `k${i}`, i % 10 === 9 ? null : `v${i}`, [['h', `x${i}`], ['n', null]]];
    }),
  );
  await admin.close();
});

for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[]) {
  test(`round trip with ${compression} compression, null keys spread by the sticky partitioner`, async () => {
    const topic = `rt-${compression}`;
    const admin = kafka.admin();
    await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    await admin.close();
    const producer = kafka.producer({ compression, lingerMs: 5 });
    const values = Array.from({ length: 200 }, (_, i) => `value-${i}-${'x'.repeat(i % 50)}`);
    const sent = await producer.sendBatch(values.map((value) => ({ topic, value })));
    await producer.close();
    assert.deepEqual(
      sent.map((m) => m.offset),
      values.map((_, i) => i),
    );
    const records = await readAll(topic, 0, values.length);
    assert.deepEqual(
      records.map((r) => r.value?.toString()),
      values,
    );
    assert.ok(records.every((r) => r.key === null));
  });
}

test('a 1 MiB record goes through when max.request.size and max.message.bytes allow it', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'rt-big', numPartitions: 1, configs: { 'max.message.bytes': '2000000' } }]);
  await admin.close();
  const big = Buffer.alloc(1024 * 1024, 7);
  big.write('head');
  const producer = kafka.producer({ maxRequestSize: 2_000_000 });
  const m = await producer.send({ topic: 'rt-big', key: 'big', value: big });
  await producer.close();
  assert.equal(m.offset, 0);
  const [r] = await readAll('rt-big', 0, 1);
  assert.ok(r!.value!.equals(big));
});

test('a record over max.request.size is refused before sending, with MESSAGE_TOO_LARGE', async () => {
  const producer = kafka.producer();
  await assert.rejects(producer.send({ topic: 'rt-basic', value: Buffer.alloc(2 * 1024 * 1024) }), { name: 'MESSAGE_TOO_LARGE' });
  await producer.close();
});

test('acks 0, 1 and all', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'rt-acks', numPartitions: 1 }]);
  await admin.close();
  for (const acks of [1, 'all', 0] as const) {
    const producer = kafka.producer({ acks });
    const m = await producer.send({ topic: 'rt-acks', value: `acks=${acks}` });
    await producer.close();
    if (acks === 0) assert.equal(m.offset, -1);
  }
  const records = await readAll('rt-acks', 0, 3);
  assert.deepEqual(
    records.map((r) => r.value?.toString()),
    ['acks=1', 'acks=all', 'acks=0'],
  );
});
