import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZERO_UUID } from '../../../../src/common/index.js';
import {
  DescribeClusterRequest,
  DescribeQuorumRequest,
  ElectLeadersRequest,
  UpdateFeaturesRequest,
  createDescribeClusterRequest,
  createDescribeQuorumRequest,
  createDescribeTopicPartitionsRequest,
  createElectLeadersRequest,
  createUpdateFeaturesRequest,
} from '../../../../src/protocol/index.js';
import { createDescribeClusterHandler } from '../../../../src/server/handlers/describe-cluster.js';
import { createDescribeQuorumHandler } from '../../../../src/server/handlers/describe-quorum.js';
import { createDescribeTopicPartitionsHandler } from '../../../../src/server/handlers/describe-topic-partitions.js';
import { createElectLeadersHandler } from '../../../../src/server/handlers/elect-leaders.js';
import { createUpdateFeaturesHandler } from '../../../../src/server/handlers/update-features.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

test('DescribeCluster v0-1 on a broker listener: alive brokers, controller id, authorized operations when asked', async () => {
  const b = new FakeBrokerContext();
  b.addBroker(2, { rack: 'r' });
  b.addBroker(3, { fenced: true });
  const h = createDescribeClusterHandler(b);
  for (const v of range(DescribeClusterRequest.minVersion, DescribeClusterRequest.maxVersion)) {
    for (const ops of [false, true]) {
      const r = await callHandler(h, createDescribeClusterRequest({ includeClusterAuthorizedOperations: ops, endpointType: 1 }), v);
      assert.equal(r.errorCode, 0);
      assert.equal(r.clusterId, b.clusterId);
      assert.equal(r.controllerId, 1);
      assert.equal(r.endpointType, 1); // v0: not on the wire, the default
      assert.deepEqual(r.brokers.map((x) => [x.brokerId, x.port, x.rack]), [
        [1, 9092, null],
        [2, 9102, 'r'],
      ]);
      assert.equal(r.clusterAuthorizedOperations, ops ? 8096 : -2147483648);
    }
  }
});

test('DescribeCluster: controllers on a controller listener; wrong or unknown endpoint types', async () => {
  const b = new FakeBrokerContext();
  const h = createDescribeClusterHandler(b);
  const c = await callHandler(h, createDescribeClusterRequest({ endpointType: 2 }), 1, { listenerName: 'CONTROLLER' });
  assert.equal(c.errorCode, 0);
  assert.equal(c.endpointType, 2);
  assert.deepEqual(c.brokers.map((x) => [x.brokerId, x.host, x.port]), [[1, 'localhost', 9093]]);
  assert.equal(c.controllerId, 1);
  const mismatch = await callHandler(h, createDescribeClusterRequest({ endpointType: 2 }), 1);
  assert.equal(mismatch.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  const v0 = await callHandler(h, createDescribeClusterRequest({}), 0, { listenerName: 'CONTROLLER' });
  assert.equal(v0.errorCode, ErrorCode.INVALID_REQUEST);
  const unknown = await callHandler(h, createDescribeClusterRequest({ endpointType: 9 }), 1);
  assert.equal(unknown.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
});

test('DescribeTopicPartitions: all topics in name order, paged by the partition limit with a cursor', async () => {
  const b = new FakeBrokerContext();
  const tb = b.addTopic('b', { partitions: 3 });
  b.addTopic('a', { partitions: 2 });
  b.addTopic('c', { partitions: 1 });
  const h = createDescribeTopicPartitionsHandler(b);
  const page1 = await callHandler(h, createDescribeTopicPartitionsRequest({ topics: [], responsePartitionLimit: 3, cursor: null }), 0);
  assert.deepEqual(page1.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [
    ['a', [0, 1]],
    ['b', [0]],
  ]);
  assert.deepEqual(page1.nextCursor, { topicName: 'b', partitionIndex: 1 });
  const page2 = await callHandler(h, createDescribeTopicPartitionsRequest({ topics: [], responsePartitionLimit: 2, cursor: page1.nextCursor }), 0);
  assert.deepEqual(page2.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['b', [1, 2]]]);
  assert.deepEqual(page2.nextCursor, { topicName: 'c', partitionIndex: 0 });
  assert.equal(page2.topics[0]!.topicId, tb.topicId);
  assert.equal(page2.topics[0]!.topicAuthorizedOperations, 3576);
  const p = page2.topics[0]!.partitions[0]!;
  assert.deepEqual([p.leaderId, p.replicaNodes, p.isrNodes, p.eligibleLeaderReplicas, p.lastKnownElr, p.offlineReplicas], [1, [1], [1], [], [], []]);
  const page3 = await callHandler(h, createDescribeTopicPartitionsRequest({ topics: [], responsePartitionLimit: 2, cursor: page2.nextCursor }), 0);
  assert.deepEqual(page3.topics.map((t) => t.name), ['c']);
  assert.equal(page3.nextCursor, null);
});

test('DescribeTopicPartitions: named topics, missing ones reported; bad cursor fails the request', async () => {
  const b = new FakeBrokerContext();
  b.addTopic('x', { partitions: 2 });
  const h = createDescribeTopicPartitionsHandler(b);
  const r = await callHandler(
    h,
    createDescribeTopicPartitionsRequest({ topics: [{ name: 'x' }, { name: 'nope' }, { name: 'b@d' }, { name: 'x' }], responsePartitionLimit: 2000, cursor: null }),
    0,
  );
  assert.deepEqual(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [
    ['b@d', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
    ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
    ['x', 0, 2],
  ]);
  assert.equal(r.topics[1]!.topicId, ZERO_UUID);
  const bad = await callHandler(h, createDescribeTopicPartitionsRequest({ topics: [{ name: 'x' }], cursor: { topicName: 'y', partitionIndex: 0 } }), 0);
  assert.deepEqual(bad.topics.map((t) => [t.name, t.errorCode]), [['x', ErrorCode.INVALID_REQUEST]]);
  const negative = await callHandler(h, createDescribeTopicPartitionsRequest({ topics: [], cursor: { topicName: 'x', partitionIndex: -1 } }), 0);
  assert.deepEqual(negative.topics, []);
  const zero = await callHandler(h, createDescribeTopicPartitionsRequest({ topics: [], responsePartitionLimit: 0, cursor: null }), 0);
  assert.equal(zero.topics[0]!.partitions.length, 1);
});

test('ElectLeaders v0-2 passes through the controller with the request deadline', async () => {
  for (const v of range(ElectLeadersRequest.minVersion, ElectLeadersRequest.maxVersion)) {
    const b = new FakeBrokerContext();
    b.addBroker(2);
    b.addTopic('t', { replicas: [[1, 2], [2, 1]], leaders: [2, 2] });
    const h = createElectLeadersHandler(b);
    const r = await callHandler(h, createElectLeadersRequest({ electionType: 0, topicPartitions: [{ topic: 't', partitions: [0, 1] }], timeoutMs: 500 }), v);
    assert.deepEqual(r.replicaElectionResults[0]!.partitionResult.map((p) => [p.partitionId, p.errorCode]), [
      [0, 0],
      [1, ErrorCode.ELECTION_NOT_NEEDED],
    ]);
    assert.equal(b.controller.calls[0]!.ctx!.deadlineMs, 500);
    const all = await callHandler(h, createElectLeadersRequest({ topicPartitions: null }), v);
    assert.equal(all.replicaElectionResults[0]!.partitionResult.length, 2);
  }
});

test('UpdateFeatures v0-1 goes to the controller; v0 allow_downgrade becomes a safe downgrade', async () => {
  for (const v of range(UpdateFeaturesRequest.minVersion, UpdateFeaturesRequest.maxVersion)) {
    const b = new FakeBrokerContext();
    const h = createUpdateFeaturesHandler(b);
    const r = await callHandler(
      h,
      createUpdateFeaturesRequest({ timeoutMs: 100, featureUpdates: [{ feature: 'metadata.version', maxVersionLevel: 20, allowDowngrade: true, upgradeType: 2 }] }),
      v,
    );
    assert.equal(r.errorCode, 0);
    assert.deepEqual(r.results.map((x) => [x.feature, x.errorCode]), [['metadata.version', 0]]);
    const sent = b.controller.calls[0]!.args[0] as { featureUpdates: Array<{ upgradeType: number }> };
    assert.equal(sent.featureUpdates[0]!.upgradeType, 2);
    assert.equal(b.image().features.finalized.get('metadata.version'), 20);
  }
});

test('DescribeQuorum v0-2: the quorum of __cluster_metadata-0; other partitions and non-leaders get errors', async () => {
  const b = new FakeBrokerContext();
  b.quorumInfo = {
    ...b.quorumInfo,
    highWatermark: 42,
    currentVoters: [{ replicaId: 1, replicaDirectoryId: b.newUuid(), logEndOffset: 42, lastFetchTimestamp: 5, lastCaughtUpTimestamp: 6 }],
    observers: [{ replicaId: 7, replicaDirectoryId: ZERO_UUID, logEndOffset: 40, lastFetchTimestamp: 1, lastCaughtUpTimestamp: 2 }],
  };
  const h = createDescribeQuorumHandler(b);
  const req = createDescribeQuorumRequest({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
  for (const v of range(DescribeQuorumRequest.minVersion, DescribeQuorumRequest.maxVersion)) {
    const r = await callHandler(h, req, v);
    const p = r.topics[0]!.partitions[0]!;
    assert.deepEqual([p.errorCode, p.leaderId, p.leaderEpoch, p.highWatermark], [0, 1, 1, 42]);
    assert.deepEqual(p.currentVoters.map((s) => [s.replicaId, s.logEndOffset, s.lastFetchTimestamp]), [[1, 42, v >= 1 ? 5 : -1]]);
    assert.equal(p.currentVoters[0]!.replicaDirectoryId, v >= 2 ? b.quorumInfo.currentVoters[0]!.replicaDirectoryId : ZERO_UUID);
    assert.deepEqual(p.observers.map((s) => s.replicaId), [7]);
    assert.deepEqual(r.nodes, v >= 2 ? [{ nodeId: 1, listeners: [{ name: 'CONTROLLER', host: 'localhost', port: 9093 }] }] : []);
  }
  const wrong = await callHandler(h, createDescribeQuorumRequest({ topics: [{ topicName: 'x', partitions: [{ partitionIndex: 0 }, { partitionIndex: 1 }] }] }), 1);
  assert.deepEqual(wrong.topics[0]!.partitions.map((p) => p.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  b.leaderAndEpoch = { leaderId: 2, epoch: 3 };
  const follower = await callHandler(h, req, 2);
  assert.equal(follower.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
});
