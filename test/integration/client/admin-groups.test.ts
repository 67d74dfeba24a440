/** The admin client's group, quorum, feature and election calls against an in-process broker. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';
import { FAST_GROUP, GROUP_BROKER_PROPS, Member } from './group-support.js';
import { waitFor } from '../../support/wait.js';

let fx: BrokerFixture;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  fx = await startFixture(GROUP_BROKER_PROPS);
  kafka = fx.kafka();
  admin = kafka.admin();
  await admin.createTopics([{ name: 'ag', numPartitions: 4 }]);
  const producer = kafka.producer();
  await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: 'ag', partition: i % 4, value: `r${i}` })));
  await producer.close();
});
after(async () => {
  await admin.close();
  await fx.close();
});

const tps = [0, 1, 2, 3].map((partition) => ({ topic: 'ag', partition }));

test('list, describe, offsets of a live group; alter refused while it has members', async () => {
  const a = new Member(kafka, { ...FAST_GROUP, groupId: 'ag-live' }, ['ag']);
  const b = new Member(kafka, { ...FAST_GROUP, groupId: 'ag-live' }, ['ag']);
  await waitFor('40 records', () => a.records.length + b.records.length >= 40 && a.assigned().length === 2 && b.assigned().length === 2);

  const listed = await admin.listConsumerGroups();
  assert.deepEqual(
    listed.filter((g) => g.groupId === 'ag-live').map((g) => [g.protocolType, g.state]),
    [['consumer', 'Stable']],
  );
  assert.deepEqual(
    (await admin.listGroups({ states: ['Empty'] })).filter((g) => g.groupId === 'ag-live'),
    [],
  );

  const [d, missing] = await admin.describeConsumerGroups(['ag-live', 'ag-nobody']);
  assert.equal(d!.error, undefined);
  assert.equal(d!.state, 'Stable');
  assert.equal(d!.partitionAssignor, 'range');
  assert.equal(d!.members.length, 2);
  assert.ok(d!.coordinator !== null);
  const owned = d!.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort();
  assert.deepEqual(owned, [0, 1, 2, 3]);
  assert.deepEqual(d!.members[0]!.topics, ['ag']);
  assert.equal(missing!.error?.name, 'GROUP_ID_NOT_FOUND');

  const offsets = await admin.listConsumerGroupOffsets('ag-live');
  assert.deepEqual(offsets.map((o) => [o.partition, o.offset]), [[0, 10], [1, 10], [2, 10], [3, 10]]);

  // A standalone commit into a group with members is refused per partition.
  const altered = await admin.alterConsumerGroupOffsets('ag-live', [{ topic: 'ag', partition: 0, offset: 0 }]);
  assert.ok(altered[0]!.error !== undefined, 'refused while the group has members');
  const deleted = await admin.deleteConsumerGroups(['ag-live']);
  assert.equal(deleted[0]!.error?.name, 'NON_EMPTY_GROUP');

  await a.close();
  await b.close();
});

test('an empty group: alter offsets, delete offsets, delete the group', async () => {
  const described = (await admin.describeConsumerGroups(['ag-live']))[0]!;
  assert.equal(described.state, 'Empty');

  const altered = await admin.alterConsumerGroupOffsets('ag-live', [
    { topic: 'ag', partition: 0, offset: 3, metadata: 'reset' },
    { topic: 'ag', partition: 1, offset: 4 },
  ]);
  assert.deepEqual(altered.map((r) => r.error), [undefined, undefined]);
  const offsets = await admin.listConsumerGroupOffsets('ag-live', { partitions: tps.slice(0, 2) });
  assert.deepEqual(offsets.map((o) => [o.partition, o.offset, o.metadata]), [[0, 3, 'reset'], [1, 4, '']]);

  // A consumer of the group starts where the admin put it.
  const m = new Member(kafka, { ...FAST_GROUP, groupId: 'ag-live' }, ['ag']);
  await waitFor('records from the altered offsets', () => m.records.filter((r) => r.partition === 0).length >= 7);
  assert.equal(m.records.find((r) => r.partition === 0)!.offset, 3);
  await m.close();

  const dropped = await admin.deleteConsumerGroupOffsets('ag-live', [tps[2]!]);
  assert.equal(dropped[0]!.error, undefined);
  assert.deepEqual((await admin.listConsumerGroupOffsets('ag-live')).map((o) => o.partition), [0, 1, 3]);

  const del = await admin.deleteConsumerGroups(['ag-live', 'ag-never']);
  assert.equal(del[0]!.error, undefined);
  assert.equal(del[1]!.error?.name, 'GROUP_ID_NOT_FOUND');
  assert.deepEqual((await admin.listConsumerGroups()).filter((g) => g.groupId === 'ag-live'), []);
});

test('describeQuorum, describeFeatures, electLeaders', async () => {
  const q = await admin.describeQuorum();
  assert.equal(q.leaderId, fx.broker.nodeId);
  assert.ok(q.leaderEpoch >= 1);
  assert.ok(q.highWatermark > 0);
  assert.deepEqual(q.voters.map((v) => v.replicaId), [fx.broker.nodeId]);

  // ApiVersions v4: the broker's supported ranges (v4 keeps features whose minimum is 0) and the
  // finalized metadata.version of the cluster, the features epoch being the image's offset.
  const f = await admin.describeFeatures();
  const supported = new Map(f.supportedFeatures.map((s) => [s.name, [s.minVersion, s.maxVersion]]));
  assert.deepEqual(supported.get('kraft.version'), [0, 1]);
  const mv = supported.get('metadata.version');
  assert.ok(mv !== undefined && mv[0] === 1 && mv[1]! >= 21, `metadata.version range ${String(mv)}`);
  const finalizedMv = f.finalizedFeatures.find((x) => x.name === 'metadata.version');
  assert.ok(finalizedMv !== undefined && finalizedMv.minVersionLevel === finalizedMv.maxVersionLevel && finalizedMv.maxVersionLevel <= mv[1]!);
  assert.ok(f.finalizedFeaturesEpoch > 0, `epoch ${f.finalizedFeaturesEpoch}`);

  const elected = await admin.electLeaders('preferred', [{ topic: 'ag', partition: 0 }]);
  assert.deepEqual(elected.map((r) => [r.topic, r.partition, r.error?.name]), [['ag', 0, 'ELECTION_NOT_NEEDED']]);
});

test('updateFeatures answers per feature', async () => {
  const [r] = await admin.updateFeatures([{ feature: 'no.such.feature', maxVersionLevel: 1 }], { validateOnly: true });
  assert.equal(r!.feature, 'no.such.feature');
  assert.ok(r!.error !== undefined);
});

test('describeProducers lists the idempotent producers of a partition', async () => {
  const producer = kafka.producer();
  await producer.send({ topic: 'ag', partition: 3, value: 'from an idempotent producer' });
  await producer.close();
  const [p3, missing] = await admin.describeProducers([
    { topic: 'ag', partition: 3 },
    { topic: 'ag', partition: 9 },
  ]);
  assert.equal(p3!.error, undefined);
  assert.ok(p3!.activeProducers.length >= 1);
  assert.ok(p3!.activeProducers.every((s) => s.producerId >= 0 && s.currentTransactionStartOffset === -1));
  assert.ok(missing!.error !== undefined, 'a partition that does not exist has an error');
});
