/**
 * The seed tutorials' command lines (../shared/seeds), run verbatim from the repo root through the
 * `bin/kafka-*.sh` wrappers against a broker started the way `npm start` starts it, on
 * localhost:9092. ZooKeeper-era lines are refused with one line; the same lines with
 * `--bootstrap-server localhost:9092` then work. This is the only test file that binds 9092.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningTool, isOneLine, runShell } from './tools-support.js';

let broker: RunningTool;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gregor-seeds-'));
  // package.json "start": node dist/src/cli/bin/gregor.js server start config/server.properties
  broker = new RunningTool(process.execPath, ['dist/src/cli/bin/gregor.js', 'server', 'start', 'config/server.properties', '--override', `log.dirs=${dataDir}`]);
  await broker.until((b) => /Kafka Server started/.test(b.stdout), 'Kafka Server started', 30_000);
});

after(async () => {
  if (broker !== undefined && broker.child.exitCode === null) {
    broker.child.kill('SIGTERM');
    await broker.result(15_000).catch(() => broker.child.kill('SIGKILL'));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const ZK_LINE = /--zookeeper is not supported.*--bootstrap-server localhost:9092/;

test('000: create and list a topic', async () => {
  let r = await runShell('bin/kafka-topics.sh --create --bootstrap-server localhost:9092 --replication-factor 1 --partitions 1 --topic test');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Created topic test.\n', '']);
  r = await runShell('bin/kafka-topics.sh --list --bootstrap-server localhost:9092');
  assert.equal(r.code, 0);
  assert.ok(r.stdout.split('\n').includes('test'), r.stdout);
});

test('001: the ZooKeeper-era create is refused in one line; console producer with --broker-list', async () => {
  let r = await runShell('bin/kafka-topics.sh --create --zookeeper localhost:2181 --replication-factor 1 --partitions 1 --topic test');
  assert.equal(r.code, 1);
  assert.ok(isOneLine(r.stderr), r.stderr);
  assert.match(r.stderr, ZK_LINE);
  r = await runShell('bin/kafka-console-producer.sh --broker-list localhost:9092 --topic test', { input: 'hello\nworld\n' });
  assert.deepEqual([r.code, r.stderr], [0, '']);
  r = await runShell('bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic test --from-beginning --max-messages 2');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'hello\nworld\n', 'Processed a total of 2 messages\n']);
});

test('003: myfirsttopic, its two messages, and the consumer running until Ctrl-C', async () => {
  let r = await runShell('bin/kafka-topics.sh --create zookeeper localhost:2181 --replication-factor 1 --partitions 1 --topic myfirsttopic');
  assert.equal(r.code, 1);
  assert.ok(isOneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /zookeeper,localhost:2181.*--bootstrap-server/);
  r = await runShell('bin/kafka-topics.sh --create --bootstrap-server localhost:9092 --replication-factor 1 --partitions 1 --topic myfirsttopic');
  assert.equal(r.stdout, 'Created topic myfirsttopic.\n');
  r = await runShell('bin/kafka-console-producer.sh --broker-list localhost:9092 --topic myfirsttopic', { input: 'This is a message\nThis is another message\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await runShell('bin/kafka-console-consumer.sh --zookeeper localhost:2181 --topic myfirsttopic --from-beginning');
  assert.equal(r.code, 1);
  assert.ok(isOneLine(r.stderr), r.stderr);
  assert.match(r.stderr, ZK_LINE);
  // The tutorial's consumer runs until stopped: wait for both lines, then Ctrl-C.
  const consumer = new RunningTool('/bin/sh', ['-c', 'exec bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic myfirsttopic --from-beginning']);
  await consumer.until((c) => c.stdout === 'This is a message\nThis is another message\n', 'both messages');
  consumer.child.kill('SIGINT');
  const done = await consumer.result(15_000);
  assert.equal(done.code, 0);
  assert.equal(done.stderr, 'Processed a total of 2 messages\n');
});

test('004: producing to a topic nobody created (auto-created), then consuming from the beginning', async () => {
  let r = await runShell('bin/kafka-console-producer.sh --topic rta --bootstrap-server localhost:9092', { input: 'testowy tekst\n{"id":1,"imie":"adam"}\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await runShell('bin/kafka-console-consumer.sh --topic rta --bootstrap-server localhost:9092 --from-beginning --max-messages 2');
  assert.deepEqual([r.code, r.stdout], [0, 'testowy tekst\n{"id":1,"imie":"adam"}\n']);
  r = await runShell('bin/kafka-topics.sh --describe --bootstrap-server localhost:9092 --topic rta');
  assert.match(r.stdout, /^Topic: rta\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: /);
});
