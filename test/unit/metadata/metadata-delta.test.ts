import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_TOPIC,
  EMPTY_IMAGE,
  MetadataDelta,
  MetadataReplayError,
  OP_SET,
  configResourceKey,
  imageToRecords,
  record,
  type ApiMessageAndVersion,
  type MetadataImage,
} from '../../../src/metadata/index.js';
import {
  BrokerRegistrationChangeRecord,
  ConfigRecord,
  FeatureLevelRecord,
  PartitionChangeRecord,
  PartitionRecord,
  RegisterBrokerRecord,
  RemoveTopicRecord,
  TopicRecord,
  UnregisterBrokerRecord,
  createCreateTopicsRequest,
} from '../../../src/protocol/index.js';
import { Prng } from '../../../src/testkit/index.js';
import { Harness, ctx, roundTrip, uuidSource } from './fake-raft.js';

const T1 = 'AAAAAAAAAAAAAAAAAAAAAQ';
const T2 = 'AAAAAAAAAAAAAAAAAAAAAg';
const at = (offset: number) => ({ lastContainedOffset: offset, lastContainedEpoch: 1, lastContainedLogTimeMs: 1000 + offset });

function replayAll(image: MetadataImage, records: ApiMessageAndVersion[], offset: number): MetadataImage {
  const d = new MetadataDelta(image);
  for (const r of records) d.replay(r);
  return d.apply(at(offset));
}

function base(): MetadataImage {
  return replayAll(
    EMPTY_IMAGE,
    [
      record(FeatureLevelRecord, FeatureLevelRecord.create({ name: 'metadata.version', featureLevel: 21 })),
      record(RegisterBrokerRecord, RegisterBrokerRecord.create({ brokerId: 1, brokerEpoch: 5, fenced: true, logDirs: [T2] }), 3),
      record(TopicRecord, TopicRecord.create({ name: 'a', topicId: T1 })),
      record(PartitionRecord, PartitionRecord.create({ partitionId: 0, topicId: T1, replicas: [1, 2], isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 0 })),
      record(TopicRecord, TopicRecord.create({ name: 'b', topicId: T2 })),
      record(PartitionRecord, PartitionRecord.create({ partitionId: 0, topicId: T2, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 })),
      record(ConfigRecord, ConfigRecord.create({ resourceType: CONFIG_RESOURCE_TOPIC, resourceName: 'a', name: 'retention.ms', value: '5' })),
    ],
    6,
  );
}

test('PartitionChangeRecord: absent fields are unchanged; a leader change bumps the leader epoch, any change the partition epoch', () => {
  const img = base();
  const p0 = img.topics.byId.get(T1)?.partitions.get(0);
  assert.deepEqual(p0?.directories, ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA']); // v0: MIGRATING
  const isrOnly = replayAll(img, [record(PartitionChangeRecord, PartitionChangeRecord.create({ topicId: T1, partitionId: 0, isr: [1] }))], 7);
  const p1 = isrOnly.topics.byId.get(T1)?.partitions.get(0);
  assert.deepEqual([p1?.isr, p1?.leader, p1?.leaderEpoch, p1?.partitionEpoch, p1?.replicas], [[1], 1, 0, 1, [1, 2]]);
  const leader = replayAll(isrOnly, [record(PartitionChangeRecord, PartitionChangeRecord.create({ topicId: T1, partitionId: 0, leader: -1 }))], 8);
  const p2 = leader.topics.byId.get(T1)?.partitions.get(0);
  assert.deepEqual([p2?.isr, p2?.leader, p2?.leaderEpoch, p2?.partitionEpoch], [[1], -1, 1, 2]);
  const same = replayAll(leader, [record(PartitionChangeRecord, PartitionChangeRecord.create({ topicId: T1, partitionId: 0, leader: -1, leaderRecoveryState: 1 }))], 9);
  const p3 = same.topics.byId.get(T1)?.partitions.get(0);
  assert.deepEqual([p3?.leaderEpoch, p3?.leaderRecoveryState], [2, 1]);
});

test('apply shares what did not change with the previous image', () => {
  const img = base();
  const next = replayAll(img, [record(PartitionChangeRecord, PartitionChangeRecord.create({ topicId: T1, partitionId: 0, isr: [1] }))], 7);
  assert.notEqual(next.topics.byId.get(T1), img.topics.byId.get(T1));
  assert.equal(next.topics.byId.get(T2), img.topics.byId.get(T2));
  assert.equal(next.brokers, img.brokers);
  assert.equal(next.configs, img.configs);
  assert.equal(next.features, img.features);
  assert.deepEqual(next.provenance, at(7));
});

test('RemoveTopicRecord removes the topic and its configs; the name can be reused in the same delta', () => {
  const img = base();
  const next = replayAll(
    img,
    [
      record(RemoveTopicRecord, RemoveTopicRecord.create({ topicId: T1 })),
      record(TopicRecord, TopicRecord.create({ name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAw' })),
    ],
    7,
  );
  assert.equal(next.topics.byId.has(T1), false);
  assert.equal(next.topics.byName.get('a')?.topicId, 'AAAAAAAAAAAAAAAAAAAAAw');
  assert.equal(next.topics.byName.get('a')?.partitions.size, 0);
  assert.equal(next.configs.has(configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: 'a' })), false);
});

test('configs: null deletes, an emptied resource disappears; broker default is the empty name', () => {
  const img = base();
  const key = configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: 'a' });
  const next = replayAll(
    img,
    [
      record(ConfigRecord, ConfigRecord.create({ resourceType: CONFIG_RESOURCE_TOPIC, resourceName: 'a', name: 'retention.ms', value: null })),
      record(ConfigRecord, ConfigRecord.create({ resourceType: CONFIG_RESOURCE_BROKER, resourceName: '', name: 'log.retention.ms', value: '1' })),
    ],
    7,
  );
  assert.equal(next.configs.has(key), false);
  assert.deepEqual([...(next.configs.get('4:') ?? [])], [['log.retention.ms', '1']]);
});

test('brokers: registration change fences/unfences by epoch; unregister removes; a wrong epoch is a replay error', () => {
  const img = base();
  const b = img.brokers.get(1);
  assert.deepEqual([b?.fenced, b?.epoch, b?.logDirs], [true, 5, [T2]]);
  const unfenced = replayAll(img, [record(BrokerRegistrationChangeRecord, BrokerRegistrationChangeRecord.create({ brokerId: 1, brokerEpoch: 5, fenced: -1 }))], 7);
  assert.equal(unfenced.brokers.get(1)?.fenced, false);
  assert.deepEqual(unfenced.brokers.get(1)?.logDirs, [T2]);
  const gone = replayAll(unfenced, [record(UnregisterBrokerRecord, UnregisterBrokerRecord.create({ brokerId: 1, brokerEpoch: 5 }))], 8);
  assert.equal(gone.brokers.size, 0);
  const d = new MetadataDelta(img);
  assert.throws(() => d.replay(record(BrokerRegistrationChangeRecord, BrokerRegistrationChangeRecord.create({ brokerId: 1, brokerEpoch: 4, fenced: 1 }))), MetadataReplayError);
  assert.throws(() => d.replay(record(PartitionRecord, PartitionRecord.create({ topicId: 'AAAAAAAAAAAAAAAAAAAABA' }))), MetadataReplayError);
  assert.throws(() => d.replay(record(TopicRecord, TopicRecord.create({ name: 'a', topicId: T1 }))), MetadataReplayError);
});

test('features: level 0 removes a feature; metadata.version is tracked separately', () => {
  const img = replayAll(base(), [record(FeatureLevelRecord, FeatureLevelRecord.create({ name: 'group.version', featureLevel: 1 }))], 7);
  assert.equal(img.features.finalized.get('group.version'), 1);
  const off = replayAll(img, [record(FeatureLevelRecord, FeatureLevelRecord.create({ name: 'group.version', featureLevel: 0 }))], 8);
  assert.equal(off.features.finalized.has('group.version'), false);
  assert.equal(off.features.metadataVersion, 21);
});

function sameImage(a: MetadataImage, b: MetadataImage, what: string): void {
  assert.deepEqual(a.features, b.features, `${what}: features`);
  assert.deepEqual(a.brokers, b.brokers, `${what}: brokers`);
  assert.deepEqual(a.topics, b.topics, `${what}: topics`);
  assert.deepEqual(a.configs, b.configs, `${what}: configs`);
  assert.equal(a.nextProducerId, b.nextProducerId, `${what}: producer ids`);
}

function fromRecords(image: MetadataImage): MetadataImage {
  const d = new MetadataDelta(EMPTY_IMAGE);
  for (const r of imageToRecords(image)) d.replay(roundTrip(r));
  return d.apply(image.provenance);
}

test('property: imageToRecords replayed into an empty image reproduces the image, after random controller operations', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const prng = new Prng(seed);
    const h = new Harness({ 'num.partitions': '2' }).start();
    const epochs = new Map<number, number>();
    epochs.set(1, await h.addBroker(1));
    const names = ['a', 'b', 'c.d', 'e_f', 'g'];
    const newId = uuidSource(seed * 7);
    for (let step = 0; step < 40; step++) {
      const what = `seed ${seed} step ${step}`;
      const op = prng.nextInt(8);
      const name = prng.pick(names);
      const image = h.loader.image();
      if (op === 0 || op === 1) {
        await h.run(() =>
          h.controller.createTopics(
            ctx(),
            createCreateTopicsRequest({ topics: [{ name, numPartitions: prng.int(1, 4), replicationFactor: -1, assignments: [], configs: prng.bool() ? [{ name: 'retention.ms', value: String(prng.int(1, 1e6)) }] : [] }] }),
          ),
        );
      } else if (op === 2) {
        const t = image.topics.byName.get(name);
        if (t !== undefined) await h.run(() => h.controller.deleteTopics(ctx(), [t.topicId]));
      } else if (op === 3) {
        const t = image.topics.byName.get(name);
        if (t !== undefined) await h.run(() => h.controller.createPartitions(ctx(), [{ name, count: t.partitions.size + prng.int(1, 2), assignments: null }], false));
      } else if (op === 4) {
        const resource = prng.bool() ? { type: CONFIG_RESOURCE_TOPIC, name } : { type: CONFIG_RESOURCE_BROKER, name: prng.pick(['', '1']) };
        const key = resource.type === CONFIG_RESOURCE_TOPIC ? 'segment.ms' : 'log.retention.ms';
        await h.run(() => h.controller.incrementalAlterConfigs(ctx(), new Map([[resource, new Map([[key, { op: OP_SET, value: String(prng.int(1000, 1e7)) }]])]]), false));
      } else if (op === 5) {
        await h.run(() => h.controller.allocateProducerIds(ctx(0), { brokerId: 1, brokerEpoch: epochs.get(1) as number }));
      } else if (op === 6) {
        const id = prng.int(2, 3);
        if (!image.brokers.has(id)) epochs.set(id, await h.addBroker(id, newId()));
      } else {
        h.clock.advance(prng.int(1000, 12000));
        h.controller.poll(h.clock.monotonicMs());
        h.raft.commit();
        for (const [id, epoch] of epochs) if (h.loader.image().brokers.has(id) && prng.bool(0.7)) await h.heartbeat(id, epoch);
      }
      const live = h.loader.image();
      sameImage(fromRecords(live), live, what);
      sameImage(h.controller.committedImage(), live, `${what}: controller`);
    }
  }
});
