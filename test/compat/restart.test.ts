/**
 * Durability as users see it: a broker process takes acks=all produce traffic from kafkajs, is
 * SIGKILLed in the middle of it, and restarted on the same dirs and ports. Every acknowledged
 * record must be there at its acknowledged offset with the same bytes, offsets must be dense, the
 * topic's partitions and configs must survive, and producing must continue at the log end. Then a
 * SIGTERM restart: exit 0 within 5 s, and again nothing acknowledged is missing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../support/broker-process.js';
import { waitFor } from '../support/wait.js';
import { COMPAT_BROKER_PROPERTIES, type ReadRec, type Rec } from './helpers.js';
import { brokerMissing } from './skip.js';
import { CODEC_TYPE, fetchRecords, kafkajs, newKafka, toKafkajs } from './kafkajs-client.js';

const skip = await brokerMissing();
const TOPIC = 'durable';
const PARTITIONS = 3;
let broker: BrokerProcess;

interface Acked {
  readonly partition: number;
  readonly offset: number;
  readonly rec: Rec;
}
const acked: Acked[] = [];

before(async () => {
  if (skip === false) broker = await BrokerProcess.start({ properties: COMPAT_BROKER_PROPERTIES });
});
after(async () => broker?.close());

function batch(loop: number, n: number, size: number): Rec[] {
  return Array.from({ length: size }, (_, i) => ({
    key: Buffer.from(`L${loop}-B${n}-R${i}`),
    value: i % 7 === 3 ? null : Buffer.from(`loop ${loop} batch ${n} record ${i} `.repeat(1 + ((n + i) % 5))),
    headers: [['loop', Buffer.from(String(loop))], ['n', Buffer.from(String(n))]],
  }));
}

/** Produces with acks=all from `loops` sequential senders (each its own partition and codec) until `stop()`; records what was acked. */
function produceUntilStopped(kafka: any, loops: number): { stop: () => void; done: Promise<string[]> } { // eslint-disable-line @typescript-eslint/no-explicit-any
  let stopped = false;
  const codecs = [undefined, CODEC_TYPE.gzip, CODEC_TYPE.lz4];
  const run = async (loop: number): Promise<string> => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    try {
      for (let n = 0; !stopped; n++) {
        const recs = batch(loop, n, 1 + (n % 4));
        const partition = loop % PARTITIONS;
        let res;
        try {
          res = await producer.send({ topic: TOPIC, acks: -1, ...(codecs[loop % 3] === undefined ? {} : { compression: codecs[loop % 3] }), messages: recs.map((r) => ({ ...toKafkajs(r), partition })) });
        } catch (e) {
          return `loop ${loop} stopped at batch ${n}: ${(e as Error).message}`;
        }
        const base = Number(res[0].baseOffset);
        recs.forEach((rec, i) => acked.push({ partition, offset: base + i, rec }));
      }
      return `loop ${loop} stopped by the test`;
    } finally {
      await producer.disconnect().catch(() => {});
    }
  };
  return { stop: () => (stopped = true), done: Promise.all(Array.from({ length: loops }, (_, i) => run(i))) };
}

async function readAll(kafka: any): Promise<Map<number, ReadRec[]>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = (await admin.fetchTopicOffsets(TOPIC)) as { partition: number; low: string; high: string }[];
    assert.equal(offsets.length, PARTITIONS, 'partition count survives');
    const out = new Map<number, ReadRec[]>();
    for (const o of offsets) {
      assert.equal(o.low, '0', `log start of partition ${o.partition}`);
      const recs = await fetchRecords(kafka, TOPIC, 0, Number(o.high), o.partition);
      assert.equal(recs.length, Number(o.high), `partition ${o.partition}: records up to the high watermark`);
      recs.forEach((r, i) => assert.equal(r.offset, i, `partition ${o.partition}: dense offsets`));
      out.set(o.partition, recs);
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

function assertAckedPresent(all: Map<number, ReadRec[]>): void {
  assert.ok(acked.length > 0);
  for (const a of acked) {
    const r = all.get(a.partition)?.[a.offset];
    const where = `partition ${a.partition} offset ${a.offset}`;
    assert.ok(r !== undefined, `acknowledged record missing at ${where}`);
    assert.ok(r.key !== null && a.rec.key !== null && r.key.equals(a.rec.key), `key at ${where}`);
    assert.ok(r.value === null ? a.rec.value === null : a.rec.value !== null && r.value.equals(a.rec.value), `value at ${where}`);
    assert.deepEqual(r.headers.map(([k, v]) => [k, v.toString()]), a.rec.headers.map(([k, v]) => [k, v.toString()]), `headers at ${where}`);
  }
}

test('SIGKILL during acks=all produce: after restart every acknowledged record is there, same offsets and bytes', { skip }, (t) =>
  broker.check(async () => {
    const kafka = newKafka(broker.bootstrap, 0);
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, configEntries: [{ name: 'retention.ms', value: '86400000' }] }], waitForLeaders: true }), true);
    await admin.disconnect();

    const traffic = produceUntilStopped(kafka, 3);
    await waitFor('1500 records acknowledged', () => acked.length >= 1500, 60_000, () => `${acked.length} so far`);
    const pid = broker.pid;
    await broker.kill();
    traffic.stop();
    const why = await traffic.done;
    const ackedAtKill = acked.length;

    await broker.startAgain();
    assert.notEqual(broker.pid, pid);
    const kafka2 = newKafka(broker.bootstrap);
    const all = await readAll(kafka2);
    assertAckedPresent(all);
    const total = [...all.values()].reduce((n, r) => n + r.length, 0);
    assert.ok(total >= ackedAtKill, `${total} records stored, ${ackedAtKill} acknowledged (${why.join('; ')})`);
    t.diagnostic(`${ackedAtKill} records acknowledged before SIGKILL, ${total} stored after restart; ${why.join('; ')}`);

    // The topic config survived too.
    const admin2 = kafka2.admin();
    await admin2.connect();
    try {
      const d = await admin2.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: TOPIC }], includeSynonyms: false });
      const retention = d.resources[0].configEntries.find((e: { configName: string }) => e.configName === 'retention.ms');
      assert.equal(retention?.configValue, '86400000');
    } finally {
      await admin2.disconnect();
    }

    // Producing continues at the log end of each partition.
    const producer = kafka2.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let p = 0; p < PARTITIONS; p++) {
        const recs = batch(9, p, 2);
        const res = await producer.send({ topic: TOPIC, acks: -1, messages: recs.map((r) => ({ ...toKafkajs(r), partition: p })) });
        assert.equal(Number(res[0].baseOffset), all.get(p)!.length, `partition ${p} continues at its log end`);
        recs.forEach((rec, i) => acked.push({ partition: p, offset: all.get(p)!.length + i, rec }));
      }
    } finally {
      await producer.disconnect();
    }
  }));

test('SIGTERM: clean exit within 5 s, restart on the same dirs, everything acknowledged is there', { skip }, () =>
  broker.check(async () => {
    assert.ok(acked.length > 0, 'runs after the SIGKILL test');
    const t0 = Date.now();
    assert.equal(await broker.stop(10_000), 0, 'exit code after SIGTERM');
    assert.ok(Date.now() - t0 < 5_000, `shutdown took ${Date.now() - t0} ms`);
    await broker.startAgain();
    assertAckedPresent(await readAll(newKafka(broker.bootstrap)));
  }));
