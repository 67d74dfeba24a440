/**
 * Coordinator failover: the broker (coordinator of the group) restarts under a group member; the
 * member finds the coordinator again, rejoins, resumes from its committed offsets and reads on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';
import { FAST_GROUP, GROUP_BROKER_PROPS, Member } from './group-support.js';
import { waitFor } from '../../support/wait.js';

let fx: BrokerFixture;
let kafka: Kafka;

before(async () => {
  fx = await startFixture(GROUP_BROKER_PROPS);
  kafka = fx.kafka({ retries: 20, reconnectBackoffMaxMs: 200 });
});
after(async () => {
  await fx.close();
});

async function produce(from: number, to: number): Promise<void> {
  const producer = kafka.producer();
  await producer.sendBatch(Array.from({ length: to - from }, (_, i) => ({ topic: 'fo', partition: (from + i) % 2, value: `f${from + i}` })));
  await producer.close();
}

test('a member survives its coordinator restarting', async () => {
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'fo', numPartitions: 2 }]);
  await admin.close();
  await produce(0, 20);
  const m = new Member(kafka, { ...FAST_GROUP, groupId: 'fo-group', sessionTimeoutMs: 10_000 }, ['fo']);
  await waitFor('20 records', () => m.records.length >= 20);
  await fx.restart();
  await produce(20, 30);
  await waitFor('10 more records after the restart', () => m.values().filter((v) => Number(v.slice(1)) >= 20).length >= 10, 60_000);
  const values = m.values();
  // Committed offsets survived: nothing before the restart was read twice.
  assert.equal(new Set(values).size, values.length, `duplicates: ${values.length - new Set(values).size}`);
  await m.close();
});
