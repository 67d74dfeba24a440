/** The consumer against an in-process broker: seeks, long polls, pause/resume, old protocol versions, restarts. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumerRecord, Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';

let fx: BrokerFixture;
let kafka: Kafka;
const base = 1_700_000_000_000;

before(async () => {
  fx = await startFixture();
  kafka = fx.kafka();
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'c-seek', numPartitions: 2 }]);
  await admin.close();
  const producer = kafka.producer();
  await producer.sendBatch(
    Array.from({ length: 40 }, (_, i) => ({ topic: 'c-seek', partition: i % 2, key: `k${i}`, value: `v${i}`, timestamp: base + i * 1000 })),
  );
  await producer.close();
});
after(async () => {
  await fx.close();
});

async function take(consumer: ReturnType<Kafka['consumer']>, n: number): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  for (let i = 0; i < 50 && out.length < n; i++) out.push(...(await consumer.poll(500)));
  return out;
}

test('seek to an offset, to earliest, to latest, and to a timestamp', async () => {
  const consumer = kafka.consumer({ fetchMaxWaitMs: 50 });
  const p0 = { topic: 'c-seek', partition: 0 };
  consumer.assign([p0]);
  consumer.seek(p0, 15);
  assert.deepEqual(
    (await take(consumer, 5)).map((r) => r.offset),
    [15, 16, 17, 18, 19],
  );
  assert.equal(await consumer.position(p0), 20);
  consumer.seek(p0, 'earliest');
  assert.equal((await take(consumer, 1))[0]!.value!.toString(), 'v0');
  consumer.seek(p0, { timestamp: base + 10_500 });
  // Partition 0 holds even i at base + i s: the first at or after 10.5 s is i=12, offset 6.
  const [r] = await take(consumer, 1);
  assert.deepEqual([r!.offset, r!.key!.toString(), r!.timestamp, r!.timestampType], [6, 'k12', base + 12_000, 'CreateTime']);
  consumer.seek(p0, 'latest');
  assert.equal(await consumer.position(p0), 20);
  assert.deepEqual(await consumer.poll(100), []);
  await consumer.close();
});

test('auto.offset.reset earliest/latest/none', async () => {
  const p1 = { topic: 'c-seek', partition: 1 };
  const early = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  early.assign([p1]);
  assert.equal((await take(early, 1))[0]!.offset, 0);
  await early.close();
  const late = kafka.consumer({ autoOffsetReset: 'latest' });
  late.assign([p1]);
  assert.equal(await late.position(p1), 20);
  await late.close();
  const none = kafka.consumer({ autoOffsetReset: 'none' });
  none.assign([p1]);
  await assert.rejects(none.poll(100), { name: 'OFFSET_OUT_OF_RANGE' });
  await none.close();
});

test('a position past the end with auto.offset.reset=earliest starts over', async () => {
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  const p1 = { topic: 'c-seek', partition: 1 };
  consumer.assign([p1]);
  consumer.seek(p1, 1000);
  assert.equal((await take(consumer, 1))[0]!.offset, 0);
  await consumer.close();
});

test('the async iterator yields records as they are produced (long poll), and ends on close', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'c-live', numPartitions: 1 }]);
  await admin.close();
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 200 });
  consumer.assign([{ topic: 'c-live', partition: 0 }]);
  const producer = kafka.producer({ lingerMs: 1 });
  const seen: string[] = [];
  const reading = (async () => {
    for await (const r of consumer) {
      seen.push(r.value!.toString());
      if (seen.length === 20) await consumer.close();
    }
  })();
  for (let i = 0; i < 20; i++) await producer.send({ topic: 'c-live', value: `live-${i}` });
  await reading;
  await producer.close();
  assert.deepEqual(
    seen,
    Array.from({ length: 20 }, (_, i) => `live-${i}`),
  );
});

test('max.poll.records, pause and resume', async () => {
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 3, fetchMaxWaitMs: 50 });
  const p0 = { topic: 'c-seek', partition: 0 };
  const p1 = { topic: 'c-seek', partition: 1 };
  consumer.assign([p0, p1]);
  consumer.pause([p1]);
  const batch = await consumer.poll(1000);
  assert.ok(batch.length > 0 && batch.length <= 3);
  assert.ok(batch.every((r) => r.partition === 0));
  assert.deepEqual(consumer.paused(), [p1]);
  consumer.pause([p0]);
  consumer.resume([p1]);
  const next = await take(consumer, 3);
  assert.ok(next.every((r) => r.partition === 1));
  assert.equal(consumer.highWatermark(p1), 20);
  await consumer.close();
  await assert.rejects(consumer.poll(1), { name: 'ClientClosedError' });
});

test('old protocol versions (kafkajs-era): Produce v3, Fetch v4, Metadata v1, ListOffsets v1', async () => {
  const old = fx.kafka({ maxVersions: { 0: 3, 1: 4, 2: 1, 3: 1, 18: 2 } });
  const admin = old.admin();
  await admin.createTopics([{ name: 'c-old', numPartitions: 1 }]);
  const producer = old.producer({ compression: 'gzip' });
  await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: 'c-old', key: `k${i}`, value: `old-${i}`, headers: { h: 'x' } })));
  await producer.close();
  const [latest] = await admin.listOffsets([{ topic: 'c-old', partition: 0, spec: 'latest' }]);
  assert.equal(latest!.offset, 5);
  await admin.close();
  const consumer = old.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign([{ topic: 'c-old', partition: 0 }]);
  const records = await take(consumer, 5);
  assert.deepEqual(
    records.map((r) => r.value!.toString()),
    ['old-0', 'old-1', 'old-2', 'old-3', 'old-4'],
  );
  await consumer.close();
});

test('newest versions: Fetch by topic id (v13+) reads the same records', async () => {
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign([{ topic: 'c-seek', partition: 1 }]);
  const records = await take(consumer, 20);
  assert.deepEqual(
    records.map((r) => r.key!.toString()),
    Array.from({ length: 20 }, (_, i) => `k${i * 2 + 1}`),
  );
  await consumer.close();
});
