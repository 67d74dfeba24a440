/** The classic group state machine, driven through GroupCoordinator on a SimClock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { decodeRecord } from '../../../src/coordinator/index.js';
import { Harness, Tracked, flush, heartbeat, join, joinDynamic, sync } from './harness.js';

const A1 = Buffer.from('assignment-1');
const A2 = Buffer.from('assignment-2');

/** Two dynamic members in a Stable group at generation 1; returns their ids (leader first). */
async function stableGroupOfTwo(h: Harness) {
  const j1 = await joinDynamic(h);
  const j2 = await joinDynamic(h);
  h.advance(0); // the initial delayed join (delay 0) completes
  await flush();
  const r1 = j1.get();
  const r2 = j2.get();
  const leader = r1.leader;
  const follower = leader === r1.memberId ? r2.memberId : r1.memberId;
  const s1 = sync(h, leader, 1, [
    { memberId: leader, assignment: A1 },
    { memberId: follower, assignment: A2 },
  ]);
  const s2 = sync(h, follower, 1);
  await flush();
  assert.equal(s1.get().errorCode, 0);
  assert.equal(s2.get().errorCode, 0);
  return { leader, follower };
}

test('KIP-394: a v4+ first join gets MEMBER_ID_REQUIRED and an id; v3 joins at once', async () => {
  const h = new Harness();
  const first = join(h, {}, 4);
  await flush();
  assert.equal(first.get().errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.get().memberId, /^client-uuid\d+$/);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Empty');
  const again = join(h, { memberId: first.get().memberId }, 4);
  h.advance(0);
  await flush();
  const r = again.get();
  assert.equal(r.errorCode, 0);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, r.memberId);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.members.length, 1);

  const h3 = new Harness();
  const v3 = join(h3, {}, 3);
  h3.advance(0);
  await flush();
  assert.equal(v3.get().errorCode, 0);
  assert.equal(v3.get().generationId, 1);
});

test('a pending member that never rejoins expires after its session timeout', async () => {
  const h = new Harness();
  const first = join(h, { sessionTimeoutMs: 5000 });
  await flush();
  const g = () => h.gc.describeGroups(['g'])[0]!;
  assert.equal(g().groupState, 'Empty');
  h.advance(5000);
  // The id is no longer pending: rejoining with it is refused (the group is Empty, the member unknown).
  const late = join(h, { memberId: first.get().memberId });
  await flush();
  assert.equal(late.get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('initial delayed join: each new member extends the delay, bounded by the rebalance timeout', async () => {
  const h = new Harness({ initialRebalanceDelayMs: 3000 });
  const j1 = await joinDynamic(h, { rebalanceTimeoutMs: 10_000 });
  h.advance(2000);
  const j2 = await joinDynamic(h, { rebalanceTimeoutMs: 10_000 });
  h.advance(1000); // t=3000: a member was added, the delay extends by 3000
  await flush();
  assert.equal(j1.done, false);
  h.advance(2999);
  await flush();
  assert.equal(j1.done, false);
  h.advance(1); // t=6000
  await flush();
  assert.equal(j1.get().generationId, 1);
  assert.equal(j2.get().generationId, 1);
  assert.equal(j1.get().leader, j1.get().memberId);
  assert.equal(j1.get().members.length, 2, 'the leader gets every member');
  assert.equal(j2.get().members.length, 0);
});

test('SyncGroup: the leader assigns, everyone gets theirs, the group is Stable and its metadata is written', async () => {
  const h = new Harness();
  const { leader, follower } = await stableGroupOfTwo(h);
  const d = h.gc.describeGroups(['g'])[0]!;
  assert.equal(d.groupState, 'Stable');
  assert.equal(d.protocolData, 'range');
  const byId = new Map(d.members.map((m) => [m.memberId, m]));
  assert.deepEqual(byId.get(leader)!.memberAssignment, A1);
  assert.deepEqual(byId.get(follower)!.memberAssignment, A2);
  const groupRecords = h.allRecords().map((r) => decodeRecord(r.key, r.value)).filter((r) => r.type === 'group');
  const last = groupRecords.at(-1)!;
  assert.equal(last.type, 'group');
  if (last.type !== 'group') return;
  assert.equal(last.value!.generation, 1);
  assert.equal(last.value!.leader, leader);
  assert.equal(last.value!.protocol, 'range');
  assert.deepEqual(new Map(last.value!.members.map((m) => [m.memberId, m.assignment.toString()])), new Map([[leader, 'assignment-1'], [follower, 'assignment-2']]));
  // A follower syncing again while Stable gets its assignment straight away.
  const again = sync(h, follower, 1);
  await flush();
  assert.deepEqual(again.get().assignment, A2);
});

test('SyncGroup errors: unknown member, illegal generation, inconsistent protocol, rebalance in progress', async () => {
  const h = new Harness();
  const { leader, follower } = await stableGroupOfTwo(h);
  const unknown = sync(h, 'nobody', 1);
  const badGen = sync(h, follower, 7);
  const badProtocol = new Tracked(h.gc.syncGroup({ groupId: 'g', generationId: 1, memberId: follower, groupInstanceId: null, protocolType: 'connect', protocolName: 'range', assignments: [] }));
  const noGroup = sync(h, follower, 1, [], { groupId: 'other' });
  await flush();
  assert.equal(unknown.get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(badGen.get().errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(badProtocol.get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(noGroup.get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // The leader rejoining forces a rebalance: syncs now answer REBALANCE_IN_PROGRESS.
  join(h, { memberId: leader });
  const during = sync(h, follower, 1);
  await flush();
  assert.equal(during.get().errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(heartbeat(h, follower, 1), ErrorCode.REBALANCE_IN_PROGRESS);
});

test('heartbeats keep a member; a silent one is removed at its session timeout and the rest rebalance', async () => {
  const h = new Harness();
  const { leader, follower } = await stableGroupOfTwo(h);
  assert.equal(heartbeat(h, leader, 1), 0);
  assert.equal(heartbeat(h, leader, 2), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(heartbeat(h, 'ghost', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(h.gc.heartbeat({ groupId: 'nope', generationId: 1, memberId: leader, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  for (let i = 0; i < 3; i++) {
    h.advance(3000);
    assert.equal(heartbeat(h, leader, 1), 0, `heartbeat ${i}`);
  }
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Stable');
  h.advance(1000);
  // The follower never heartbeat: 10 s after its assignment it is gone.
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance');
  assert.equal(heartbeat(h, follower, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(heartbeat(h, leader, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = join(h, { memberId: leader });
  await flush();
  const r = rejoin.get();
  assert.equal(r.generationId, 2);
  assert.equal(r.members.length, 1);
});

test('rebalance timeout: a member that does not rejoin is dropped when it passes', async () => {
  const h = new Harness();
  const { leader, follower } = await stableGroupOfTwo(h);
  // The follower rejoins with a new subscription (a rebalance); the leader keeps heartbeating but never rejoins.
  const rejoin = join(h, { memberId: follower, rebalanceTimeoutMs: 30_000, protocols: [{ name: 'range', metadata: Buffer.from('changed') }] });
  for (let t = 0; t < 6; t++) {
    h.advance(5000);
    heartbeat(h, leader, 1); // still alive, but it does not rejoin
  }
  await flush();
  const r = rejoin.get();
  assert.equal(r.generationId, 2);
  assert.equal(r.leader, follower, 'the leader did not rejoin: leadership moves');
  assert.deepEqual(r.members.map((m) => m.memberId), [follower]);
});

test('pending sync expiry: members that never send SyncGroup are removed after the rebalance timeout', async () => {
  const h = new Harness();
  const j1 = await joinDynamic(h, { rebalanceTimeoutMs: 20_000 });
  const j2 = await joinDynamic(h, { rebalanceTimeoutMs: 20_000 });
  h.advance(0);
  await flush();
  const leader = j1.get().leader;
  const other = j1.get().memberId === leader ? j2.get().memberId : j1.get().memberId;
  const s = sync(h, leader, 1, [{ memberId: leader, assignment: A1 }]);
  await flush();
  assert.equal(s.get().errorCode, 0);
  for (let i = 0; i < 4; i++) {
    h.advance(5000);
    heartbeat(h, leader, 1);
  }
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance');
  assert.equal(heartbeat(h, other, 1), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('static membership: a restarted member takes its id over without a rebalance; the old id is fenced', async () => {
  const h = new Harness();
  const j1 = join(h, { groupInstanceId: 'i1' });
  const j2 = join(h, { groupInstanceId: 'i2' });
  h.advance(0);
  await flush();
  const [m1, m2] = [j1.get().memberId, j2.get().memberId];
  assert.match(m1, /^i1-uuid/);
  const s1 = sync(h, m1, 1, [{ memberId: m1, assignment: A1 }, { memberId: m2, assignment: A2 }], { groupInstanceId: 'i1' });
  const s2 = sync(h, m2, 1, [], { groupInstanceId: 'i2' });
  await flush();
  assert.deepEqual(s2.get().assignment, A2);

  // i2 restarts: unknown member id, same instance id, same protocols.
  const restarted = join(h, { groupInstanceId: 'i2' });
  await flush();
  const r = restarted.get();
  assert.equal(r.errorCode, 0);
  assert.notEqual(r.memberId, m2);
  assert.equal(r.generationId, 1, 'no new generation');
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Stable');
  const s3 = sync(h, r.memberId, 1, [], { groupInstanceId: 'i2' });
  await flush();
  assert.deepEqual(s3.get().assignment, A2, 'the old assignment');
  assert.equal(heartbeat(h, m2, 1, 'i2'), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(heartbeat(h, r.memberId, 1, 'i2'), 0);
  assert.equal(s1.get().errorCode, 0);
  // A static member that leaves by instance id (administrative removal) triggers a rebalance.
  const left = h.gc.leaveGroup('g', [{ memberId: '', groupInstanceId: 'i1', reason: null }]);
  assert.deepEqual(left.members.map((m) => m.errorCode), [0]);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance');
});

test('static member v9 rejoin as leader: skipAssignment with the member list', async () => {
  const h = new Harness();
  const j1 = join(h, { groupInstanceId: 'i1' }, 9);
  h.advance(0);
  await flush();
  const m1 = j1.get().memberId;
  sync(h, m1, 1, [{ memberId: m1, assignment: A1 }], { groupInstanceId: 'i1' });
  await flush();
  const again = join(h, { groupInstanceId: 'i1' }, 9);
  await flush();
  assert.equal(again.get().skipAssignment, true);
  assert.equal(again.get().leader, again.get().memberId);
  assert.equal(again.get().members.length, 1);
});

test('group.max.size, session timeout bounds, empty group id, protocol mismatch', async () => {
  const h = new Harness({ maxSize: 1, minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 30_000 });
  const tooShort = join(h, { sessionTimeoutMs: 5999 });
  const tooLong = join(h, { sessionTimeoutMs: 30_001 });
  const noGroup = join(h, { groupId: '', sessionTimeoutMs: 10_000 });
  await flush();
  assert.equal(tooShort.get().errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(tooLong.get().errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(noGroup.get().errorCode, ErrorCode.INVALID_GROUP_ID);
  const first = await joinDynamic(h);
  h.advance(0);
  await flush();
  assert.equal(first.get().errorCode, 0);
  const second = await joinDynamic(h);
  await flush();
  assert.equal(second.get().errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  const h2 = new Harness();
  await joinDynamic(h2);
  h2.advance(0);
  const other = join(h2, { protocolType: 'connect' });
  await flush();
  assert.equal(other.get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const noCommon = join(h2, { protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] });
  await flush();
  assert.equal(noCommon.get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('protocol selection: the protocol most members prefer among those all support', async () => {
  const h = new Harness();
  const p = (names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
  const a = join(h, { protocols: p(['range', 'roundrobin']) }, 3);
  const b = join(h, { protocols: p(['roundrobin', 'range']) }, 3);
  const c = join(h, { protocols: p(['roundrobin', 'sticky', 'range']) }, 3);
  h.advance(0);
  await flush();
  for (const j of [a, b, c]) assert.equal(j.get().protocolName, 'roundrobin');
  assert.deepEqual(a.get().members.map((m) => m.metadata.toString()), ['roundrobin', 'roundrobin', 'roundrobin']);
});

test('LeaveGroup: batch with per-member errors; the rest rebalance; last one out leaves the group Empty', async () => {
  const h = new Harness();
  const { leader, follower } = await stableGroupOfTwo(h);
  const r = h.gc.leaveGroup('g', [
    { memberId: follower, groupInstanceId: null, reason: 'bye' },
    { memberId: 'ghost', groupInstanceId: null, reason: null },
  ]);
  assert.equal(r.errorCode, 0);
  assert.deepEqual(r.members.map((m) => m.errorCode), [0, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance');
  const rejoin = join(h, { memberId: leader });
  await flush();
  assert.equal(rejoin.get().generationId, 2);
  h.gc.leaveGroup('g', [{ memberId: leader, groupInstanceId: null, reason: null }]);
  // Nobody is left to wait for: the next generation (3) is Empty at once, and written as such.
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Empty');
  const last = h.allRecords().map((r) => decodeRecord(r.key, r.value)).at(-1)!;
  assert.ok(last.type === 'group' && last.value!.generation === 3 && last.value!.members.length === 0);
  assert.equal(h.gc.leaveGroup('missing', []).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member leaving while the others wait in JoinGroup completes the join phase', async () => {
  const h = new Harness();
  const { leader, follower } = await stableGroupOfTwo(h);
  const j = join(h, { memberId: leader });
  await flush();
  assert.equal(j.done, false);
  h.gc.leaveGroup('g', [{ memberId: follower, groupInstanceId: null, reason: null }]);
  await flush();
  assert.equal(j.get().generationId, 2);
});

test('describe and list: states, filters, unknown groups are Dead', async () => {
  const h = new Harness();
  await stableGroupOfTwo(h);
  const unknown = h.gc.describeGroups(['nope'])[0]!;
  assert.equal(unknown.groupState, 'Dead');
  assert.equal(unknown.errorCode, 0);
  assert.deepEqual(h.gc.listGroups([], []).groups.map((g) => [g.groupId, g.groupState, g.protocolType, g.groupType]), [['g', 'Stable', 'consumer', 'classic']]);
  assert.equal(h.gc.listGroups(['stable'], []).groups.length, 1);
  assert.equal(h.gc.listGroups(['Empty'], []).groups.length, 0);
  assert.equal(h.gc.listGroups([], ['consumer']).groups.length, 0);
  assert.equal(h.gc.listGroups([], ['Classic']).groups.length, 1);
});

test('routing: NOT_COORDINATOR for partitions not led here, COORDINATOR_LOAD_IN_PROGRESS while loading, unload answers parked joins', async () => {
  const h = new Harness({ numPartitions: 3 }, false);
  const p = h.gc.partitionFor('g');
  assert.equal(heartbeat(h, 'm', 1), ErrorCode.NOT_COORDINATOR);
  h.gc.beginLoad(p);
  assert.equal(heartbeat(h, 'm', 1), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(h.gc.fetchOffsets('g', null).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  h.gc.completeLoad(p);
  const j = join(h, {}, 3);
  await flush();
  assert.equal(j.done, false, 'parked until the initial delayed join fires');
  h.gc.unload(p);
  await flush();
  assert.equal(j.get().errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(heartbeat(h, 'm', 1), ErrorCode.NOT_COORDINATOR);
});

test('a failed group metadata write answers the sync with the mapped error and rebalances', async () => {
  const h = new Harness();
  const j1 = await joinDynamic(h);
  h.advance(0);
  await flush();
  const leader = j1.get().memberId;
  h.outcome = () => Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const s = sync(h, leader, 1, [{ memberId: leader, assignment: A1 }]);
  await flush();
  assert.equal(s.get().errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'PreparingRebalance');
});

test('the partition of a group is abs(Java hashCode) % partitions', () => {
  const h = new Harness({ numPartitions: 50 }, false);
  // java.lang.String.hashCode: "test-group" = 627841412, "my-group" = -1906497762.
  assert.equal(h.gc.partitionFor('test-group'), 627841412 % 50);
  assert.equal(h.gc.partitionFor('my-group'), 1906497762 % 50);
});
