/**
 * A mixed consumer group of kafka-python and confluent-kafka (librdkafka) members against
 * startBroker: both join one group (common "range" assignor), the 6 partitions are split between
 * them with no overlap, every record is consumed, and the synchronously committed offsets are
 * visible to kafkajs' admin client afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../support/wait.js';
import { GroupBroker, ownsAllOnce, startMember } from './group-harness.js';
import type { ChildMember } from './group-harness.js';

const TOPIC = 'py-orders';
const PARTITIONS = 6;
const RECORDS = 120;

test('kafka-python and confluent-kafka share a group: split partitions, all records, offsets committed', async () => {
  const broker = await GroupBroker.start();
  const members: ChildMember[] = [];
  try {
    await broker.createTopic(TOPIC, PARTITIONS);
    await broker.produce(TOPIC, PARTITIONS, Array.from({ length: RECORDS }, (_, i) => `p${i}`));
    const admin = await broker.admin();

    for (const kind of ['kafka-python', 'confluent'] as const) members.push(startMember(kind, broker.bootstrap, 'pyg', TOPIC, { sessionTimeoutMs: 6000 }));
    const split = () => members.every((m) => m.assigned.length === PARTITIONS / 2) && ownsAllOnce(members.map((m) => m.assigned), PARTITIONS);
    await waitFor('both members with 3 partitions each', split, 40_000);
    await waitFor('every record consumed', () => new Set(members.flatMap((m) => m.consumed)).size === RECORDS, 40_000);
    const described = await admin.describeGroups(['pyg']);
    assert.equal(described.groups[0]!.state, 'Stable');
    assert.deepEqual(described.groups[0]!.members.map((m) => m.clientId).sort(), ['confluent-member', 'kafka-python-member']);
    for (const m of members) m.kill('SIGTERM');
    await waitFor('both members closed', () => members.every((m) => m.closed), 40_000);
    const offsets = await admin.fetchOffsets({ groupId: 'pyg', topics: [TOPIC] });
    assert.deepEqual(
      offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort((a, b) => Number(a[0]) - Number(b[0])),
      Array.from({ length: PARTITIONS }, (_, p) => [p, String(RECORDS / PARTITIONS)]),
    );
    const after = await admin.describeGroups(['pyg']);
    assert.equal(after.groups[0]!.state, 'Empty');
  } finally {
    for (const m of members) m.kill('SIGKILL');
    await broker.close();
  }
});
