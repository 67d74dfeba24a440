// kafka-configs, kafka-get-offsets, kafka-delete-records, kafka-broker-api-versions and
// kafka-metadata-quorum as processes against a broker process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerProcess } from '../../support/broker-process.js';
import { isOneLine, runTool } from './tools-support.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await BrokerProcess.start();
  bs = broker.bootstrap;
  const r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'events', '--partitions', '2']);
  assert.equal(r.code, 0, r.stderr);
  const p = await runTool('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'events', '--property', 'parse.key=true', '--property', 'key.separator=:'], {
    input: 'a:1\na:2\na:3\nb:4\n',
  });
  assert.equal(p.code, 0, p.stderr);
});
after(async () => {
  await broker?.close();
});

test('kafka-configs: alter and describe topic and broker configs', async () => {
  await broker.check(async () => {
    let r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--alter', '--entity-type', 'topics', '--entity-name', 'events', '--add-config', 'retention.ms=3600000,cleanup.policy=[compact,delete]']);
    assert.deepEqual([r.code, r.stdout], [0, 'Completed updating config for topic events.\n']);
    r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--describe', '--entity-type', 'topics', '--entity-name', 'events']);
    assert.equal(r.code, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'Dynamic configs for topic events are:');
    assert.match(lines[1]!, /^  cleanup\.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact,delete, DEFAULT_CONFIG:log\.cleanup\.policy=delete\}$/);
    assert.match(lines[2]!, /^  retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=3600000/);
    r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--alter', '--topic', 'events', '--delete-config', 'cleanup.policy']);
    assert.equal(r.code, 0, r.stderr);
    r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--describe', '--topic', 'events']);
    assert.doesNotMatch(r.stdout, /cleanup\.policy/);
    r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.cleaner.threads=2']);
    assert.equal(r.stdout, 'Completed updating default config for brokers in the cluster.\n');
    r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--describe', '--entity-type', 'brokers', '--entity-default']);
    assert.equal(r.stdout, 'Default configs for brokers in the cluster are:\n  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2}\n');
    r = await runTool('kafka-configs', ['--bootstrap-server', bs, '--describe', '--entity-type', 'brokers', '--entity-name', '1', '--all']);
    assert.match(r.stdout, /^All configs for broker 1 are:\n/);
    assert.match(r.stdout, /\n  log\.cleaner\.threads=2 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.cleaner\.threads=2, DEFAULT_CONFIG:log\.cleaner\.threads=1\}\n/);
  });
});

test('kafka-configs: a missing topic, an unknown config, a bad flag: one line, exit 1', async () => {
  for (const args of [
    ['--describe', '--topic', 'missing'],
    ['--alter', '--topic', 'missing', '--add-config', 'retention.ms=1'],
    ['--alter', '--topic', 'events', '--add-config', 'no.such.config=1'],
    ['--describe', '--entity-type', 'topics', '--bogus'],
  ]) {
    const r = await runTool('kafka-configs', ['--bootstrap-server', bs, ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(isOneLine(r.stderr), r.stderr);
  }
});

test('kafka-get-offsets and kafka-delete-records', async () => {
  await broker.check(async () => {
    let r = await runTool('kafka-get-offsets', ['--bootstrap-server', bs, '--topic', 'events']);
    assert.equal(r.code, 0, r.stderr);
    const latest = new Map(r.stdout.trimEnd().split('\n').map((l) => [l.split(':').slice(0, 2).join(':'), Number(l.split(':')[2])]));
    assert.equal([...latest.values()].reduce((a, b) => a + b, 0), 4);
    const [full] = [...latest.entries()].find(([, n]) => n >= 3) ?? [];
    assert.ok(full !== undefined, r.stdout);
    const partition = Number(full.split(':')[1]);
    const file = join(broker.dir, 'offsets.json');
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'events', partition, offset: 2 }], version: 1 }));
    r = await runTool('kafka-delete-records', ['--bootstrap-server', bs, '--offset-json-file', file]);
    assert.equal(r.stdout, `Executing records delete operation\nRecords delete operation completed:\npartition: events-${partition}\tlow_watermark: 2\n`);
    r = await runTool('kafka-get-offsets', ['--bootstrap-server', bs, '--topic-partitions', `events:${partition}`, '--time', 'earliest']);
    assert.equal(r.stdout, `events:${partition}:2\n`);
    r = await runTool('kafka-get-offsets', ['--bootstrap-server', bs, '--topic', 'missing']);
    assert.deepEqual([r.code, r.stderr], [1, 'Error occurred: Could not match any topic-partitions with the specified filters\n']);
  });
});

test('kafka-broker-api-versions and kafka-metadata-quorum', async () => {
  let r = await runTool('kafka-broker-api-versions', ['--bootstrap-server', bs]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^127\.0\.0\.1:\d+ \(id: 1 rack: null\) -> \(\n\tProduce\(0\): 0 to \d+ \[usable: \d+\],\n\tFetch\(1\): /);
  assert.match(r.stdout, /\tApiVersions\(18\): 0 to \d+ \[usable: \d+\],\n/);
  r = await runTool('kafka-metadata-quorum', ['--bootstrap-server', bs, 'describe', '--status']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ClusterId: {14}\S+\nLeaderId: {15}1\nLeaderEpoch: {12}\d+\nHighWatermark: {10}\d+\nMaxFollowerLag: {9}0\nMaxFollowerLagTimeMs: {3}0\nCurrentVoters: {10}\[\{"id": 1.*\}\]\nCurrentObservers: {7}\[\]\n$/);
  r = await runTool('kafka-metadata-quorum', ['--bootstrap-server', bs, 'describe', '--replication']);
  assert.match(r.stdout, /^NodeId\tDirectoryId +\tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus\t\n1 +\t\S+\t\d+ *\t0  \t\d+ *\t\d+ *\tLeader\t\n$/);
});
