import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_TOPIC,
  OP_APPEND,
  OP_DELETE,
  OP_SET,
  OP_SUBTRACT,
  configResourceKey,
  type ConfigResource,
  type IncrementalConfigChange,
} from '../../../src/metadata/index.js';
import {
  createCreateTopicsRequest,
  createElectLeadersRequest,
  createUpdateFeaturesRequest,
  createBrokerRegistrationRequest,
  type BrokerRegistrationRequest,
  type CreateTopicsRequestCreatableTopic,
} from '../../../src/protocol/index.js';
import { CLUSTER_ID, Harness, ctx, uuidSource } from './fake-raft.js';

function topic(name: string, init: Partial<CreateTopicsRequestCreatableTopic> = {}): CreateTopicsRequestCreatableTopic {
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...init };
}

function regRequest(init: Partial<BrokerRegistrationRequest>): BrokerRegistrationRequest {
  return createBrokerRegistrationRequest({
    clusterId: CLUSTER_ID,
    features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: 21 }],
    ...init,
  });
}

async function started(extra: Record<string, string> = {}): Promise<Harness> {
  const h = new Harness(extra).start();
  await h.addBroker(1);
  return h;
}

async function create(h: Harness, ...topics: CreateTopicsRequestCreatableTopic[]) {
  return h.run(() => h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics })));
}

test('bootstrap: the first leader of an empty log writes metadata.version 21 in a transaction', () => {
  const h = new Harness().start();
  const first = h.raft.log[1];
  assert.deepEqual(first?.records.map((r) => r.apiKey), [23, 12, 21, 24]);
  assert.equal(h.loader.image().features.metadataVersion, 21);
  assert.equal(h.controller.committedImage().features.metadataVersion, 21);
  assert.equal(h.controller.isActive(), true);
});

test('bootstrap: inter.broker.protocol.version or the option picks the level; a non-empty log is not bootstrapped again', () => {
  assert.equal(new Harness({ 'inter.broker.protocol.version': '3.7' }).start().loader.image().features.metadataVersion, 19);
  const h = new Harness({}, { bootstrapMetadataVersion: 14 }).start();
  assert.equal(h.loader.image().features.metadataVersion, 14);
  assert.deepEqual(h.raft.log[1]?.records.map((r) => r.apiKey), [23, 12, 21, 24]);
  const before = h.raft.log.length;
  h.raft.elect();
  h.raft.commit();
  assert.equal(h.raft.log.length, before + 1); // only the epoch marker
});

test('broker registration: fenced until caught up, then unfenced by a BrokerRegistrationChangeRecord', async () => {
  const h = new Harness().start();
  const reg = await h.run(() =>
    h.controller.registerBroker(
      ctx(4),
      regRequest({ brokerId: 1, incarnationId: uuidSource(9)(), logDirs: [uuidSource(10)()] }),
    ),
  );
  assert.equal(reg.errorCode, 0);
  assert.ok(reg.brokerEpoch > 0);
  assert.equal(h.loader.image().brokers.get(1)?.fenced, true);
  const behind = await h.heartbeat(1, reg.brokerEpoch, { offset: 0 });
  assert.deepEqual([behind.isCaughtUp, behind.isFenced], [false, true]);
  const caughtUp = await h.heartbeat(1, reg.brokerEpoch);
  assert.deepEqual([caughtUp.errorCode, caughtUp.isCaughtUp, caughtUp.isFenced], [0, true, false]);
  assert.equal(h.loader.image().brokers.get(1)?.fenced, false);
  const stale = await h.heartbeat(1, reg.brokerEpoch + 1);
  assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
  const wrongCluster = await h.run(() =>
    h.controller.registerBroker(ctx(4), regRequest({ brokerId: 2, clusterId: 'other', logDirs: [uuidSource(11)()] })),
  );
  assert.equal(wrongCluster.errorCode, ErrorCode.INCONSISTENT_CLUSTER_ID);
  const old = await h.run(() => h.controller.registerBroker(ctx(4), regRequest({ brokerId: 3, features: [], logDirs: [uuidSource(12)()] })));
  assert.equal(old.errorCode, ErrorCode.UNSUPPORTED_VERSION); // no range = only metadata.version 1
  const noDirs = await h.run(() => h.controller.registerBroker(ctx(4), regRequest({ brokerId: 4 })));
  assert.deepEqual([noDirs.errorCode, noDirs.brokerEpoch], [ErrorCode.INVALID_REGISTRATION, -1]);
});

test('broker registration: another incarnation within the session is refused; the same one keeps its epoch', async () => {
  const h = new Harness().start();
  const inc = uuidSource(50)();
  const epoch = await h.addBroker(1, inc);
  const dup = await h.run(() =>
    h.controller.registerBroker(ctx(4), regRequest({ brokerId: 1, incarnationId: uuidSource(51)(), logDirs: [uuidSource(201)()] })),
  );
  assert.equal(dup.errorCode, ErrorCode.DUPLICATE_BROKER_REGISTRATION);
  const again = await h.run(() =>
    h.controller.registerBroker(ctx(4), regRequest({ brokerId: 1, incarnationId: inc, logDirs: [uuidSource(201)()] })),
  );
  assert.deepEqual([again.errorCode, again.brokerEpoch], [0, epoch]);
  assert.equal(h.loader.image().brokers.get(1)?.fenced, false);
});

test('session expiry fences the broker: leaderless partitions keep their ISR, and unfencing elects it again', async () => {
  const h = await started();
  await create(h, topic('t', { numPartitions: 2 }));
  const before = h.loader.image().topics.byName.get('t')?.partitions.get(0);
  assert.equal(before?.leader, 1);
  h.clock.advance(9001);
  assert.equal(h.controller.poll(h.clock.monotonicMs()), undefined);
  h.raft.commit();
  const fenced = h.loader.image();
  assert.equal(fenced.brokers.get(1)?.fenced, true);
  const p = fenced.topics.byName.get('t')?.partitions.get(0);
  assert.deepEqual([p?.leader, p?.isr, p?.leaderEpoch], [-1, [1], 1]);
  const epoch = fenced.brokers.get(1)?.epoch as number;
  const hb = await h.heartbeat(1, epoch);
  assert.equal(hb.isFenced, false);
  const q = h.loader.image().topics.byName.get('t')?.partitions.get(0);
  assert.deepEqual([q?.leader, q?.leaderEpoch], [1, 2]);
});

test('poll returns the next session deadline', async () => {
  const h = await started();
  const next = h.controller.poll(h.clock.monotonicMs());
  assert.equal(next, h.clock.monotonicMs() + 9000 + 1);
});

test('CreateTopics: defaults, round-robin placement, leader = first replica, configs in the response; visible in the loader image at resolve', async () => {
  const h = await started({ 'num.partitions': '3' });
  let seenAtResolve: boolean | undefined;
  const res = await h.run(() =>
    h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics: [topic('orders', { configs: [{ name: 'cleanup.policy', value: 'compact' }] })] })).then((r) => {
      seenAtResolve = h.loader.image().topics.byName.has('orders');
      return r;
    }),
  );
  assert.equal(seenAtResolve, true);
  const r = res.topics[0];
  assert.equal(r?.errorCode, 0);
  assert.equal(r?.numPartitions, 3);
  assert.equal(r?.replicationFactor, 1);
  const t = h.loader.image().topics.byName.get('orders');
  assert.equal(t?.topicId, r?.topicId);
  assert.deepEqual([...(t?.partitions.keys() ?? [])], [0, 1, 2]);
  for (const p of t?.partitions.values() ?? []) {
    assert.deepEqual([p.replicas, p.isr, p.leader, p.leaderEpoch, p.partitionEpoch], [[1], [1], 1, 0, 0]);
    assert.equal(p.directories.length, 1);
  }
  const policy = r?.configs?.find((c) => c.name === 'cleanup.policy');
  assert.deepEqual(policy, { name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false });
  const seg = r?.configs?.find((c) => c.name === 'segment.bytes');
  assert.equal(seg?.configSource, 5);
  assert.deepEqual([...(h.loader.image().configs.get(configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: 'orders' })) ?? [])], [['cleanup.policy', 'compact']]);
  // Kafka's record order: TopicRecord, ConfigRecords, PartitionRecords.
  assert.deepEqual(h.raft.log[h.raft.log.length - 1]?.records.map((x) => x.apiKey), [2, 4, 3, 3, 3]);
});

test('CreateTopics: Kafka errors for names, counts, factors, duplicates and existing topics', async () => {
  const h = await started();
  await create(h, topic('a.b'));
  const res = await create(
    h,
    topic(''),
    topic('..'),
    topic('x'.repeat(250)),
    topic('bad name'),
    topic('a_b'),
    topic('a.b'),
    topic('dup'),
    topic('dup'),
    topic('p0', { numPartitions: 0 }),
    topic('pneg', { numPartitions: -2 }),
    topic('rf0', { replicationFactor: 0 }),
    topic('rf3', { replicationFactor: 3 }),
    topic('cfg', { configs: [{ name: 'no.such.config', value: '1' }] }),
    topic('cfgval', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
    topic('cfgnull', { configs: [{ name: 'retention.ms', value: null }] }),
    topic('ok', { numPartitions: 2, replicationFactor: 1 }),
  );
  const by = new Map(res.topics.map((t, i) => [`${i}:${t.name.slice(0, 10)}`, [t.errorCode, t.errorMessage]]));
  const codes = res.topics.map((t) => t.errorCode);
  assert.deepEqual(codes, [
    ErrorCode.INVALID_TOPIC_EXCEPTION,
    ErrorCode.INVALID_TOPIC_EXCEPTION,
    ErrorCode.INVALID_TOPIC_EXCEPTION,
    ErrorCode.INVALID_TOPIC_EXCEPTION,
    ErrorCode.INVALID_TOPIC_EXCEPTION,
    ErrorCode.TOPIC_ALREADY_EXISTS,
    ErrorCode.INVALID_REQUEST,
    ErrorCode.INVALID_REQUEST,
    ErrorCode.INVALID_PARTITIONS,
    ErrorCode.INVALID_PARTITIONS,
    ErrorCode.INVALID_REPLICATION_FACTOR,
    ErrorCode.INVALID_REPLICATION_FACTOR,
    ErrorCode.INVALID_CONFIG,
    ErrorCode.INVALID_CONFIG,
    ErrorCode.INVALID_CONFIG,
    0,
  ]);
  assert.equal(res.topics[0]?.errorMessage, 'Topic name is invalid: the empty string is not allowed');
  assert.equal(res.topics[4]?.errorMessage, "Topic 'a_b' collides with existing topic: a.b");
  assert.equal(res.topics[5]?.errorMessage, "Topic 'a.b' already exists.");
  assert.equal(res.topics[6]?.errorMessage, 'Duplicate topic name.');
  assert.equal(
    res.topics[11]?.errorMessage,
    'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
  );
  assert.equal(res.topics[12]?.errorMessage, 'Unknown topic config name: no.such.config');
  assert.equal(res.topics[14]?.errorMessage, 'Null value not supported for topic configs: retention.ms');
  assert.ok(by.size > 0);
  const image = h.loader.image();
  assert.deepEqual([...image.topics.byName.keys()].sort(), ['a.b', 'ok']);
});

test('CreateTopics: manual assignments and validate-only', async () => {
  const h = await started();
  const res = await create(
    h,
    topic('m', { assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }] }),
    topic('m-rf', { replicationFactor: 1, assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
    topic('m-gap', { assignments: [{ partitionIndex: 1, brokerIds: [1] }] }),
    topic('m-unknown', { assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
    topic('m-twice', { assignments: [{ partitionIndex: 0, brokerIds: [1, 1] }] }),
    topic('m-empty', { assignments: [{ partitionIndex: 0, brokerIds: [] }] }),
  );
  assert.deepEqual(
    res.topics.map((t) => t.errorCode),
    [0, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
  );
  assert.equal(res.topics[0]?.numPartitions, 2);
  assert.equal(res.topics[3]?.errorMessage, 'The manual partition assignment includes broker 7, but no such broker is registered.');
  const before = h.raft.log.length;
  const v = await h.run(() => h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics: [topic('v')], validateOnly: true })));
  assert.equal(v.topics[0]?.errorCode, 0);
  assert.equal(h.raft.log.length, before);
  assert.equal(h.loader.image().topics.byName.has('v'), false);
});

test('a write validates against uncommitted writes (no double create before commit)', async () => {
  const h = await started();
  const p1 = h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics: [topic('same')] }));
  const p2 = h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics: [topic('same')] }));
  let done = false;
  void p2.then(() => (done = true));
  await Promise.resolve();
  assert.equal(done, false); // waits for commit
  h.raft.commit();
  const [r1, r2] = await Promise.all([p1, p2]);
  assert.equal(r1.topics[0]?.errorCode, 0);
  assert.equal(r2.topics[0]?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});

test('leader loss drops uncommitted writes: pending answers NOT_CONTROLLER, state resyncs to committed', async () => {
  const h = await started();
  const p = h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics: [topic('lost')] }));
  assert.equal(h.controller.latestImage().topics.byName.has('lost'), true);
  h.raft.resign(2);
  const r = await p;
  assert.equal(r.topics[0]?.errorCode, ErrorCode.NOT_CONTROLLER);
  assert.equal(h.controller.latestImage().topics.byName.has('lost'), false);
  assert.equal(h.controller.isActive(), false);
  const again = await create(h, topic('x'));
  assert.equal(again.topics[0]?.errorCode, ErrorCode.NOT_CONTROLLER);
  h.raft.elect();
  h.raft.commit();
  const ok = await create(h, topic('lost'));
  assert.equal(ok.topics[0]?.errorCode, 0);
});

test('an append raft refuses fails only that command', async () => {
  const h = await started();
  const pending = h.controller.createTopics(ctx(), createCreateTopicsRequest({ topics: [topic('kept')] }));
  h.raft.failNextAppend = true;
  const r = await create(h, topic('f'));
  assert.equal(r.topics[0]?.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal((await pending).topics[0]?.errorCode, 0);
  assert.equal(h.controller.latestImage().topics.byName.has('f'), false);
  assert.equal(h.loader.image().topics.byName.has('kept'), true);
});

test('deadlines: an expired request is answered REQUEST_TIMED_OUT; poll times out writes waiting for commit', async () => {
  const h = await started();
  const late = await h.run(() => h.controller.createTopics(ctx(7, h.clock.monotonicMs() - 1), createCreateTopicsRequest({ topics: [topic('late')] })));
  assert.equal(late.topics[0]?.errorCode, ErrorCode.REQUEST_TIMED_OUT);
  const p = h.controller.createTopics(ctx(7, h.clock.monotonicMs() + 100), createCreateTopicsRequest({ topics: [topic('slow')] }));
  h.clock.advance(101);
  h.controller.poll(h.clock.monotonicMs());
  assert.equal((await p).topics[0]?.errorCode, ErrorCode.REQUEST_TIMED_OUT);
});

test('DeleteTopics by id removes the topic and its configs; unknown ids answer UNKNOWN_TOPIC_ID', async () => {
  const h = await started();
  const c = await create(h, topic('gone', { configs: [{ name: 'retention.ms', value: '1000' }] }));
  const id = c.topics[0]?.topicId as string;
  assert.deepEqual(h.controller.findTopicIds(['gone', 'nope']), new Map<string, unknown>([
    ['gone', { topicId: id }],
    ['nope', { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null }],
  ]));
  assert.deepEqual(h.controller.findTopicNames([id]).get(id), { name: 'gone' });
  const unknown = uuidSource(77)();
  const res = await h.run(() => h.controller.deleteTopics(ctx(), [id, unknown]));
  assert.equal(res.get(id)?.errorCode, 0);
  assert.equal(res.get(unknown)?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  const image = h.loader.image();
  assert.equal(image.topics.byName.has('gone'), false);
  assert.equal(image.configs.has(configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: 'gone' })), false);
  const disabled = await started({ 'delete.topic.enable': 'false' });
  const d = await disabled.run(() => disabled.controller.deleteTopics(ctx(), [unknown]));
  assert.equal(d.get(unknown)?.errorCode, ErrorCode.TOPIC_DELETION_DISABLED);
});

test('CreatePartitions: grows a topic; not increasing is INVALID_PARTITIONS', async () => {
  const h = await started();
  await create(h, topic('g', { numPartitions: 1 }));
  const res = await h.run(() =>
    h.controller.createPartitions(ctx(), [
      { name: 'g', count: 3, assignments: null },
      { name: 'missing', count: 3, assignments: null },
    ], false),
  );
  assert.deepEqual(res.map((r) => r.errorCode), [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal(h.loader.image().topics.byName.get('g')?.partitions.size, 3);
  const same = await h.run(() => h.controller.createPartitions(ctx(), [{ name: 'g', count: 3, assignments: null }], false));
  assert.deepEqual([same[0]?.errorCode, same[0]?.errorMessage], [ErrorCode.INVALID_PARTITIONS, 'Topic already has 3 partition(s).']);
  const less = await h.run(() => h.controller.createPartitions(ctx(), [{ name: 'g', count: 2, assignments: null }], false));
  assert.equal(less[0]?.errorMessage, 'The topic g currently has 3 partition(s); 2 would not be an increase.');
  const wrong = await h.run(() => h.controller.createPartitions(ctx(), [{ name: 'g', count: 5, assignments: [{ brokerIds: [1] }] }], false));
  assert.equal(wrong[0]?.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  const vo = await h.run(() => h.controller.createPartitions(ctx(), [{ name: 'g', count: 4, assignments: [{ brokerIds: [1] }] }], true));
  assert.equal(vo[0]?.errorCode, 0);
  assert.equal(h.loader.image().topics.byName.get('g')?.partitions.size, 3);
});

test('ElectLeaders: ELECTION_NOT_NEEDED for the preferred leader, UNKNOWN_TOPIC_OR_PARTITION otherwise', async () => {
  const h = await started();
  await create(h, topic('e', { numPartitions: 2 }));
  const res = await h.run(() =>
    h.controller.electLeaders(ctx(2), createElectLeadersRequest({ electionType: 0, topicPartitions: [{ topic: 'e', partitions: [0, 5] }, { topic: 'zz', partitions: [0] }] })),
  );
  const codes = res.replicaElectionResults.map((t) => t.partitionResult.map((p) => p.errorCode));
  assert.deepEqual(codes, [[ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  const all = await h.run(() => h.controller.electLeaders(ctx(2), createElectLeadersRequest({ electionType: 0, topicPartitions: null })));
  assert.equal(all.replicaElectionResults[0]?.partitionResult.length, 2);
});

function changes(resource: ConfigResource, ops: [string, number, string | null][]): Map<ConfigResource, Map<string, IncrementalConfigChange>> {
  return new Map([[resource, new Map(ops.map(([k, op, value]) => [k, { op, value }]))]]);
}

test('IncrementalAlterConfigs: SET/DELETE/APPEND/SUBTRACT on topics, list types only for APPEND', async () => {
  const h = await started();
  await create(h, topic('c'));
  const res = { type: CONFIG_RESOURCE_TOPIC, name: 'c' };
  const key = configResourceKey(res);
  const r1 = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(res, [['retention.ms', OP_SET, '5000'], ['cleanup.policy', OP_APPEND, 'compact']]), false));
  assert.equal(r1.get(res)?.errorCode, 0);
  assert.deepEqual(Object.fromEntries(h.loader.image().configs.get(key) ?? []), { 'retention.ms': '5000', 'cleanup.policy': 'delete,compact' });
  await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(res, [['cleanup.policy', OP_SUBTRACT, 'delete'], ['retention.ms', OP_DELETE, null]]), false));
  assert.deepEqual(Object.fromEntries(h.loader.image().configs.get(key) ?? []), { 'cleanup.policy': 'compact' });
  const bad = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(res, [['retention.ms', OP_APPEND, '1']]), false));
  assert.deepEqual(bad.get(res), { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: "Can't APPEND to key retention.ms because its type is not LIST." });
  const unknownName = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(res, [['nope', OP_SET, '1']]), false));
  assert.equal(unknownName.get(res)?.errorCode, ErrorCode.INVALID_CONFIG);
  const missing = { type: CONFIG_RESOURCE_TOPIC, name: 'missing' };
  const m = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(missing, [['retention.ms', OP_SET, '1']]), false));
  assert.deepEqual(m.get(missing), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "The topic 'missing' does not exist." });
  const vo = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(res, [['retention.ms', OP_SET, '9']]), true));
  assert.equal(vo.get(res)?.errorCode, 0);
  assert.equal(h.loader.image().configs.get(key)?.has('retention.ms'), false);
});

test('broker configs: dynamic ones per broker and cluster-wide; read-only ones refused with INVALID_REQUEST', async () => {
  const h = await started();
  const broker = { type: CONFIG_RESOURCE_BROKER, name: '1' };
  const cluster = { type: CONFIG_RESOURCE_BROKER, name: '' };
  const ok = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(cluster, [['log.retention.ms', OP_SET, '1000']]), false));
  assert.equal(ok.get(cluster)?.errorCode, 0);
  const ro = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes(broker, [['log.dirs', OP_SET, '/x']]), false));
  assert.equal(ro.get(broker)?.errorCode, ErrorCode.INVALID_REQUEST);
  assert.match(ro.get(broker)?.errorMessage ?? '', /Cannot update these configs dynamically: Set\(log\.dirs\)/);
  const badNum = await h.run(() => h.controller.incrementalAlterConfigs(ctx(), changes({ type: CONFIG_RESOURCE_BROKER, name: 'x' }, [['log.retention.ms', OP_SET, '1']]), false));
  assert.equal([...badNum.values()][0]?.errorCode, ErrorCode.INVALID_REQUEST);
  // The cluster default now feeds topic defaults reported by CreateTopics.
  const c = await create(h, topic('after'));
  assert.deepEqual(c.topics[0]?.configs?.find((e) => e.name === 'retention.ms'), { name: 'retention.ms', value: '1000', readOnly: false, configSource: 3, isSensitive: false });
});

test('legacy AlterConfigs replaces the whole set of a resource', async () => {
  const h = await started();
  await create(h, topic('l', { configs: [{ name: 'retention.ms', value: '1' }, { name: 'segment.ms', value: '100000' }] }));
  const res = { type: CONFIG_RESOURCE_TOPIC, name: 'l' };
  const r = await h.run(() => h.controller.legacyAlterConfigs(ctx(), new Map([[res, new Map([['retention.ms', '2']])]]), false));
  assert.equal(r.get(res)?.errorCode, 0);
  assert.deepEqual(Object.fromEntries(h.loader.image().configs.get(configResourceKey(res)) ?? []), { 'retention.ms': '2' });
});

test('UpdateFeatures: upgrade rules, downgrade refused for metadata.version, unknown feature INVALID_UPDATE_VERSION, validate-only', async () => {
  const h = new Harness({}, { bootstrapMetadataVersion: 20 }).start();
  await h.addBroker(1);
  const upd = (feature: string, level: number, upgradeType = 1, validateOnly = false) =>
    h.run(() =>
      h.controller.updateFeatures(ctx(1), createUpdateFeaturesRequest({ featureUpdates: [{ feature, maxVersionLevel: level, allowDowngrade: false, upgradeType }], validateOnly })),
    );
  const unknown = await upd('no.such.feature', 1);
  assert.equal(unknown.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.equal(unknown.errorMessage, 'Invalid update version 1 for feature no.such.feature. Local controller 1 does not support this feature.');
  const vo = await upd('metadata.version', 21, 1, true);
  assert.equal(vo.errorCode, 0);
  assert.equal(h.loader.image().features.metadataVersion, 20);
  const up = await upd('metadata.version', 21);
  assert.equal(up.errorCode, 0);
  assert.equal(h.loader.image().features.metadataVersion, 21);
  const down = await upd('metadata.version', 20);
  assert.equal(down.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  const safe = await upd('metadata.version', 20, 2);
  assert.match(safe.errorMessage ?? '', /Refusing to perform the requested downgrade/);
  const tooHigh = await upd('metadata.version', 22);
  assert.match(tooHigh.errorMessage ?? '', /only supports versions 1-21/);
});

test('AllocateProducerIds hands out consecutive blocks of 1000 and checks the broker epoch', async () => {
  const h = new Harness().start();
  const epoch = await h.addBroker(1);
  const a = await h.run(() => h.controller.allocateProducerIds(ctx(0), { brokerId: 1, brokerEpoch: epoch }));
  const b = await h.run(() => h.controller.allocateProducerIds(ctx(0), { brokerId: 1, brokerEpoch: epoch }));
  assert.deepEqual([a.producerIdStart, a.producerIdLen, b.producerIdStart], [0, 1000, 1000]);
  assert.equal(h.loader.image().nextProducerId, 2000);
  const stale = await h.run(() => h.controller.allocateProducerIds(ctx(0), { brokerId: 1, brokerEpoch: epoch + 5 }));
  assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
});

test('controlled shutdown: leaderships move away, then shutdown now', async () => {
  const h = new Harness().start();
  const epoch = await h.addBroker(1);
  await create(h, topic('s'));
  const first = await h.heartbeat(1, epoch, { wantShutDown: true });
  assert.deepEqual([first.shouldShutDown, first.isFenced], [false, false]);
  assert.equal(h.loader.image().brokers.get(1)?.inControlledShutdown, true);
  assert.equal(h.loader.image().topics.byName.get('s')?.partitions.get(0)?.leader, -1);
  const second = await h.heartbeat(1, epoch, { wantShutDown: true });
  assert.deepEqual([second.shouldShutDown, second.isFenced], [true, true]);
  assert.equal(h.loader.image().brokers.get(1)?.fenced, true);
});

test('snapshot → reload: a fresh loader and controller fed the snapshot and the log tail equal the live image', async () => {
  const h = new Harness({}, { snapshotBytes: 1 }).start();
  await h.addBroker(1);
  await create(h, topic('one', { numPartitions: 2, configs: [{ name: 'retention.ms', value: '7' }] }));
  assert.ok(h.raft.snapshots.length > 0);
  await create(h, topic('two'));
  const snap = h.raft.snapshots[h.raft.snapshots.length - 1];
  assert.ok(snap !== undefined);
  const h2 = new Harness();
  h2.loader.handleLoadSnapshot(h2.raft.snapshotReader(snap));
  h2.controller.handleLoadSnapshot(h2.raft.snapshotReader(snap));
  for (const b of h.raft.log) {
    if (b.lastOffset < snap.offset) continue;
    h2.loader.handleCommit(b);
    h2.controller.handleCommit(b);
  }
  const live = h.loader.image();
  const reloaded = h2.loader.image();
  assert.deepEqual(reloaded.topics, live.topics);
  assert.deepEqual(reloaded.brokers, live.brokers);
  assert.deepEqual(reloaded.configs, live.configs);
  assert.deepEqual(reloaded.features, live.features);
  assert.deepEqual(reloaded.provenance, live.provenance);
  assert.deepEqual(h2.controller.committedImage().topics, live.topics);
});

test('restart of a combined node: the co-located broker re-registers at once over its inherited session; another broker id waits it out', async () => {
  const h = new Harness().start();
  await h.addBroker(1);
  await h.addBroker(2);
  // A new controller process over the same log (loader first, as always).
  const h2 = new Harness();
  for (const b of h.raft.log) h2.raft.log.push(b);
  h2.raft.leader = { leaderId: -1, epoch: h.raft.leader.epoch };
  h2.raft.commit();
  h2.raft.elect();
  h2.raft.commit();
  assert.equal(h2.controller.isActive(), true);
  const again1 = await h2.run(() => h2.controller.registerBroker(ctx(4), regRequest({ brokerId: 1, incarnationId: uuidSource(300)(), logDirs: [uuidSource(201)()] })));
  assert.equal(again1.errorCode, 0);
  const again2 = await h2.run(() => h2.controller.registerBroker(ctx(4), regRequest({ brokerId: 2, incarnationId: uuidSource(301)(), logDirs: [uuidSource(202)()] })));
  assert.equal(again2.errorCode, ErrorCode.DUPLICATE_BROKER_REGISTRATION);
  h2.clock.advance(9001);
  h2.controller.poll(h2.clock.monotonicMs());
  h2.raft.commit();
  const later = await h2.run(() => h2.controller.registerBroker(ctx(4), regRequest({ brokerId: 2, incarnationId: uuidSource(301)(), logDirs: [uuidSource(202)()] })));
  assert.equal(later.errorCode, 0);
});
