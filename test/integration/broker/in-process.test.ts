/**
 * The broker embedded as tests and embedders start it (startBroker, ephemeral ports), driven by
 * kafkajs end to end: create a topic, produce keyed records with headers, consume them from the
 * beginning, and find everything again after a clean restart on the same directories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../src/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import type { BrokerHandle } from '../../../src/index.js';


function client(b: BrokerHandle): Kafka {
  const plain = b.addresses.find((a) => a.listener === 'PLAINTEXT')!;
  return new Kafka({ clientId: 'in-process', brokers: [`127.0.0.1:${plain.port}`], logLevel: logLevel.NOTHING });
}

/** Reads a partition from the beginning with kcat (no consumer group needed): key|value|headers per line. */
function kcatRead(b: BrokerHandle, topic: string, partition: number): Promise<string[]> {
  const plain = b.addresses.find((a) => a.listener === 'PLAINTEXT')!;
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', `127.0.0.1:${plain.port}`, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-Z', '-f', '%k|%s|%h\\n'],
      { timeout: 20_000 },
      (err, stdout, stderr) => (err === null ? resolve(stdout.split('\n').filter((l) => l !== '')) : reject(new Error(`${err.message}: ${stderr}`))),
    );
  });
}

test('startBroker: create, produce with keys and headers, read back; a restart keeps everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-inproc-'));
  let broker = await startBroker({ properties: singleNodeProperties(dir) });
  try {
    const kafka = client(broker);
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), true);
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
    assert.equal(meta.topics[0]!.partitions.length, 3);
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({
      topic: 'orders',
      acks: -1,
      messages: Array.from({ length: 30 }, (_, i) => ({
        key: `k${i}`,
        value: i % 10 === 9 ? null : `v${i}`,
        headers: { h: `x${i}` },
        partition: i % 3,
      })),
    });
    await producer.disconnect();
    assert.equal(sent.length, 3);
    for (const r of sent) assert.equal(r.errorCode, 0);

    const expected = (p: number) =>
      Array.from({ length: 10 }, (_, j) => j * 3 + p).map((i) => `k${i}|${i % 10 === 9 ? 'NULL' : `v${i}`}|h=x${i}`);
    for (const p of [0, 1, 2]) assert.deepEqual(await kcatRead(broker, 'orders', p), expected(p));

    await broker.close();
    broker = await startBroker({ properties: singleNodeProperties(dir) });
    const admin2 = client(broker).admin();
    await admin2.connect();
    const after = await admin2.fetchTopicOffsets('orders');
    await admin2.disconnect();
    assert.deepEqual(after.map((o) => [o.partition, o.high, o.low]).sort(), [[0, '10', '0'], [1, '10', '0'], [2, '10', '0']]);
    for (const p of [0, 1, 2]) assert.deepEqual(await kcatRead(broker, 'orders', p), expected(p));
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
