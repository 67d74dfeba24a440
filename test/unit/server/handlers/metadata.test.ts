import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZERO_UUID } from '../../../../src/common/index.js';
import { MetadataRequest, createMetadataRequest } from '../../../../src/protocol/index.js';
import { createMetadataHandler } from '../../../../src/server/handlers/metadata.js';
import { CLUSTER_AUTHORIZED_OPERATIONS, TOPIC_AUTHORIZED_OPERATIONS } from '../../../../src/server/handlers/admin-support.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';

const VERSIONS = Array.from({ length: MetadataRequest.maxVersion + 1 }, (_, v) => v);
const byName = (names: string[]) => names.map((name) => ({ topicId: ZERO_UUID, name }));

function cluster(props: Record<string, string> = {}) {
  const b = new FakeBrokerContext({ props });
  b.addBroker(2, { rack: 'r2' });
  b.addTopic('a', { partitions: 2, replicationFactor: 2 });
  b.addTopic('__consumer_offsets', { partitions: 1 });
  return b;
}

test('handler declares every schema version', () => {
  const h = createMetadataHandler(new FakeBrokerContext());
  assert.equal(h.minVersion, MetadataRequest.minVersion);
  assert.equal(h.maxVersion, MetadataRequest.maxVersion);
});

test('all topics: null (v1+) or empty in v0; empty from v1 means none', async () => {
  const b = cluster();
  const h = createMetadataHandler(b);
  for (const v of VERSIONS) {
    const empty = await callHandler(h, createMetadataRequest({ topics: [] }), v);
    assert.deepEqual(empty.topics.map((t) => t.name), v === 0 ? ['__consumer_offsets', 'a'] : [], `v${v} empty`);
    if (v >= 1) {
      const all = await callHandler(h, createMetadataRequest({ topics: null }), v);
      assert.deepEqual(all.topics.map((t) => t.name), ['__consumer_offsets', 'a'], `v${v} null`);
      assert.equal(all.topics[0]?.isInternal, true);
      assert.equal(all.topics[1]?.isInternal, false);
    }
  }
  assert.equal(b.controller.calls.filter((c) => c.method === 'createTopics').length, 0);
});

test('brokers, cluster id, controller id, partitions per version', async () => {
  const b = cluster();
  const h = createMetadataHandler(b);
  const topic = b.image().topics.byName.get('a')!;
  for (const v of VERSIONS) {
    const r = await callHandler(h, createMetadataRequest({ topics: byName(['a']) }), v);
    assert.deepEqual(r.brokers.map((x) => [x.nodeId, x.host, x.port, x.rack]), [
      [1, 'localhost', 9092, null],
      [2, 'localhost', 9102, v >= 1 ? 'r2' : null],
    ]);
    assert.equal(r.clusterId, v >= 2 ? b.clusterId : null);
    assert.equal(r.controllerId, v >= 1 ? 1 : -1);
    const t = r.topics[0]!;
    assert.equal(t.errorCode, 0);
    assert.equal(t.topicId, v >= 10 ? topic.topicId : ZERO_UUID);
    assert.deepEqual(
      t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.leaderId, p.replicaNodes, p.isrNodes]),
      [
        [0, 0, 1, [1, 2], [1, 2]],
        [1, 0, 2, [2, 1], [2, 1]],
      ],
    );
    assert.equal(t.partitions[0]!.leaderEpoch, v >= 7 ? 0 : -1);
    assert.equal(t.topicAuthorizedOperations, -2147483648);
    assert.equal(r.clusterAuthorizedOperations, -2147483648);
  }
});

test('fenced replica: offline (v5+), filtered with REPLICA_NOT_AVAILABLE only in v0; fenced brokers are not listed', async () => {
  const b = cluster();
  b.setFenced(2, true);
  const h = createMetadataHandler(b);
  for (const v of VERSIONS) {
    const r = await callHandler(h, createMetadataRequest({ topics: byName(['a']) }), v);
    assert.deepEqual(r.brokers.map((x) => x.nodeId), [1]);
    const [p0, p1] = r.topics[0]!.partitions;
    assert.deepEqual(p0!.offlineReplicas, v >= 5 ? [2] : []);
    if (v === 0) {
      assert.equal(p0!.errorCode, ErrorCode.REPLICA_NOT_AVAILABLE);
      assert.deepEqual(p0!.replicaNodes, [1]);
    } else {
      assert.equal(p0!.errorCode, 0);
      assert.deepEqual(p0!.replicaNodes, [1, 2]);
    }
    // Kafka still names a fenced leader that has the listener.
    assert.equal(p1!.leaderId, 2);
  }
});

test('leader without an endpoint on the listener: LISTENER_NOT_FOUND from v6, LEADER_NOT_AVAILABLE before; no leader: LEADER_NOT_AVAILABLE', async () => {
  const b = new FakeBrokerContext();
  b.addBroker(3, { listeners: [{ name: 'OTHER', host: 'h', port: 1 }] });
  b.addTopic('t', { replicas: [[3], [1]], leaders: [3, -1] });
  const h = createMetadataHandler(b);
  for (const v of VERSIONS) {
    const r = await callHandler(h, createMetadataRequest({ topics: byName(['t']) }), v);
    const [p0, p1] = r.topics[0]!.partitions;
    assert.equal(p0!.errorCode, v >= 6 ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE, `v${v}`);
    assert.equal(p0!.leaderId, -1);
    assert.equal(p1!.errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
    // On the OTHER listener broker 3 is the leader.
    const other = await callHandler(h, createMetadataRequest({ topics: byName(['t']) }), v, { listenerName: 'OTHER' });
    assert.equal(other.topics[0]!.partitions[0]!.leaderId, 3);
    assert.deepEqual(other.brokers.map((x) => [x.nodeId, x.host, x.port]), [[3, 'h', 1]]);
  }
});

test('auto-creation: always before v4, per allow_auto_topic_creation from v4, with num.partitions and default.replication.factor', async () => {
  for (const v of VERSIONS) {
    for (const allow of [true, false]) {
      const b = new FakeBrokerContext({ props: { 'num.partitions': '3' } });
      const h = createMetadataHandler(b);
      const r = await callHandler(h, createMetadataRequest({ topics: byName(['new-topic']), allowAutoTopicCreation: allow }), v);
      const creates = allow || v < 4;
      const t = r.topics[0]!;
      assert.equal(t.errorCode, creates ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} allow=${allow}`);
      assert.equal(t.partitions.length, creates ? 3 : 0);
      const calls = b.controller.calls.filter((c) => c.method === 'createTopics');
      assert.equal(calls.length, creates ? 1 : 0);
      if (creates) {
        const req = calls[0]!.args[0] as { topics: Array<{ name: string; numPartitions: number; replicationFactor: number }> };
        assert.deepEqual(req.topics.map((x) => [x.name, x.numPartitions, x.replicationFactor]), [['new-topic', 3, 1]]);
        assert.equal(t.topicId, v >= 10 ? b.image().topics.byName.get('new-topic')!.topicId : ZERO_UUID);
      }
    }
  }
});

test('auto.create.topics.enable=false: unknown topics are UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const b = new FakeBrokerContext({ props: { 'auto.create.topics.enable': 'false' } });
  const r = await callHandler(createMetadataHandler(b), createMetadataRequest({ topics: byName(['x']) }), 1);
  assert.equal(r.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(b.controller.calls.length, 0);
});

test('invalid names get INVALID_TOPIC_EXCEPTION and are never created', async () => {
  const b = new FakeBrokerContext();
  const r = await callHandler(createMetadataHandler(b), createMetadataRequest({ topics: byName(['bad name', '..', 'ok']) }), 9);
  assert.deepEqual(r.topics.map((t) => [t.name, t.errorCode]), [
    ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['..', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['ok', 0],
  ]);
  const req = b.controller.calls[0]!.args[0] as { topics: Array<{ name: string }> };
  assert.deepEqual(req.topics.map((t) => t.name), ['ok']);
});

test('auto-creation race (TOPIC_ALREADY_EXISTS) answers from the image; other refusals answer LEADER_NOT_AVAILABLE', async () => {
  const b = new FakeBrokerContext();
  const h = createMetadataHandler(b);
  b.controller.createTopicsResult = (req) => {
    b.addTopic('raced', { partitions: 2 });
    return { throttleTimeMs: 0, topics: req.topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: [] })) };
  };
  const r = await callHandler(h, createMetadataRequest({ topics: byName(['raced']) }), 12);
  assert.equal(r.topics[0]!.errorCode, 0);
  assert.equal(r.topics[0]!.partitions.length, 2);
  const b2 = new FakeBrokerContext({ props: { 'default.replication.factor': '3' } });
  const r2 = await callHandler(createMetadataHandler(b2), createMetadataRequest({ topics: byName(['x']) }), 12);
  assert.equal(r2.topics[0]!.errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
  assert.equal(b2.logged.filter((l) => l.level === 'warn').length, 1);
});

test('internal topics are auto-created with the coordinators\' settings', async () => {
  const b = new FakeBrokerContext({ props: { 'offsets.topic.num.partitions': '4', 'offsets.topic.replication.factor': '1' } });
  const r = await callHandler(createMetadataHandler(b), createMetadataRequest({ topics: byName(['__consumer_offsets']) }), 12);
  assert.equal(r.topics[0]!.isInternal, true);
  assert.equal(r.topics[0]!.partitions.length, 4);
  const req = b.controller.calls[0]!.args[0] as { topics: Array<{ configs: Array<{ name: string; value: string }> }> };
  assert.deepEqual(req.topics[0]!.configs.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
});

test('the creation starts synchronously inside handle() (pipelined requests keep their order)', async () => {
  const b = new FakeBrokerContext();
  b.controller.hold = true;
  const h = createMetadataHandler(b);
  const pending = callHandler(h, createMetadataRequest({ topics: byName(['t1']) }), 12);
  await Promise.resolve();
  assert.equal(b.controller.calls.length, 1);
  b.controller.release();
  const r = await pending;
  assert.equal(r.topics[0]!.errorCode, 0);
});

test('topic ids: v12 looks topics up by id; unknown ids get UNKNOWN_TOPIC_ID with a null name', async () => {
  const b = cluster();
  const a = b.image().topics.byName.get('a')!;
  const h = createMetadataHandler(b);
  const unknown = b.newUuid();
  const r = await callHandler(h, createMetadataRequest({ topics: [{ topicId: a.topicId, name: null }, { topicId: unknown, name: null }] }), 12);
  const byId = new Map(r.topics.map((t) => [t.topicId, t]));
  assert.equal(byId.get(a.topicId)!.name, 'a');
  assert.equal(byId.get(a.topicId)!.errorCode, 0);
  assert.equal(byId.get(unknown)!.name, null);
  assert.equal(byId.get(unknown)!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.equal(b.controller.calls.length, 0);
});

test('v10-11: a null name or a topic id is an invalid request', async () => {
  const b = cluster();
  const h = createMetadataHandler(b);
  for (const v of [10, 11]) {
    const r = await callHandler(h, createMetadataRequest({ topics: [{ topicId: b.newUuid(), name: 'a' }] }), v);
    assert.equal(r.topics[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(r.brokers.length, 0);
  }
});

test('authorized operations: the allow-all bitfields when asked (v8+; cluster only v8-10)', async () => {
  const b = cluster();
  const h = createMetadataHandler(b);
  assert.equal(TOPIC_AUTHORIZED_OPERATIONS, 3576);
  assert.equal(CLUSTER_AUTHORIZED_OPERATIONS, 8096);
  for (const v of [8, 9, 10, 11, 12]) {
    const r = await callHandler(
      h,
      createMetadataRequest({ topics: byName(['a', 'missing']), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: true }),
      v,
    );
    assert.deepEqual(r.topics.map((t) => t.topicAuthorizedOperations), [3576, 3576]);
    assert.equal(r.clusterAuthorizedOperations, v <= 10 ? 8096 : -2147483648);
  }
});
