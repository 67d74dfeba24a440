/** Committed offsets (commit, fetch, delete, retention), record serde golden bytes, and load by replay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { decodeRecord, groupMetadataRecord, offsetCommitRecord } from '../../../src/coordinator/index.js';
import type { OffsetCommitRequest } from '../../../src/protocol/index.js';
import { Harness, Tracked, flush, join, joinDynamic, subscription, sync } from './harness.js';

function commitReq(init: Partial<OffsetCommitRequest> & { offsets?: Array<[string, number, number, string | null]> } = {}): OffsetCommitRequest {
  const offsets = init.offsets ?? [['t', 0, 42, 'meta']];
  const topics = new Map<string, OffsetCommitRequest['topics'][number]>();
  for (const [topic, partition, offset, metadata] of offsets) {
    let t = topics.get(topic);
    if (t === undefined) topics.set(topic, (t = { name: topic, partitions: [] }));
    t.partitions.push({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 5, commitTimestamp: -1, committedMetadata: metadata });
  }
  return { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [...topics.values()], ...init };
}

async function commit(h: Harness, init: Parameters<typeof commitReq>[0] = {}, version = 8): Promise<number[]> {
  const r = new Tracked(h.gc.commitOffsets(commitReq(init), version));
  await flush();
  return r.get().flatMap((t) => t.partitions.map((p) => p.errorCode));
}

function fetched(h: Harness, groupId = 'g', topics: Array<{ name: string; partitionIndexes: number[] }> | null = null) {
  const r = h.gc.fetchOffsets(groupId, topics);
  return { errorCode: r.errorCode, offsets: r.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata])) };
}

test('standalone commits (generation -1) create a simple group; metadata and leader epoch round-trip', async () => {
  const h = new Harness();
  assert.deepEqual(await commit(h, { offsets: [['t', 0, 42, 'meta'], ['t', 1, 7, null], ['u', 0, 3, '']] }), [0, 0, 0]);
  assert.deepEqual(fetched(h).offsets, [['t', 0, 42, 5, 'meta'], ['t', 1, 7, 5, ''], ['u', 0, 3, 5, '']]);
  assert.deepEqual(fetched(h, 'g', [{ name: 't', partitionIndexes: [1, 9] }]).offsets, [['t', 1, 7, 5, ''], ['t', 9, -1, -1, '']]);
  assert.deepEqual(fetched(h, 'other', [{ name: 't', partitionIndexes: [0] }]).offsets, [['t', 0, -1, -1, '']]);
  const d = h.gc.describeGroups(['g'])[0]!;
  assert.equal(d.groupState, 'Empty');
  assert.equal(d.protocolType, '');
  assert.deepEqual(h.gc.listGroups([], []).groups.map((g) => g.groupId), ['g']);
});

test('commit errors: metadata too large, member and generation checks, rebalance in progress, unknown group by version', async () => {
  const h = new Harness({ offsetMetadataMaxBytes: 4 });
  assert.deepEqual(await commit(h, { offsets: [['t', 0, 1, 'toolong'], ['t', 1, 1, 'ok']] }), [ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
  assert.deepEqual(await commit(h, { groupId: 'nogroup', generationIdOrMemberEpoch: 3, memberId: 'm' }, 8), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(await commit(h, { groupId: 'nogroup', generationIdOrMemberEpoch: 3, memberId: 'm' }, 9), [ErrorCode.GROUP_ID_NOT_FOUND]);
  assert.deepEqual(await commit(h, { groupId: '' }), [ErrorCode.INVALID_GROUP_ID]);

  const h2 = new Harness();
  const j = await joinDynamic(h2, { groupId: 'g' });
  h2.advance(0);
  await flush();
  const m = j.get().memberId;
  // CompletingRebalance: the member knows the generation but has no assignment yet.
  assert.deepEqual(await commit(h2, { generationIdOrMemberEpoch: 1, memberId: m }), [ErrorCode.REBALANCE_IN_PROGRESS]);
  sync(h2, m, 1, [{ memberId: m, assignment: Buffer.from('a') }]);
  await flush();
  assert.deepEqual(await commit(h2, { generationIdOrMemberEpoch: 1, memberId: m }), [0]);
  assert.deepEqual(await commit(h2, { generationIdOrMemberEpoch: 2, memberId: m }), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(await commit(h2, { generationIdOrMemberEpoch: 1, memberId: 'stranger' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  // v0 style (no member, no generation) on a non-empty group.
  assert.deepEqual(await commit(h2, { generationIdOrMemberEpoch: -1, memberId: '' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  // A failed write answers the mapped error and changes nothing.
  h2.outcome = () => ErrorCode.REQUEST_TIMED_OUT;
  assert.deepEqual(await commit(h2, { generationIdOrMemberEpoch: 1, memberId: m, offsets: [['t', 0, 99, null]] }), [ErrorCode.COORDINATOR_NOT_AVAILABLE]);
  assert.deepEqual(fetched(h2).offsets, [['t', 0, 42, 5, 'meta']]);
});

test('OffsetDelete: not while subscribed, not for non-consumer non-empty groups; DeleteGroups only when Empty', async () => {
  const h = new Harness();
  const j = await joinDynamic(h, { protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  h.advance(0);
  await flush();
  const m = j.get().memberId;
  sync(h, m, 1, [{ memberId: m, assignment: Buffer.alloc(0) }]);
  await flush();
  await commit(h, { generationIdOrMemberEpoch: 1, memberId: m, offsets: [['t', 0, 1, null], ['u', 0, 2, null]] });
  const del = new Tracked(h.gc.deleteOffsets('g', [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'u', partitions: [{ partitionIndex: 0 }, { partitionIndex: 5 }] }]));
  await flush();
  assert.equal(del.get().errorCode, 0);
  assert.deepEqual(del.get().topics.map((t) => t.partitions.map((p) => p.errorCode)), [[ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], [0, 0]]);
  assert.deepEqual(fetched(h).offsets, [['t', 0, 1, 5, '']]);
  const notFound = new Tracked(h.gc.deleteOffsets('missing', []));
  const groups = new Tracked(h.gc.deleteGroups(['g', 'missing', '']));
  await flush();
  assert.equal(notFound.get().errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.deepEqual(groups.get().map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.INVALID_GROUP_ID]);

  h.gc.leaveGroup('g', [{ memberId: m, groupInstanceId: null, reason: null }]);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Empty');
  const before = h.written.length;
  const gone = new Tracked(h.gc.deleteGroups(['g']));
  await flush();
  assert.deepEqual(gone.get().map((r) => r.errorCode), [0]);
  const tombstones = h.written.slice(before).flatMap((w) => w.records).map((r) => decodeRecord(r.key, r.value));
  assert.deepEqual(tombstones.map((r) => [r.type, r.type === 'other' ? null : r.value]), [['offset', null], ['group', null]]);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Dead');
  assert.deepEqual(fetched(h).offsets, []);
});

test('a member whose subscription does not parse: the group works, its topics are unknown (OffsetDelete allowed), and it loads', async () => {
  const h = new Harness();
  const garbage = Buffer.from('ffff00', 'hex'); // version -1, then a stray byte
  const j = await joinDynamic(h, { protocols: [{ name: 'range', metadata: garbage }] });
  h.advance(0);
  await flush();
  const m = j.get().memberId;
  sync(h, m, 1, [{ memberId: m, assignment: Buffer.alloc(0) }]);
  await flush();
  const d = h.gc.describeGroups(['g'])[0]!;
  assert.equal(d.groupState, 'Stable');
  assert.deepEqual(d.members.map((x) => x.memberMetadata), [garbage], 'DescribeGroups hands the bytes back as they came');
  await commit(h, { generationIdOrMemberEpoch: 1, memberId: m, offsets: [['t', 0, 1, null]] });
  const del = new Tracked(h.gc.deleteOffsets('g', [{ name: 't', partitions: [{ partitionIndex: 0 }] }]));
  await flush();
  assert.deepEqual(del.get().topics.map((t) => t.partitions.map((p) => p.errorCode)), [[0]]);

  const h2 = new Harness({}, false);
  const shard = h2.gc.beginLoad(0);
  for (const r of h.allRecords()) shard.replay(r.key, r.value);
  h2.gc.completeLoad(0);
  assert.equal(h2.gc.describeGroups(['g'])[0]!.groupState, 'Stable');
});

test('retention: offsets of an Empty group expire offsets.retention after it emptied; then the group goes', async () => {
  const h = new Harness({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  await commit(h);
  h.advance(50_000);
  assert.equal(fetched(h).offsets.length, 1);
  h.advance(20_000); // check at 70 s: 70 s since the commit
  assert.deepEqual(fetched(h).offsets, []);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Dead');
  // An explicit retention time (OffsetCommit v2-v4) wins.
  await commit(h, { retentionTimeMs: 5000 });
  h.advance(10_000);
  assert.deepEqual(fetched(h).offsets, []);
});

test('retention: a Stable consumer group keeps offsets of subscribed topics, loses others', async () => {
  const h = new Harness({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  const j = await joinDynamic(h, { sessionTimeoutMs: 60_000, protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  h.advance(0);
  await flush();
  const m = j.get().memberId;
  sync(h, m, 1, [{ memberId: m, assignment: Buffer.alloc(0) }]);
  await flush();
  await commit(h, { generationIdOrMemberEpoch: 1, memberId: m, offsets: [['t', 0, 1, null], ['old', 0, 2, null]] });
  for (let i = 0; i < 8; i++) {
    h.advance(10_000);
    h.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: m, groupInstanceId: null });
  }
  assert.deepEqual(fetched(h).offsets.map((o) => o[0]), ['t']);
});

test('golden bytes: offset commit and group metadata records in Kafka framing', () => {
  const key = offsetCommitRecord({ group: 'g', topic: 't', partition: 1 }, null);
  assert.equal(key.key.toString('hex'), '0001' + '000167' + '000174' + '00000001');
  assert.equal(key.value, null);
  const v = offsetCommitRecord(
    { group: 'g', topic: 't', partition: 1 },
    { offset: 42, leaderEpoch: 5, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 },
  );
  // v3: offset int64, leaderEpoch int32, metadata string, commitTimestamp int64.
  assert.equal(v.value!.toString('hex'), '0003' + '000000000000002a' + '00000005' + '00016d' + '00000000000003e8');
  const withExpiry = offsetCommitRecord({ group: 'g', topic: 't', partition: 1 }, { offset: 42, leaderEpoch: -1, metadata: '', commitTimestamp: 1000, expireTimestamp: 2000 });
  // v1: offset, metadata, commitTimestamp, expireTimestamp.
  assert.equal(withExpiry.value!.toString('hex'), '0001' + '000000000000002a' + '0000' + '00000000000003e8' + '00000000000007d0');
  const g = groupMetadataRecord('g', {
    protocolType: 'consumer',
    generation: 1,
    protocol: 'range',
    leader: 'm1',
    currentStateTimestamp: 5,
    members: [{ memberId: 'm1', groupInstanceId: null, clientId: 'c', clientHost: '/h', rebalanceTimeout: 10, sessionTimeout: 20, subscription: Buffer.from([1]), assignment: Buffer.from([2]) }],
  });
  assert.equal(g.key.toString('hex'), '0002' + '000167');
  const hex =
    '0003' +
    '0008' + Buffer.from('consumer').toString('hex') +
    '00000001' +
    '0005' + Buffer.from('range').toString('hex') +
    '0002' + Buffer.from('m1').toString('hex') +
    '0000000000000005' +
    '00000001' +
    '0002' + Buffer.from('m1').toString('hex') +
    'ffff' +
    '000163' +
    '00022f68' +
    '0000000a' +
    '00000014' +
    '0000000101' +
    '0000000102';
  assert.equal(g.value!.toString('hex'), hex);
  const decoded = decodeRecord(g.key, g.value);
  assert.ok(decoded.type === 'group' && decoded.value!.members[0]!.clientHost === '/h');
});

test('load: replaying what a coordinator wrote restores groups, members, assignments and offsets', async () => {
  const h = new Harness();
  const j1 = join(h, { groupInstanceId: 'i1', protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  const j2 = join(h, { groupInstanceId: 'i2', protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  h.advance(0);
  await flush();
  const [m1, m2] = [j1.get().memberId, j2.get().memberId];
  sync(h, m1, 1, [{ memberId: m1, assignment: Buffer.from('a1') }, { memberId: m2, assignment: Buffer.from('a2') }], { groupInstanceId: 'i1' });
  await flush();
  await commit(h, { generationIdOrMemberEpoch: 1, memberId: m1, groupInstanceId: 'i1', offsets: [['t', 0, 10, 'x'], ['t', 1, 11, null]] });
  await commit(h, { groupId: 'simple', offsets: [['t', 0, 3, null]] });
  await commit(h, { groupId: 'simple', offsets: [['t', 0, 4, null]] });

  const h2 = new Harness({}, false);
  const shard = h2.gc.beginLoad(0);
  for (const r of h.allRecords()) shard.replay(r.key, r.value);
  h2.gc.completeLoad(0);
  const d = h2.gc.describeGroups(['g'])[0]!;
  assert.equal(d.groupState, 'Stable');
  assert.deepEqual(
    d.members.map((m) => [m.memberId, m.groupInstanceId, m.memberAssignment.toString()]).sort(),
    [[m1, 'i1', 'a1'], [m2, 'i2', 'a2']].sort(),
  );
  assert.deepEqual(fetched(h2).offsets, [['t', 0, 10, 5, 'x'], ['t', 1, 11, 5, '']]);
  assert.deepEqual(fetched(h2, 'simple').offsets, [['t', 0, 4, 5, '']]);
  // The restored static member keeps its generation: its heartbeat works, and the others expire.
  h2.advance(5000);
  assert.equal(h2.gc.heartbeat({ groupId: 'g', generationId: 1, memberId: m1, groupInstanceId: 'i1' }), 0);
  h2.advance(5000);
  assert.equal(h2.gc.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance');
});
