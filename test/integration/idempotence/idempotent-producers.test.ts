/**
 * Idempotent producers of real clients against the real broker (startBroker): kafkajs
 * (`idempotent: true`) and librdkafka through confluent-kafka (`enable.idempotence=True`) produce
 * through a proxy that sends every produce request twice and replays an older one late. Read back
 * with kcat, every record is there exactly once, in order; the broker answered each extra copy
 * with NONE and the original's base offset. Then a restart (producer-state snapshot) and a second
 * kafkajs producer session on the same partitions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { PYTHON, kcatValues, run } from '../../support/run.js';
import { DuplicatingProxy } from './duplicating-proxy.js';

const HOST = '127.0.0.1';

let dir: string;
let proxy: DuplicatingProxy;
let proxyPort: number;
let broker: BrokerHandle;

function props(): Map<string, string> {
  // Clients learn the proxy's address from Metadata, so every connection goes through it.
  return singleNodeProperties(dir, { 'advertised.listeners': `PLAINTEXT://${HOST}:${proxyPort}`, 'num.partitions': '2' });
}

async function startBehindProxy(): Promise<void> {
  broker = await startBroker({ properties: props() });
  const plain = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!;
  proxy.target = { host: HOST, port: plain.port };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-idem-'));
  proxy = new DuplicatingProxy();
  proxyPort = await proxy.listen(HOST);
  await startBehindProxy();
});

after(async () => {
  await broker?.close();
  await proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

function kafka(): Kafka {
  return new Kafka({ clientId: 'idem-test', brokers: [`${HOST}:${proxyPort}`], logLevel: logLevel.NOTHING });
}

function kcatRead(topic: string, partition: number): Promise<string[]> {
  return kcatValues(`${HOST}:${proxyPort}`, topic, partition);
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }), true);
  } finally {
    await admin.disconnect();
  }
}

/** Every extra copy the proxy sent was answered NONE with the original's offsets, partition by partition. */
function assertDuplicatesAnsweredWithOriginalOffsets(fromIndex: number): void {
  const dups = proxy.duplicates.slice(fromIndex);
  assert.ok(dups.some((d) => d.kind === 'immediate'), 'immediate copies were sent');
  assert.ok(dups.some((d) => d.kind === 'late'), 'late copies were sent');
  for (const d of dups) {
    assert.ok(d.original !== undefined);
    assert.deepEqual(d.duplicate, d.original, `${d.kind} copy answered like the original`);
    for (const p of d.duplicate) assert.equal(p.errorCode, 0);
  }
}

test('kafkajs idempotent producer: duplicated produce requests write each record exactly once, in order', async () => {
  const topic = 'kjs-idem';
  await createTopic(topic, 2);
  const seen = proxy.duplicates.length;
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let round = 0; round < 12; round++) {
      const res = await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 5 }, (_, i) => ({ value: `j${round * 5 + i}`, partition: (round * 5 + i) % 2 })),
      });
      for (const r of res) assert.equal(r.errorCode, 0);
    }
  } finally {
    await producer.disconnect();
  }
  assert.ok(proxy.producesSeen >= 12);
  assertDuplicatesAnsweredWithOriginalOffsets(seen);
  for (const p of [0, 1]) {
    const expected = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 2 === p).map((i) => `j${i}`);
    assert.deepEqual(await kcatRead(topic, p), expected);
  }
});

test('confluent-kafka (librdkafka) enable.idempotence: duplicated, pipelined produce requests write each record exactly once, in order', async () => {
  const topic = 'rdk-idem';
  await createTopic(topic, 2);
  const seen = proxy.duplicates.length;
  const script = `
import json, sys
from confluent_kafka import Producer
errors = []
def done(err, msg):
    if err is not None:
        errors.append(str(err))
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'linger.ms': 2,
              'batch.num.messages': 6, 'message.send.max.retries': 5})
for i in range(150):
    p.produce(sys.argv[2], value=('c%d' % i).encode(), partition=i % 2, on_delivery=done)
    if i % 10 == 9:
        p.poll(0.01)
left = p.flush(30)
print(json.dumps({'errors': errors, 'left': left}))
`;
  const r = await run(PYTHON, ['-c', script, `${HOST}:${proxyPort}`, topic]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.toString().trim().split('\n').at(-1)!), { errors: [], left: 0 });
  assertDuplicatesAnsweredWithOriginalOffsets(seen);
  for (const p of [0, 1]) {
    const expected = Array.from({ length: 150 }, (_, i) => i).filter((i) => i % 2 === p).map((i) => `c${i}`);
    assert.deepEqual(await kcatRead(topic, p), expected);
  }
});

test('after a restart (producer-state snapshots), a new idempotent session appends after the old records', async () => {
  await broker.close();
  await startBehindProxy();
  const topic = 'kjs-idem';
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let round = 0; round < 3; round++) {
      await producer.send({ topic, acks: -1, messages: [{ value: `after${round}`, partition: 0 }] });
    }
  } finally {
    await producer.disconnect();
  }
  const values = await kcatRead(topic, 0);
  assert.equal(values.length, 33);
  assert.deepEqual(values.slice(30), ['after0', 'after1', 'after2']);
  assert.ok(broker.context.replicaManager.getPartition(topic, 0)!.producerState!.producerIdCount >= 2, 'both producer ids are known');
});

/** Runs `fn` with the proxy losing every n-th produce answer (closing the connection) instead of duplicating. */
async function losingAnswers(every: number, fn: () => Promise<void>): Promise<void> {
  proxy.duplicate = false;
  proxy.loseEvery = every;
  try {
    await fn();
  } finally {
    proxy.duplicate = true;
    proxy.loseEvery = 0;
  }
}

test('kafkajs: answers lost with the connection are retried, and the retries are not written again', async () => {
  const topic = 'kjs-lost';
  await createTopic(topic, 1);
  const lostBefore = proxy.lost.length;
  await losingAnswers(4, async () => {
    const producer = new Kafka({
      clientId: 'idem-lost',
      brokers: [`${HOST}:${proxyPort}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 50, maxRetryTime: 500 },
    }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let round = 0; round < 20; round++) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 3 }, (_, i) => ({ value: `l${round * 3 + i}` })) });
      }
    } finally {
      await producer.disconnect();
    }
  });
  const lost = proxy.lost.slice(lostBefore);
  assert.ok(lost.length >= 4, `answers lost: ${lost.length}`);
  for (const l of lost) for (const p of l) assert.equal(p.errorCode, 0);
  assert.deepEqual(await kcatRead(topic, 0), Array.from({ length: 60 }, (_, i) => `l${i}`));
});

test('confluent-kafka: answers lost with the connection are retried, and the retries are not written again', async () => {
  const topic = 'rdk-lost';
  await createTopic(topic, 1);
  const lostBefore = proxy.lost.length;
  const script = `
import json, sys
from confluent_kafka import Producer
errors = []
def done(err, msg):
    if err is not None:
        errors.append(str(err))
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'linger.ms': 2,
              'batch.num.messages': 5, 'retry.backoff.ms': 50, 'reconnect.backoff.ms': 20,
              'reconnect.backoff.max.ms': 100})
for i in range(100):
    p.produce(sys.argv[2], value=('r%d' % i).encode(), on_delivery=done)
    if i % 5 == 4:
        p.poll(0.01)
left = p.flush(30)
print(json.dumps({'errors': errors, 'left': left}))
`;
  await losingAnswers(3, async () => {
    const r = await run(PYTHON, ['-c', script, `${HOST}:${proxyPort}`, topic]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.toString().trim().split('\n').at(-1)!), { errors: [], left: 0 });
  });
  assert.ok(proxy.lost.length - lostBefore >= 2, `answers lost: ${proxy.lost.length - lostBefore}`);
  assert.deepEqual(await kcatRead(topic, 0), Array.from({ length: 100 }, (_, i) => `r${i}`));
});
