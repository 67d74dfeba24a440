/** Every admin call of the client against an in-process broker. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';

let fx: BrokerFixture;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  fx = await startFixture();
  kafka = fx.kafka();
  admin = kafka.admin();
});
after(async () => {
  await admin.close();
  await fx.close();
});

test('createTopics, listTopics, describeTopics, deleteTopics', async () => {
  const created = await admin.createTopics([
    { name: 'adm-a', numPartitions: 2, configs: { 'cleanup.policy': 'compact' } },
    { name: 'adm-b' },
  ]);
  assert.deepEqual(
    created.map((c) => [c.name, c.numPartitions, c.replicationFactor, c.created]),
    [
      ['adm-a', 2, 1, true],
      ['adm-b', 1, 1, true],
    ],
  );
  assert.notEqual(created[0]!.topicId, created[1]!.topicId);
  await assert.rejects(admin.createTopics([{ name: 'adm-a' }]), { name: 'TOPIC_ALREADY_EXISTS' });
  const again = await admin.createTopics([{ name: 'adm-a' }], { ifNotExists: true });
  assert.equal(again[0]!.created, false);
  await assert.rejects(admin.createTopics([{ name: 'bad name!' }]), { name: 'INVALID_TOPIC_EXCEPTION' });
  await assert.rejects(admin.createTopics([{ name: 'adm-v', numPartitions: 0 }]), { name: 'INVALID_PARTITIONS' });
  assert.deepEqual(await admin.createTopics([{ name: 'adm-v', numPartitions: 2 }], { validateOnly: true }).then((r) => r.length), 1);

  const names = await admin.listTopics();
  assert.ok(names.includes('adm-a') && names.includes('adm-b') && !names.includes('adm-v'));

  const [a] = await admin.describeTopics(['adm-a']);
  assert.equal(a!.topicId, created[0]!.topicId);
  assert.deepEqual(
    a!.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr]),
    [
      [0, 1, [1], [1]],
      [1, 1, [1], [1]],
    ],
  );
  await assert.rejects(admin.describeTopics(['adm-missing']), { name: 'UNKNOWN_TOPIC_OR_PARTITION' });

  await admin.deleteTopics(['adm-b']);
  assert.ok(!(await admin.listTopics()).includes('adm-b'));
  await assert.rejects(admin.deleteTopics(['adm-b']), { name: 'UNKNOWN_TOPIC_OR_PARTITION' });
  await admin.deleteTopics(['adm-b'], { ifExists: true });
});

test('createPartitions raises the count; lowering it fails with INVALID_PARTITIONS', async () => {
  await admin.createTopics([{ name: 'adm-grow', numPartitions: 1 }]);
  await admin.createPartitions([{ topic: 'adm-grow', count: 4 }]);
  const [t] = await admin.describeTopics(['adm-grow']);
  assert.equal(t!.partitions.length, 4);
  await assert.rejects(admin.createPartitions([{ topic: 'adm-grow', count: 2 }]), { name: 'INVALID_PARTITIONS' });
});

test('describeConfigs, incrementalAlterConfigs and alterConfigs on a topic and the broker', async () => {
  await admin.createTopics([{ name: 'adm-cfg', configs: { 'retention.ms': '1000' } }]);
  const [topic] = await admin.describeConfigs([{ type: 'topic', name: 'adm-cfg' }], { includeSynonyms: true });
  const retention = topic!.configs.find((c) => c.name === 'retention.ms')!;
  assert.equal(retention.value, '1000');
  assert.equal(retention.source, 'DYNAMIC_TOPIC_CONFIG');
  assert.ok(retention.synonyms.length >= 1);
  const segment = topic!.configs.find((c) => c.name === 'segment.bytes')!;
  assert.equal(segment.isDefault, true);

  await admin.incrementalAlterConfigs([
    { type: 'topic', name: 'adm-cfg', ops: [{ op: 'set', name: 'max.message.bytes', value: '5000' }, { op: 'delete', name: 'retention.ms' }] },
  ]);
  const [after1] = await admin.describeConfigs([{ type: 'topic', name: 'adm-cfg', keys: ['max.message.bytes', 'retention.ms'] }]);
  assert.deepEqual(
    after1!.configs.map((c) => [c.name, c.value, c.source]),
    [
      ['max.message.bytes', '5000', 'DYNAMIC_TOPIC_CONFIG'],
      ['retention.ms', '604800000', 'DEFAULT_CONFIG'],
    ],
  );

  await admin.alterConfigs([{ type: 'topic', name: 'adm-cfg', configs: { 'cleanup.policy': 'compact' } }]);
  const [after2] = await admin.describeConfigs([{ type: 'topic', name: 'adm-cfg', keys: ['cleanup.policy', 'max.message.bytes'] }]);
  assert.deepEqual(
    after2!.configs.map((c) => [c.name, c.value]),
    [
      ['cleanup.policy', 'compact'],
      ['max.message.bytes', '1048588'],
    ],
  );
  await assert.rejects(
    admin.incrementalAlterConfigs([{ type: 'topic', name: 'adm-cfg', ops: [{ op: 'set', name: 'no.such.config', value: '1' }] }]),
    { name: 'INVALID_CONFIG' },
  );

  const [broker] = await admin.describeConfigs([{ type: 'broker', name: '1', keys: ['num.partitions'] }]);
  assert.equal(broker!.configs[0]!.value, '1');
});

test('describeCluster names the broker and the controller', async () => {
  const d = await admin.describeCluster();
  assert.equal(d.brokers.length, 1);
  assert.equal(d.brokers[0]!.nodeId, 1);
  assert.equal(d.brokers[0]!.port, Number(fx.bootstrap.split(':')[1]));
  assert.ok(d.clusterId.length > 0);
});

test('listOffsets (earliest, latest, by time, max-timestamp) and deleteRecords', async () => {
  await admin.createTopics([{ name: 'adm-off', numPartitions: 1 }]);
  const producer = kafka.producer();
  const base = 1_700_000_000_000;
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'adm-off', value: `v${i}`, timestamp: base + i * 1000 })));
  await producer.close();
  const tp = { topic: 'adm-off', partition: 0 };
  const answers = await admin.listOffsets([
    { ...tp, spec: 'earliest' },
    { ...tp, spec: 'latest' },
    { ...tp, spec: base + 3500 },
    { ...tp, spec: 'max-timestamp' },
    { ...tp, spec: base + 100_000 },
  ]);
  assert.deepEqual(
    answers.map((a) => a.offset),
    [0, 10, 4, 9, -1],
  );
  assert.equal(answers[2]!.timestamp, base + 4000);

  const [deleted] = await admin.deleteRecords([{ ...tp, offset: 6 }]);
  assert.equal(deleted!.lowWatermark, 6);
  const [earliest] = await admin.listOffsets([{ ...tp, spec: 'earliest' }]);
  assert.equal(earliest!.offset, 6);
  await assert.rejects(admin.deleteRecords([{ ...tp, offset: 50 }]), { name: 'OFFSET_OUT_OF_RANGE' });
});

test('describeLogDirs lists the partitions and their sizes', async () => {
  await admin.createTopics([{ name: 'adm-dirs', numPartitions: 2 }]);
  const producer = kafka.producer();
  await producer.send({ topic: 'adm-dirs', partition: 1, value: 'x'.repeat(100) });
  await producer.close();
  const dirs = await admin.describeLogDirs();
  assert.equal(dirs.length, 1);
  assert.equal(dirs[0]!.error, null);
  assert.ok(dirs[0]!.totalBytes > 0);
  const p1 = dirs[0]!.partitions.find((p) => p.topic === 'adm-dirs' && p.partition === 1)!;
  assert.ok(p1.sizeBytes > 100);
});
