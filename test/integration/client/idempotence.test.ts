/**
 * Our idempotent producer through a proxy that duplicates produce requests or loses their answers
 * (closing the connection): every record is written exactly once, in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, startBroker, type BrokerHandle } from '../../../src/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { DuplicatingProxy } from '../idempotence/duplicating-proxy.js';

const HOST = '127.0.0.1';
let dir: string;
let broker: BrokerHandle;
let proxy: DuplicatingProxy;
let kafka: Kafka;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-client-idem-'));
  proxy = new DuplicatingProxy();
  const proxyPort = await proxy.listen(HOST);
  broker = await startBroker({
    // Clients learn the proxy's address from Metadata, so every connection goes through it.
    properties: singleNodeProperties(dir, { 'advertised.listeners': `PLAINTEXT://${HOST}:${proxyPort}` }),
  });
  proxy.target = { host: HOST, port: broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port };
  kafka = new Kafka({ bootstrapServers: `${HOST}:${proxyPort}`, retryBackoffMs: 20, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 100 });
});

after(async () => {
  await broker?.close();
  await proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function values(topic: string, partitions: number, count: number): Promise<string[][]> {
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const out: string[][] = Array.from({ length: partitions }, () => []);
  let n = 0;
  for (let i = 0; i < 100 && n < count; i++) {
    for (const r of await consumer.poll(500)) {
      out[r.partition]!.push(r.value!.toString());
      n++;
    }
  }
  await consumer.close();
  return out;
}

test('duplicated produce requests are written once; the producer is idempotent against Gregor', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'idem-dup', numPartitions: 2 }]);
  await admin.close();
  const producer = kafka.producer({ lingerMs: 1 });
  for (let round = 0; round < 10; round++) {
    await producer.sendBatch(Array.from({ length: 6 }, (_, i) => ({ topic: 'idem-dup', partition: i % 2, value: `d${round * 6 + i}` })));
  }
  assert.equal(producer.idempotent, true);
  await producer.close();
  assert.ok(proxy.duplicates.length > 0);
  const got = await values('idem-dup', 2, 60);
  for (const p of [0, 1]) {
    assert.deepEqual(
      got[p],
      Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 2 === p).map((i) => `d${i}`),
    );
  }
});

test('answers lost with the connection: batches are retried on a new connection and not written twice', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'idem-lost', numPartitions: 1 }]);
  await admin.close();
  const lostBefore = proxy.lost.length;
  proxy.duplicate = false;
  proxy.loseEvery = 4;
  try {
    const producer = kafka.producer();
    for (let round = 0; round < 20; round++) {
      const sent = await producer.sendBatch(Array.from({ length: 3 }, (_, i) => ({ topic: 'idem-lost', value: `l${round * 3 + i}` })));
      assert.deepEqual(
        sent.map((m) => m.offset),
        [0, 1, 2].map((i) => round * 3 + i),
      );
    }
    await producer.close();
  } finally {
    proxy.duplicate = true;
    proxy.loseEvery = 0;
  }
  assert.ok(proxy.lost.length - lostBefore >= 4, `answers lost: ${proxy.lost.length - lostBefore}`);
  const [got] = await values('idem-lost', 1, 60);
  assert.deepEqual(
    got,
    Array.from({ length: 60 }, (_, i) => `l${i}`),
  );
});
