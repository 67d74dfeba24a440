/** The group API handlers over the wire codec, version by version, on a fake broker and a SimClock coordinator. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import {
  FindCoordinatorRequest,
  JoinGroupRequest,
  LeaveGroupRequest,
  OffsetCommitRequest,
  OffsetDeleteRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
  DescribeGroupsRequest,
  ListGroupsRequest,
} from '../../../../src/protocol/index.js';
import {
  createDescribeGroupsHandler,
  createFindCoordinatorHandler,
  createJoinGroupHandler,
  createLeaveGroupHandler,
  createListGroupsHandler,
  createOffsetCommitHandler,
  createOffsetDeleteHandler,
  createOffsetFetchHandler,
  createSyncGroupHandler,
} from '../../../../src/server/handlers/group-handlers.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';
import { Harness, subscription } from '../../coordinator/harness.js';

function setup() {
  const broker = new FakeBrokerContext();
  const h = new Harness({ numPartitions: 1 });
  broker.addTopic('t', { partitions: 2 });
  return { broker, h, gc: h.gc };
}

test('FindCoordinator: creates __consumer_offsets on first use; v0-v3 single key, v4+ batched', async () => {
  const { broker, gc } = setup();
  const handler = createFindCoordinatorHandler(broker, gc);
  const first = await callHandler(handler, FindCoordinatorRequest.create({ key: 'g', keyType: 0 }), 3);
  assert.equal(first.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  for (let i = 0; i < 20 && !broker.image().topics.byName.has('__consumer_offsets'); i++) await new Promise((r) => setImmediate(r));
  const topic = broker.image().topics.byName.get('__consumer_offsets')!;
  assert.equal(topic.partitions.size, 1, 'offsets.topic.num.partitions of the coordinator');
  for (const v of [0, 1, 3]) {
    const r = await callHandler(handler, FindCoordinatorRequest.create({ key: 'g', keyType: 0 }), v);
    assert.deepEqual([r.errorCode, r.nodeId, r.host, r.port], [0, 1, 'localhost', 9092], `v${v}`);
  }
  const batched = await callHandler(handler, FindCoordinatorRequest.create({ keyType: 0, coordinatorKeys: ['a', 'b'] }), 4);
  assert.deepEqual(batched.coordinators.map((c) => [c.key, c.nodeId, c.errorCode]), [['a', 1, 0], ['b', 1, 0]]);
  const txn = await callHandler(handler, FindCoordinatorRequest.create({ keyType: 1, coordinatorKeys: ['tx'] }), 6);
  assert.equal(txn.coordinators[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const bad = await callHandler(handler, FindCoordinatorRequest.create({ key: 'g', keyType: 7 }), 2);
  assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
});

test('JoinGroup v0 uses the session timeout as rebalance timeout; protocol name is "" before v7 when absent', async () => {
  const { gc, h } = setup();
  const join = createJoinGroupHandler(gc);
  const req = JoinGroupRequest.create({ groupId: 'g', sessionTimeoutMs: 5000, rebalanceTimeoutMs: -1, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  const pending = callHandler(join, req, 0);
  h.advance(0);
  const r = await pending;
  assert.equal(r.errorCode, 0);
  assert.equal(gc.describeGroups(['g'])[0]!.members.length, 1);
  const bad = await callHandler(join, { ...req, groupId: '' }, 6);
  assert.equal(bad.errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal(bad.protocolName, '');
  const v7 = await callHandler(join, { ...req, groupId: '' }, 7);
  assert.equal(v7.protocolName, null);
});

test('SyncGroup v5 requires protocol type and name', async () => {
  const { gc } = setup();
  const r = await callHandler(createSyncGroupHandler(gc), SyncGroupRequest.create({ groupId: 'g', generationId: 1, memberId: 'm', protocolType: null, protocolName: 'range' }), 5);
  assert.equal(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const v4 = await callHandler(createSyncGroupHandler(gc), SyncGroupRequest.create({ groupId: 'g', generationId: 1, memberId: 'm' }), 4);
  assert.equal(v4.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('LeaveGroup: v0-v2 fold the member error into the top level; v3+ answer per member', async () => {
  const { gc } = setup();
  await callHandler(createOffsetCommitHandler(new FakeBrokerContext(), gc), OffsetCommitRequest.create({ groupId: 'g', generationIdOrMemberEpoch: -1, topics: [] }), 2);
  const leave = createLeaveGroupHandler(gc);
  const v1 = await callHandler(leave, LeaveGroupRequest.create({ groupId: 'nogroup', memberId: 'm' }), 1);
  assert.equal(v1.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const v3 = await callHandler(leave, LeaveGroupRequest.create({ groupId: 'nogroup', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] }), 3);
  assert.equal(v3.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('OffsetCommit/OffsetFetch across versions: unknown partitions, metadata, all-topics fetch, multi-group v8', async () => {
  const { broker, gc } = setup();
  const commit = createOffsetCommitHandler(broker, gc);
  const fetch = createOffsetFetchHandler(gc);
  const c = await callHandler(
    commit,
    OffsetCommitRequest.create({
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: 'hello' }, { partitionIndex: 9, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] },
        { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] },
      ],
    }),
    6,
  );
  assert.deepEqual(c.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [['t', [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]], ['nope', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]);

  const v1 = await callHandler(fetch, OffsetFetchRequest.create({ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] }), 1);
  assert.deepEqual(v1.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata]), [[10, 'hello'], [-1, '']]);
  const v5 = await callHandler(fetch, OffsetFetchRequest.create({ groupId: 'g', topics: null }), 5);
  assert.deepEqual(v5.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch]), [[0, 10, 3]]);
  const v8 = await callHandler(
    fetch,
    OffsetFetchRequest.create({ groups: [{ groupId: 'g', memberId: null, memberEpoch: -1, topics: null }, { groupId: '', memberId: null, memberEpoch: -1, topics: null }], requireStable: true }),
    8,
  );
  assert.deepEqual(v8.groups.map((g) => [g.groupId, g.errorCode, g.topics.length]), [['g', 0, 1], ['', ErrorCode.INVALID_GROUP_ID, 0]]);
  const badV1 = await callHandler(fetch, OffsetFetchRequest.create({ groupId: '', topics: [{ name: 't', partitionIndexes: [0] }] }), 1);
  assert.equal(badV1.topics[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_GROUP_ID);
  const badV3 = await callHandler(fetch, OffsetFetchRequest.create({ groupId: '', topics: [{ name: 't', partitionIndexes: [0] }] }), 3);
  assert.equal(badV3.errorCode, ErrorCode.INVALID_GROUP_ID);

  const del = await callHandler(createOffsetDeleteHandler(broker, gc), OffsetDeleteRequest.create({ groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }, { partitionIndex: 7 }] }] }), 0);
  assert.deepEqual(del.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode])), [[[0, 0], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]);
});

test('DescribeGroups authorized operations on request; ListGroups state filter from v4 only', async () => {
  const { broker, gc } = setup();
  await callHandler(createOffsetCommitHandler(broker, gc), OffsetCommitRequest.create({ groupId: 'g', generationIdOrMemberEpoch: -1, topics: [] }), 8);
  await callHandler(
    createOffsetCommitHandler(broker, gc),
    OffsetCommitRequest.create({ groupId: 'g', generationIdOrMemberEpoch: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] }),
    8,
  );
  const d = await callHandler(createDescribeGroupsHandler(gc), DescribeGroupsRequest.create({ groups: ['g', 'x'], includeAuthorizedOperations: true }), 5);
  assert.deepEqual(d.groups.map((g) => [g.groupId, g.groupState, g.authorizedOperations]), [['g', 'Empty', 328], ['x', 'Dead', 328]]);
  const list = createListGroupsHandler(gc);
  assert.equal((await callHandler(list, ListGroupsRequest.create({ statesFilter: ['stable'] }), 4)).groups.length, 0);
  assert.equal((await callHandler(list, ListGroupsRequest.create({ statesFilter: ['stable'] }), 3)).groups.length, 1);
  assert.equal((await callHandler(list, ListGroupsRequest.create({ statesFilter: ['EMPTY'] }), 4)).groups.length, 1);
});
