/**
 * The cleaner on a compacted topic written by a transactional producer, end to end through our
 * client: after passes that drop aborted data, compact committed records and remove the markers of
 * emptied transactions (delete.retention.ms=0), a read_committed consumer sees the latest committed
 * value of every key, a read_uncommitted one no aborted value, and after a restart the producer's
 * transactional id still works.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from '../../../src/index.js';
import { RecordBatch } from '../../../src/protocol/index.js';
import { Log } from '../../../src/storage/index.js';
import { startFixture, type BrokerFixture } from '../client/broker-fixture.js';
import { GROUP_BROKER_PROPS } from '../client/group-support.js';

const TOPIC = 'compacted-tx';
let fx: BrokerFixture;
let kafka: Kafka;

before(async () => {
  fx = await startFixture({ ...GROUP_BROKER_PROPS, 'transaction.state.log.num.partitions': '1', 'transaction.state.log.replication.factor': '1', 'transaction.state.log.min.isr': '1' });
  kafka = fx.kafka();
  const admin = fx.kafka({ retries: 30 }).admin();
  const [probe] = await admin.describeTransactions(['probe']);
  assert.equal(probe!.error?.name, 'TRANSACTIONAL_ID_NOT_FOUND', 'the transaction coordinator is up');
  await admin.createTopics([
    {
      name: TOPIC,
      numPartitions: 1,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0' },
    },
  ]);
  await admin.close();
});
after(async () => {
  await fx.close();
});

let sentinel = 0;

/** Writes a fresh sentinel, then reads the partition from the start until it shows up. */
async function readAll(isolationLevel: 'read_committed' | 'read_uncommitted'): Promise<Array<{ key: string; value: string | null }>> {
  const end = `end-${sentinel++}`;
  const plain = kafka.producer();
  await plain.send({ topic: TOPIC, partition: 0, key: 'sentinel', value: end });
  await plain.close();
  const consumer = kafka.consumer({ isolationLevel, autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign([{ topic: TOPIC, partition: 0 }]);
  const out: Array<{ key: string; value: string | null }> = [];
  const deadline = Date.now() + 15_000;
  while (!out.some((r) => r.value === end)) {
    assert.ok(Date.now() < deadline, `sentinel ${end} not read`);
    for (const r of await consumer.poll(200)) out.push({ key: r.key!.toString(), value: r.value?.toString() ?? null });
  }
  await consumer.close();
  return out.filter((r) => r.key !== 'sentinel' && r.key !== 'filler');
}

function latest(records: Array<{ key: string; value: string | null }>): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const r of records) m.set(r.key, r.value);
  return m;
}

function controlBatches(log: Log): number {
  let n = 0;
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const info = log.read(offset, 1 << 20);
    if (info.slice === undefined) break;
    const buf = Log.readSliceSync(info.slice);
    let pos = 0;
    let next = offset;
    while (pos + 61 <= buf.length) {
      const b = new RecordBatch(buf.subarray(pos, pos + 12 + buf.readInt32BE(pos + 8)));
      if (b.isControl) n++;
      next = b.lastOffset + 1;
      pos += b.buf.length;
    }
    if (next <= offset) break;
    offset = next;
  }
  return n;
}

/** One more record (so the next pass has a dirty segment), a roll, and a cleaner run. */
async function cleanPass(): Promise<void> {
  const plain = kafka.producer();
  await plain.send({ topic: TOPIC, partition: 0, key: 'filler', value: `f${sentinel++}` });
  await plain.close();
  const log = fx.broker.context.logManager.getLog({ topic: TOPIC, partition: 0 })!;
  log.roll();
  assert.ok(fx.broker.context.logManager.runCleaner() > 0, 'the cleaner ran');
}

test('compaction of a transactional topic keeps what read_committed sees, drops aborted data and emptied markers', async () => {
  const producer = kafka.producer({ transactionalId: 'compacting' });
  await producer.initTransactions();
  const aborted = new Set<string>();
  for (let n = 0; n < 24; n++) {
    producer.beginTransaction();
    const records = [0, 1, 2].map((i) => ({ topic: TOPIC, partition: 0, key: `k${(n + i) % 5}`, value: `t${n}-${i}${'x'.repeat(40)}` }));
    await producer.sendBatch(records);
    if (n % 3 === 2) {
      await producer.abortTransaction();
      for (const r of records) aborted.add(r.value);
    } else await producer.commitTransaction();
  }
  const beforeCommitted = await readAll('read_committed');
  assert.ok(beforeCommitted.every((r) => !aborted.has(r.value!)));
  const expected = latest(beforeCommitted);

  const log = fx.broker.context.logManager.getLog({ topic: TOPIC, partition: 0 })!;
  const markersBefore = controlBatches(log);
  assert.equal(markersBefore, 24);
  await cleanPass(); // drops aborted data and overwritten records; markers of those transactions stay this pass
  await cleanPass(); // their transactions are now empty: delete horizon = now (delete.retention.ms=0)
  await cleanPass(); // past the horizon: gone
  const markersAfter = controlBatches(log);
  assert.ok(markersAfter < markersBefore / 2, `markers ${markersBefore} -> ${markersAfter}`);

  const committed = await readAll('read_committed');
  assert.deepEqual(latest(committed), expected);
  assert.ok(committed.length < beforeCommitted.length, 'overwritten committed records compacted away');
  const uncommitted = await readAll('read_uncommitted');
  assert.deepEqual(
    uncommitted.filter((r) => aborted.has(r.value!)),
    [],
    'no aborted value left to a read_uncommitted reader',
  );
  await producer.close();

  // After a restart: the same view, and the transactional id carries on.
  await fx.restart();
  kafka = fx.kafka();
  assert.deepEqual(latest(await readAll('read_committed')), expected);
  const again = kafka.producer({ transactionalId: 'compacting' });
  await again.initTransactions();
  again.beginTransaction();
  await again.send({ topic: TOPIC, partition: 0, key: 'k0', value: 'after-restart' });
  await again.commitTransaction();
  await again.close();
  assert.equal(latest(await readAll('read_committed')).get('k0'), 'after-restart');
});
