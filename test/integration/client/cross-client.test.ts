/**
 * Our client and real ones on one broker: kafkajs and kcat (librdkafka) read what our producer
 * wrote, our consumer reads what they wrote, and keys land on the partitions the Java-compatible
 * partitioners (kafkajs' default, librdkafka's murmur2_random) choose.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Kafka as KafkaJS, logLevel } from 'kafkajs';
import type { ConsumerRecord, Kafka } from '../../../src/index.js';
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

function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-b', fx.bootstrap, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      err === null ? resolve(stdout) : reject(new Error(`${err.message}: ${stderr}`)),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function readAll(topic: string, partitions: number, count: number): Promise<ConsumerRecord[]> {
  const consumer = kafka.consumer({ fetchMaxWaitMs: 100, autoOffsetReset: 'earliest' });
  try {
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
    const out: ConsumerRecord[] = [];
    for (let i = 0; i < 100 && out.length < count; i++) out.push(...(await consumer.poll(1000)));
    return out;
  } finally {
    await consumer.close();
  }
}

const keys = Array.from({ length: 40 }, (_, i) => `key-${i * 7919}`);

test('kcat reads what our producer wrote, with every codec, and agrees on key placement', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'x-ours', numPartitions: 6 }, { name: 'x-kcat', numPartitions: 6 }]);
  await admin.close();
  const producer = kafka.producer({ compression: 'lz4', lingerMs: 2 });
  const ours = await producer.sendBatch(keys.map((key, i) => ({ topic: 'x-ours', key, value: `v${i}`, headers: { i: String(i) } })));
  await producer.close();

  // librdkafka's Java-compatible partitioner; kcat -K splits key and value.
  await kcat(['-P', '-t', 'x-kcat', '-K', '|', '-X', 'partitioner=murmur2_random'], keys.map((k, i) => `${k}|v${i}`).join('\n') + '\n');
  const lines = (await kcat(['-C', '-t', 'x-kcat', '-o', 'beginning', '-e', '-q', '-f', '%p %k\\n'])).split('\n').filter((l) => l !== '');
  const kcatPartition = new Map(lines.map((l) => [l.split(' ')[1]!, Number(l.split(' ')[0])]));
  assert.equal(kcatPartition.size, keys.length);
  keys.forEach((k, i) => assert.equal(ours[i]!.partition, kcatPartition.get(k), k));

  const read = (await kcat(['-C', '-t', 'x-ours', '-o', 'beginning', '-e', '-q', '-f', '%p|%o|%k|%s|%h\\n'])).split('\n').filter((l) => l !== '');
  const got = new Set(read);
  keys.forEach((k, i) => assert.ok(got.has(`${ours[i]!.partition}|${ours[i]!.offset}|${k}|v${i}|i=${i}`), `${k} missing from ${read.slice(0, 3).join(',')}`));
});

test('kafkajs counts what our producer wrote (gzip, snappy, none); its partitioner and ours place keys alike', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'x-js', numPartitions: 5 }]);
  await admin.close();
  const sent = [];
  for (const compression of ['gzip', 'snappy', 'none'] as const) {
    const producer = kafka.producer({ compression });
    sent.push(...(await producer.sendBatch(keys.map((key) => ({ topic: 'x-js', key, value: `${compression}:${key}` })))));
    await producer.close();
  }
  const js = new KafkaJS({ clientId: 'x', brokers: [fx.bootstrap], logLevel: logLevel.NOTHING });
  const admin2 = js.admin();
  await admin2.connect();
  const offsets = await admin2.fetchTopicOffsets('x-js');
  await admin2.disconnect();
  const total = offsets.reduce((n, o) => n + Number(o.high), 0);
  assert.equal(total, keys.length * 3);

  // kafkajs' DefaultPartitioner is the Java one: same keys, same partitions.
  const jsProducer = js.producer();
  await jsProducer.connect();
  const jsSent = await jsProducer.send({ topic: 'x-js', messages: keys.map((key) => ({ key, value: 'kafkajs' })) });
  await jsProducer.disconnect();
  assert.ok(jsSent.length > 0);
  const mine = await readAll('x-js', 5, keys.length * 4);
  assert.equal(mine.length, keys.length * 4);
  const partitionOf = new Map<string, Set<number>>();
  for (const r of mine) {
    const k = r.key!.toString();
    if (!partitionOf.has(k)) partitionOf.set(k, new Set());
    partitionOf.get(k)!.add(r.partition);
  }
  for (const k of keys) assert.equal(partitionOf.get(k)!.size, 1, `${k} went to several partitions`);
  for (const [i, m] of sent.entries()) assert.ok(partitionOf.get(keys[i % keys.length]!)!.has(m.partition));
});

test('our consumer reads what kcat wrote compressed with each codec', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'x-codecs', numPartitions: 1 }]);
  await admin.close();
  const codecs = ['gzip', 'snappy', 'lz4', 'zstd'];
  for (const codec of codecs) {
    const lines = Array.from({ length: 20 }, (_, i) => `${codec}|${codec}-value-${i}`).join('\n') + '\n';
    await kcat(['-P', '-t', 'x-codecs', '-p', '0', '-K', '|', '-z', codec], lines);
  }
  const records = await readAll('x-codecs', 1, 80);
  assert.equal(records.length, 80);
  records.forEach((r, i) => {
    const codec = codecs[Math.floor(i / 20)]!;
    assert.equal(r.offset, i);
    assert.equal(r.key!.toString(), codec);
    assert.equal(r.value!.toString(), `${codec}-value-${i % 20}`);
  });
});
