/**
 * @platformatic/kafka (newest flexible group API versions: JoinGroup v9, OffsetFetch v9, ...): three
 * members split a 6-partition topic two partitions each, consume everything and commit it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { startBroker } from '../../../src/index.js';
import { groupBrokerProps } from './broker-props.js';

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('@platformatic/kafka group of 3: two partitions each, every record, offsets committed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-platgroups-'));
  const broker = await startBroker({ properties: groupBrokerProps(dir) });
  const consumers: Array<{ c: Consumer<string, string, string, string>; close: () => Promise<void> }> = [];
  try {
    const bootstrap = `127.0.0.1:${broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port}`;
    const kafka = new Kafka({ clientId: 'plat-groups', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'pt', numPartitions: 6 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'pt', acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ value: `v${i}`, partition: i % 6 })) });
    await producer.disconnect();
    const seen = new Set<string>();
    for (const name of ['p1', 'p2', 'p3']) {
      const c = new Consumer({ groupId: 'pg', clientId: name, bootstrapBrokers: [bootstrap], deserializers: stringDeserializers });
      const stream = await c.consume({ autocommit: 200, topics: ['pt'], sessionTimeout: 6000, heartbeatInterval: 300, mode: 'committed', fallbackMode: 'earliest', maxWaitTime: 300 });
      stream.on('data', (m) => seen.add(m.value));
      consumers.push({ c, close: async () => { await stream.close(); await c.close(); } });
    }
    const owned = () => consumers.map((x) => (x.c.assignments ?? []).flatMap((a) => a.partitions));
    await waitFor('two partitions each', () => owned().every((p) => p.length === 2) && new Set(owned().flat()).size === 6);
    await waitFor('every record', () => seen.size === 60);
    const d = await admin.describeGroups(['pg']);
    assert.deepEqual([d.groups[0]!.state, d.groups[0]!.members.length], ['Stable', 3]);
    // Autocommit runs every 200 ms: poll the committed offsets until they reach the end.
    let committed: string[] = [];
    for (let i = 0; i < 200 && committed.join() !== Array(6).fill('10').join(); i++) {
      committed = (await admin.fetchOffsets({ groupId: 'pg', topics: ['pt'] }))[0]!.partitions.map((p) => p.offset);
      if (committed.join() !== Array(6).fill('10').join()) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(committed, Array(6).fill('10'));
    for (const x of consumers.splice(0)) await x.close();
    assert.equal((await admin.describeGroups(['pg'])).groups[0]!.state, 'Empty');
    await admin.disconnect();
  } finally {
    for (const x of consumers) await x.close().catch(() => {});
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
