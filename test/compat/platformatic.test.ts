/**
 * @platformatic/kafka 1.35.0 against a broker process started by the bin. It speaks only new
 * flexible versions (Metadata 12, Produce 11+, Fetch 17 by topic id, ListOffsets 9, CreateTopics 7,
 * DescribeConfigs 4). Its Consumer.fetch() needs no group, so reads go through it; the group
 * consumer runs once the broker advertises JoinGroup. zstd needs zlib's zstd, absent from Node 20.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { Admin, ConfigResourceTypes, Consumer, ProduceAcks, Producer } from '@platformatic/kafka';
import { BrokerProcess } from '../support/broker-process.js';
import {
  CODECS, CODEC_ID, COMPAT_BROKER_PROPERTIES, EXPECTED_TOPIC_CONFIGS, STANDARD_RECORDS, TIMED_RECORDS, TIMESTAMP_QUERIES,
  assertRecords, bigValue, compressibleRecords, storedCodecs, type Codec, type ReadRec, type Rec,
} from './helpers.js';
import { brokerMissing } from './skip.js';

const skip = await brokerMissing();
let broker: BrokerProcess;
let admin: Admin;
let producer: Producer;
let consumer: Consumer;

before(async () => {
  if (skip !== false) return;
  broker = await BrokerProcess.start({ properties: COMPAT_BROKER_PROPERTIES });
  const base = { clientId: 'compat-platformatic', bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 20_000 };
  admin = new Admin(base);
  producer = new Producer({ ...base, autocreateTopics: false });
  consumer = new Consumer({ ...base, groupId: 'compat-platformatic-unused' });
});
after(async () => {
  await consumer?.close(true);
  await producer?.close();
  await admin?.close();
  await broker?.close();
});

async function createTopic(topic: string, configs: { name: string; value: string }[] = []): Promise<void> {
  const created = await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1, configs });
  assert.equal(created.length, 1);
  assert.equal(created[0]!.name, topic);
  assert.equal(created[0]!.partitions, 1);
  assert.match(created[0]!.id, /^[0-9a-f-]{36}$|^[A-Za-z0-9_-]{22}$/, 'a topic id');
  for (const { name, value } of configs) assert.equal(created[0]!.configuration[name], value, `created config ${name}`);
}

async function send(topic: string, recs: readonly Rec[], compression?: Codec): Promise<number[]> {
  const res = await producer.send({
    acks: ProduceAcks.ALL,
    ...(compression === undefined ? {} : { compression }),
    messages: recs.map((r) => ({
      topic,
      partition: 0,
      ...(r.key === null ? {} : { key: r.key }),
      ...(r.value === null ? {} : { value: r.value }),
      headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v] as [Buffer, Buffer])),
      ...(r.timestamp === undefined ? {} : { timestamp: BigInt(r.timestamp) }),
    })),
  });
  return (res.offsets ?? []).map((o) => Number(o.offset));
}

/** Reads `count` records of partition 0 from `offset` with Consumer.fetch (Fetch v17, by topic id). */
async function fetchRecords(topic: string, offset: number, count: number): Promise<ReadRec[]> {
  const md = await admin.metadata({ topics: [topic], forceUpdate: true });
  const topicId = md.topics.get(topic)!.id;
  const leader = md.topics.get(topic)!.partitions[0]!.leader;
  const out: ReadRec[] = [];
  let next = offset;
  for (let round = 0; out.length < count && round < 20; round++) {
    const res = await consumer.fetch({
      node: leader, maxWaitTime: 200, minBytes: 1, maxBytes: 10 * 1024 * 1024,
      topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(next), lastFetchedEpoch: -1, partitionMaxBytes: 1024 * 1024 }] }],
    });
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0, `fetch error ${p.errorCode}`);
    for (const batch of p.records ?? []) {
      for (const r of batch.records) {
        const o = Number(batch.firstOffset) + r.offsetDelta;
        if (o < next || out.length >= count) continue;
        out.push({
          offset: o,
          key: r.key,
          value: r.value,
          headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v ?? Buffer.alloc(0)] as const),
          timestamp: Number(batch.firstTimestamp + r.timestampDelta),
        });
      }
    }
    if (out.length > 0) next = out[out.length - 1]!.offset + 1;
  }
  return out;
}

test('@platformatic/kafka admin: create with configs, existing topic, describe configs, delete', { skip }, () =>
  broker.check(async () => {
    const topic = 'pk-admin';
    await createTopic(topic, Object.entries(EXPECTED_TOPIC_CONFIGS.set).map(([name, value]) => ({ name, value })));
    await assert.rejects(admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }), (e: Error & { errors?: unknown[] }) => {
      assert.match(JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.errors?.map(String)), /TOPIC_ALREADY_EXISTS|already exists/i);
      return true;
    });
    assert.ok((await admin.listTopics()).includes(topic));
    const [d] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }], includeSynonyms: true, includeDocumentation: true });
    assert.equal(d!.resourceName, topic);
    const configs = new Map(d!.configs.map((c) => [c.name, c]));
    for (const [k, v] of Object.entries(EXPECTED_TOPIC_CONFIGS.set)) {
      assert.equal(configs.get(k)?.value, v, k);
      assert.equal(configs.get(k)?.configSource, 1, `${k} source DYNAMIC_TOPIC_CONFIG`);
    }
    for (const [k, v] of Object.entries(EXPECTED_TOPIC_CONFIGS.defaults)) {
      assert.equal(configs.get(k)?.value, v, k);
      assert.ok((configs.get(k)?.documentation ?? '').length > 0, `${k} has documentation`);
    }
    const mmb = configs.get('max.message.bytes');
    assert.equal(mmb?.value, COMPAT_BROKER_PROPERTIES['message.max.bytes']);
    assert.equal(mmb?.configSource, 4, 'max.message.bytes source STATIC_BROKER_CONFIG');
    assert.ok(mmb?.synonyms.some((s) => s.name === 'message.max.bytes' && s.value === COMPAT_BROKER_PROPERTIES['message.max.bytes']), 'synonym message.max.bytes');

    await admin.deleteTopics({ topics: [topic] });
    assert.ok(!(await admin.listTopics()).includes(topic));
  }));

test('@platformatic/kafka: keyed records with headers and null values, read from the beginning and from an offset', { skip }, () =>
  broker.check(async () => {
    await createTopic('pk-records');
    assert.deepEqual(await send('pk-records', STANDARD_RECORDS), [0]);
    assertRecords(await fetchRecords('pk-records', 0, STANDARD_RECORDS.length), STANDARD_RECORDS, 0);
    assertRecords(await fetchRecords('pk-records', 2, 3), STANDARD_RECORDS.slice(2), 2);
  }));

test('@platformatic/kafka: a 1 MiB record', { skip }, () =>
  broker.check(async () => {
    await createTopic('pk-big');
    const big: Rec = { key: Buffer.from('big'), value: bigValue(), headers: [['size', Buffer.from('1MiB')]] };
    const small: Rec = { key: Buffer.from('after'), value: Buffer.from('small'), headers: [] };
    assert.deepEqual(await send('pk-big', [big]), [0]);
    assert.deepEqual(await send('pk-big', [small]), [1]);
    assertRecords(await fetchRecords('pk-big', 0, 2), [big, small], 0);
  }));

for (const codec of CODECS) {
  const noZstd = codec === 'zstd' && typeof (zlib as Record<string, unknown>)['zstdCompressSync'] !== 'function';
  test(`@platformatic/kafka: ${codec} compression`, { skip: skip || (noZstd ? `@platformatic/kafka takes zstd from node:zlib, which Node ${process.version} lacks` : false) }, () =>
    broker.check(async () => {
      const topic = `pk-${codec}`;
      await createTopic(topic);
      const recs = compressibleRecords(codec);
      assert.deepEqual(await send(topic, recs, codec), [0]);
      assert.deepEqual(storedCodecs(broker, topic), [CODEC_ID[codec]]);
      assertRecords(await fetchRecords(topic, 0, recs.length), recs, 0);
      assertRecords(await fetchRecords(topic, 15, 5), recs.slice(15), 15);
    }));
}

test('@platformatic/kafka: ListOffsets by timestamp, earliest and latest', { skip }, () =>
  broker.check(async () => {
    await createTopic('pk-times');
    assert.deepEqual(await send('pk-times', TIMED_RECORDS), [0]);
    assertRecords(await fetchRecords('pk-times', 0, 3), TIMED_RECORDS, 0, { timestamps: true });
    for (const [ts, want] of TIMESTAMP_QUERIES) {
      const r = await consumer.listOffsetsWithTimestamps({ topics: ['pk-times'], timestamp: BigInt(ts) });
      const got = r.get('pk-times')?.get(0);
      assert.equal(got?.offset, BigInt(want ?? -1), `offset for timestamp ${ts}`);
      if (want !== null) assert.equal(got?.timestamp, BigInt(TIMED_RECORDS[want]!.timestamp!), `timestamp found for ${ts}`);
    }
    assert.deepEqual((await consumer.listOffsets({ topics: ['pk-times'], timestamp: -2n })).get('pk-times'), [0n], 'earliest');
    assert.deepEqual((await consumer.listOffsets({ topics: ['pk-times'], timestamp: -1n })).get('pk-times'), [3n], 'latest');
  }));
