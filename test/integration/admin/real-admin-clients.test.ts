/**
 * Real admin clients against the admin handlers over real sockets, with an in-memory broker
 * context (FakeBrokerContext: image + fake controller) behind them: the clients must accept every
 * response our handlers build, in the versions they pick. Python clients run as child processes
 * (asynchronously, so this process keeps serving them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { apiVersionsHandler, startServer, type RunningServer } from '../../../src/server/index.js';
import { createAdminHandlers } from '../../../src/server/handlers/admin-handlers.js';
import { FakeBrokerContext } from '../../support/fake-broker-context.js';
import { PYTHON } from '../../support/run.js';

const HOST = '127.0.0.1';

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

async function start(): Promise<{ broker: FakeBrokerContext; server: RunningServer; port: number }> {
  const broker = new FakeBrokerContext({ registerSelf: false });
  const server = await startServer({ listeners: [{ host: HOST, port: 0 }], handlers: [apiVersionsHandler, ...createAdminHandlers(broker)] });
  const port = server.addresses[0]!.port;
  broker.addBroker(broker.nodeId, { listeners: [{ name: 'PLAINTEXT', host: HOST, port }] });
  return { broker, server, port };
}

test('kafkajs admin: create, list, metadata, describe/alter configs, partitions, delete', async () => {
  const { broker, server, port } = await start();
  const kafka = new Kafka({ clientId: 'admin-test', brokers: [`${HOST}:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '60000' }] }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs' }] }), false);
    assert.deepEqual((await admin.listTopics()).sort(), ['kjs']);
    const md = await admin.fetchTopicMetadata({ topics: ['kjs'] });
    assert.deepEqual(md.topics[0]!.partitions.map((p) => [p.partitionId, p.leader]).sort(), [
      [0, 1],
      [1, 1],
    ]);
    const cluster = await admin.describeCluster();
    assert.deepEqual(cluster.brokers.map((b) => [b.nodeId, b.host, b.port]), [[1, HOST, port]]);
    assert.equal(cluster.clusterId, broker.clusterId);
    const configs = await admin.describeConfigs({ resources: [{ type: 2, name: 'kjs' }], includeSynonyms: true });
    const entries = configs.resources[0]!.configEntries;
    assert.equal(entries.find((e) => e.configName === 'retention.ms')?.configValue, '60000');
    assert.ok(entries.length > 25);
    const brokerConfigs = await admin.describeConfigs({ resources: [{ type: 4, name: '1' }], includeSynonyms: false });
    assert.equal(brokerConfigs.resources[0]!.configEntries.find((e) => e.configName === 'num.partitions')?.configValue, '1');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'kjs', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    assert.equal(broker.image().configs.get('2:kjs')?.get('cleanup.policy'), 'compact');
    await admin.createPartitions({ topicPartitions: [{ topic: 'kjs', count: 4 }] });
    assert.equal(broker.image().topics.byName.get('kjs')!.partitions.size, 4);
    await admin.deleteTopics({ topics: ['kjs'] });
    assert.equal(broker.image().topics.byName.size, 0);
  } finally {
    await admin.disconnect();
    await server.close();
  }
});

test('@platformatic/kafka admin (flexible versions): create, list, describe configs, partitions, delete', async () => {
  const { broker, server, port } = await start();
  const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: [`${HOST}:${port}`] });
  try {
    const created = await admin.createTopics({ topics: ['plt'], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '3000' }] });
    assert.deepEqual(created.map((t) => [t.name, t.partitions]), [['plt', 3]]);
    assert.deepEqual(await admin.listTopics(), ['plt']);
    const configs = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plt' }], includeSynonyms: true, includeDocumentation: true });
    const retention = configs[0]!.configs.find((c) => c.name === 'retention.ms')!;
    assert.equal(retention.value, '3000');
    assert.equal(typeof retention.documentation, 'string');
    await admin.createPartitions({ topics: [{ name: 'plt', count: 4 }] });
    assert.equal(broker.image().topics.byName.get('plt')!.partitions.size, 4);
    await admin.deleteTopics({ topics: ['plt'] });
    assert.deepEqual(await admin.listTopics(), []);
  } finally {
    await admin.close();
    await server.close();
  }
});

const KAFKA_PYTHON = `
import sys, json
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers='127.0.0.1:' + sys.argv[1], client_id='kp-admin', request_timeout_ms=10000)
out = {}
r = a.create_topics([NewTopic('kp', 3, 1, topic_configs={'retention.ms': '1000'})])
out['create'] = [list(t[:2]) for t in r.topic_errors]
out['topics'] = sorted(a.list_topics())
d = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp'), ConfigResource(ConfigResourceType.BROKER, '1')])
res = sorted([x for resp in d for x in resp.resources], key=lambda x: x[2])
out['describe'] = [[x[0], x[3], len(x[4])] for x in res]
out['retention'] = [c[1] for x in res for c in x[4] if c[0] == 'retention.ms' and x[3] == 'kp']
out['cluster'] = a.describe_cluster()['cluster_id']
r = a.create_partitions({'kp': NewPartitions(5)})
out['partitions'] = [list(t[:2]) for t in r.topic_errors]
r = a.delete_topics(['kp'])
out['delete'] = [list(t[:2]) for t in r.topic_error_codes]
a.close()
print(json.dumps(out))
`;

test('kafka-python admin: create, list, describe configs, cluster, create partitions, delete', async () => {
  const { broker, server, port } = await start();
  try {
    const r = await run(PYTHON, ['-c', KAFKA_PYTHON, String(port)]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(out['create'], [['kp', 0]]);
    assert.deepEqual(out['topics'], ['kp']);
    const describe = out['describe'] as Array<[number, string, number]>;
    assert.deepEqual(describe.map((x) => x.slice(0, 2)), [[0, 'kp'], [0, '1']]); // TOPIC (2) before BROKER (4)
    assert.ok(describe.every((x) => x[2] > 25));
    assert.deepEqual(out['retention'], ['1000']);
    assert.equal(out['cluster'], broker.clusterId);
    assert.deepEqual(out['partitions'], [['kp', 0]]);
    assert.deepEqual(out['delete'], [['kp', 0]]);
  } finally {
    await server.close();
  }
});

const CONFLUENT = `
import sys, json
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
a = AdminClient({'bootstrap.servers': '127.0.0.1:' + sys.argv[1]})
out = {}
for t, f in a.create_topics([NewTopic('ck', 2, 1, config={'retention.ms': '2000'})], request_timeout=10).items():
    f.result()
out['topics'] = sorted(a.list_topics(timeout=10).topics.keys())
for r, f in a.describe_configs([ConfigResource('topic', 'ck'), ConfigResource('broker', '1')], request_timeout=10).items():
    cfg = f.result()
    out[str(r.restype)] = len(cfg)
    if 'retention.ms' in cfg:
        out['retention'] = [cfg['retention.ms'].value, cfg['retention.ms'].source]
for t, f in a.create_partitions([NewPartitions('ck', 3)], request_timeout=10).items():
    f.result()
for t, f in a.delete_topics(['ck'], request_timeout=10).items():
    f.result()
out['after'] = sorted(a.list_topics(timeout=10).topics.keys())
print(json.dumps(out))
`;

test('confluent-kafka (librdkafka) admin: create, list, describe configs, create partitions, delete', async () => {
  const { broker, server, port } = await start();
  try {
    const r = await run(PYTHON, ['-c', CONFLUENT, String(port)]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(out['topics'], ['ck']);
    assert.ok((out['Type.TOPIC'] as number) > 25, r.stdout);
    assert.ok((out['Type.BROKER'] as number) > 25, r.stdout);
    assert.deepEqual(out['retention'], ['2000', 1]);
    assert.deepEqual(out['after'], []);
    assert.equal(broker.controller.calls.filter((c) => c.method === 'createPartitions').length, 1);
  } finally {
    await server.close();
  }
});
