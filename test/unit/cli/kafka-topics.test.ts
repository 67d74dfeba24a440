import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describePartitionLine,
  describeTopicLine,
  parseReplicaAssignment,
  parseTopicsArgs,
  topicFilter,
  type TopicsArgs,
} from '../../../src/cli/tools/kafka-topics.js';

function args(argv: string[]): TopicsArgs {
  const p = parseTopicsArgs(argv);
  if (p.kind !== 'run') throw new Error(JSON.stringify(p));
  return p.args;
}
function error(argv: string[]): string {
  const p = parseTopicsArgs(argv);
  assert.equal(p.kind, 'error', JSON.stringify(p));
  return (p as { message: string }).message;
}

test('the tutorials\' create and list lines', () => {
  const a = args(['--create', '--bootstrap-server', 'localhost:9092', '--replication-factor', '1', '--partitions', '1', '--topic', 'test']);
  assert.equal(a.action, 'create');
  assert.equal(a.topic, 'test');
  assert.equal(a.partitions, 1);
  assert.equal(a.replicationFactor, 1);
  assert.equal(args(['--list', '--bootstrap-server', 'localhost:9092']).action, 'list');
  assert.equal(args(['--list', '--broker-list', 'localhost:9092']).bootstrap, 'localhost:9092');
});

test('--config, --if-not-exists, --replica-assignment', () => {
  const a = args(['--create', '--bootstrap-server', 'h:1', '--topic', 't', '--config', 'retention.ms=1000', '--config', 'cleanup.policy = compact', '--if-not-exists']);
  assert.deepEqual([...a.configs], [['retention.ms', '1000'], ['cleanup.policy', 'compact']]);
  assert.ok(a.ifNotExists);
  assert.deepEqual(parseReplicaAssignment('0:1,1:2'), [[0, 1], [1, 2]]);
  assert.throws(() => parseReplicaAssignment('0:0'), /duplicate entries: 0/);
  assert.throws(() => parseReplicaAssignment('0:1,2'), /different replication factor/);
});

test('Kafka\'s argument checks, one line each', () => {
  assert.match(error(['--bootstrap-server', 'h:1', '--topic', 't']), /exactly one action/);
  assert.match(error(['--create', '--list', '--bootstrap-server', 'h:1']), /exactly one action/);
  assert.match(error(['--create', '--topic', 't']), /Missing required argument "\[bootstrap-server\]"/);
  assert.match(error(['--create', '--bootstrap-server', 'h:1']), /Missing required argument "\[topic\]"/);
  assert.match(error(['--alter', '--bootstrap-server', 'h:1', '--topic', 't']), /Missing required argument "\[partitions\]"/);
  assert.match(error(['--alter', '--bootstrap-server', 'h:1', '--topic', 't', '--partitions', '2', '--config', 'a=b']), /kafka-configs/);
  assert.match(error(['--list', '--bootstrap-server', 'h:1', '--partitions', '2']), /"\[partitions\]" can't be used with option "\[list\]"/);
  assert.match(error(['--create', '--bootstrap-server', 'h:1', '--topic', 't', '--if-exists']), /if-exists/);
  assert.match(error(['--create', '--zookeeper', 'localhost:2181', '--topic', 't']), /--bootstrap-server/);
  assert.match(error(['--create', 'zookeeper', 'localhost:2181', '--topic', 't', '--bootstrap-server', 'h:1']), /non argument parameters: zookeeper,localhost:2181/);
  assert.match(error(['--create', '--bootstrap-server', 'h:1', '--topic', 't', '--config', 'bad']), /key=val/);
  assert.match(error([]), /no action/);
  assert.equal(parseTopicsArgs(['--help']).kind, 'help');
});

test('--topic is a whole-name regex, commas separate alternatives', () => {
  const f = topicFilter('te.*');
  assert.ok(f('test'));
  assert.ok(!f('atest'));
  assert.ok(topicFilter('a,b')('b'));
  assert.ok(!topicFilter('test')('test2'));
});

test('--describe lines as Kafka 3.9 prints them', () => {
  const topic = {
    name: 'test',
    topicId: 'NPmZHyhbR9y00wMglMH2sg',
    isInternal: false,
    partitions: [{ partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [], errorCode: 0 }],
  };
  const configs = [
    { name: 'segment.bytes', value: '1073741824', isDefault: false },
    { name: 'retention.ms', value: '604800000', isDefault: true },
  ] as never;
  assert.equal(describeTopicLine(topic, configs), 'Topic: test\tTopicId: NPmZHyhbR9y00wMglMH2sg\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824');
  assert.equal(describePartitionLine('test', topic.partitions[0]!), '\tTopic: test\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ');
  assert.match(describePartitionLine('test', { ...topic.partitions[0]!, leader: -1 }), /Leader: none/);
});
