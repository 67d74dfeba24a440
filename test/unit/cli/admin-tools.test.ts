import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEntryLine, describeHeader, parseConfigsArgs, shownEntries } from '../../../src/cli/tools/kafka-configs.js';
import { matches, parseGetOffsetsArgs, parsePartitionRanges, parseTime, parseTopicPartitions } from '../../../src/cli/tools/get-offsets.js';
import { parseOffsetJson } from '../../../src/cli/tools/delete-records.js';
import { renderApiVersions } from '../../../src/cli/tools/broker-api-versions.js';
import { parseMetadataQuorumArgs, renderReplication, renderStatus } from '../../../src/cli/tools/metadata-quorum.js';
import { prettyPrintTable } from '../../../src/cli/tools/format.js';

const entry = (name: string, value: string | null, source: string, synonyms: [string, string | null, string][] = []) =>
  ({ name, value, source, isDefault: source === 'DEFAULT_CONFIG', readOnly: false, isSensitive: false, type: 'STRING', documentation: null, synonyms: synonyms.map(([n, v, s]) => ({ name: n, value: v, source: s })) }) as never;

test('kafka-configs: parsing, shorthands and Kafka\'s checks', () => {
  const p = parseConfigsArgs(['--bootstrap-server', 'h:1', '--alter', '--entity-type', 'topics', '--entity-name', 't', '--add-config', 'retention.ms=1,cleanup.policy=[compact,delete]']);
  assert.ok(p.kind === 'run');
  if (p.kind !== 'run') return;
  assert.deepEqual([...p.args.addConfig], [['retention.ms', '1'], ['cleanup.policy', 'compact,delete']]);
  const d = parseConfigsArgs(['--bootstrap-server', 'h:1', '--describe', '--broker-defaults']);
  assert.ok(d.kind === 'run' && d.args.entityType === 'brokers' && d.args.entityName === '');
  const t = parseConfigsArgs(['--bootstrap-server', 'h:1', '--describe', '--topic', 'x', '--all']);
  assert.ok(t.kind === 'run' && t.args.entityName === 'x' && t.args.all);
  const err = (argv: string[]): string => {
    const r = parseConfigsArgs(argv);
    assert.equal(r.kind, 'error', JSON.stringify(r));
    return (r as { message: string }).message;
  };
  assert.match(err(['--bootstrap-server', 'h:1', '--entity-type', 'topics']), /exactly one action/);
  assert.match(err(['--bootstrap-server', 'h:1', '--alter', '--topic', 't']), /At least one of --add-config/);
  assert.match(err(['--bootstrap-server', 'h:1', '--describe']), /entity type/);
  assert.match(err(['--bootstrap-server', 'h:1', '--describe', '--entity-type', 'users']), /not supported by Gregor yet/);
  assert.match(err(['--bootstrap-server', 'h:1', '--describe', '--entity-type', 'brokers', '--entity-name', 'x']), /valid integer broker id/);
  assert.match(err(['--zookeeper', 'h:2181', '--describe', '--entity-type', 'topics']), /--bootstrap-server/);
});

test('kafka-configs: describe output', () => {
  assert.equal(describeHeader('topics', 't', false), 'Dynamic configs for topic t are:');
  assert.equal(describeHeader('topics', 't', true), 'All configs for topic t are:');
  assert.equal(describeHeader('brokers', '1', false), 'Dynamic configs for broker 1 are:');
  assert.equal(describeHeader('brokers', '', false), 'Default configs for brokers in the cluster are:');
  const e = entry('cleanup.policy', 'compact', 'DYNAMIC_TOPIC_CONFIG', [['cleanup.policy', 'compact', 'DYNAMIC_TOPIC_CONFIG'], ['log.cleanup.policy', 'delete', 'DEFAULT_CONFIG']]);
  assert.equal(describeEntryLine(e), '  cleanup.policy=compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact, DEFAULT_CONFIG:log.cleanup.policy=delete}');
  const entries = [entry('z', '1', 'DYNAMIC_TOPIC_CONFIG'), entry('a', '2', 'DEFAULT_CONFIG'), entry('b', '3', 'DYNAMIC_TOPIC_CONFIG')];
  assert.deepEqual(shownEntries('topics', 't', false, entries).map((x: { name: string }) => x.name), ['b', 'z']);
  assert.deepEqual(shownEntries('topics', 't', true, entries).map((x: { name: string }) => x.name), ['a', 'b', 'z']);
});

test('kafka-get-offsets: --time, partition lists and topic-partition patterns', () => {
  assert.equal(parseTime('-1'), 'latest');
  assert.equal(parseTime('earliest'), 'earliest');
  assert.equal(parseTime('-3'), 'max-timestamp');
  assert.equal(parseTime('1700000000000'), 1700000000000);
  assert.throws(() => parseTime('soon'), /Malformed time argument soon/);
  assert.deepEqual(parsePartitionRanges('0,2-5,7-'), [
    { from: 0, to: 0 },
    { from: 2, to: 4 },
    { from: 7, to: undefined },
  ]);
  const f = parseTopicPartitions('orders:0,ev.*,logs:-2');
  assert.ok(matches(f, 'orders', 0) && !matches(f, 'orders', 1) && matches(f, 'events', 9) && matches(f, 'logs', 1) && !matches(f, 'logs', 2));
  const p = parseGetOffsetsArgs(['--broker-list', 'h:1', '--topic', 't', '--partitions', '1']);
  assert.ok(p.kind === 'run' && p.args.bootstrap === 'h:1' && matches(p.args.filters, 't', 1) && !matches(p.args.filters, 't', 0));
  const bad = parseGetOffsetsArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--topic-partitions', 't:0']);
  assert.ok(bad.kind === 'error' && /cannot be used with --topic/.test(bad.message));
});

test('kafka-delete-records: the offset JSON file', () => {
  assert.deepEqual(parseOffsetJson('{"partitions":[{"topic":"t","partition":0,"offset":3}],"version":1}'), [{ topic: 't', partition: 0, offset: 3 }]);
  assert.throws(() => parseOffsetJson('nope'), /not a valid JSON/);
  assert.throws(() => parseOffsetJson('{"partitions":[{"topic":"t","partition":0,"offset":1},{"topic":"t","partition":0,"offset":2}]}'), /duplicate topic partitions: t-0/);
  assert.throws(() => parseOffsetJson('{"partitions":[{"topic":"t","offset":1}]}'), /partition field/);
});

test('kafka-broker-api-versions: NodeApiVersions layout', () => {
  const text = renderApiVersions({ host: 'localhost', port: 9092, nodeId: 1, rack: null }, [
    { apiKey: 0, minVersion: 0, maxVersion: 11 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
    { apiKey: 999, minVersion: 0, maxVersion: 0 },
  ] as never);
  const lines = text.split('\n');
  assert.equal(lines[0], 'localhost:9092 (id: 1 rack: null) -> (');
  assert.equal(lines[1], '\tProduce(0): 0 to 11 [usable: 11],');
  assert.ok(lines.includes('\tFetch(1): UNSUPPORTED,'));
  assert.ok(lines.includes('\tApiVersions(18): 0 to 4 [usable: 4],'));
  assert.ok(!text.includes('LeaderAndIsr'));
  assert.ok(text.endsWith('\tUNKNOWN(999): 0 to 0\n)\n'));
});

test('kafka-metadata-quorum: --status and --replication', () => {
  const p = {
    leaderId: 1, leaderEpoch: 3, highWatermark: 42,
    voters: [{ replicaId: 1, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', logEndOffset: 42, lastFetchTimestamp: 1000, lastCaughtUpTimestamp: 1000 }],
    observers: [],
    nodes: [{ nodeId: 1, listeners: [{ name: 'CONTROLLER', host: 'localhost', port: 9093 }] }],
  };
  const status = renderStatus('cid', p);
  assert.equal(status, 'ClusterId:              cid\nLeaderId:               1\nLeaderEpoch:            3\nHighWatermark:          42\nMaxFollowerLag:         0\nMaxFollowerLagTimeMs:   0\nCurrentVoters:          [{"id": 1, "endpoints": ["CONTROLLER://localhost:9093"]}]\nCurrentObservers:       []\n');
  const rep = renderReplication(p, 1500, true).split('\n');
  assert.equal(rep[0], 'NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus\t');
  assert.match(rep[1]!, /^1     \tAAAAAAAAAAAAAAAAAAAAAA\t42          \t0  \t500 ms ago        \t500 ms ago           \tLeader\t$/);
  assert.equal(prettyPrintTable(['A', 'B'], [['xyz', '1']]), 'A  \tB\t\nxyz\t1\t\n');
  assert.equal(parseMetadataQuorumArgs(['--bootstrap-server', 'h:1', 'describe']).kind, 'error');
  assert.equal(parseMetadataQuorumArgs(['--bootstrap-server', 'h:1', 'describe', '--status']).kind, 'run');
});

test('kafka-transactions: subcommands and argparse-style errors', async () => {
  const { parseTransactionsArgs } = await import('../../../src/cli/tools/kafka-transactions.js');
  const d = parseTransactionsArgs(['--bootstrap-server', 'h:1', 'describe-producers', '--topic', 't', '--partition', '0']);
  assert.ok(d.kind === 'run' && d.args.command.kind === 'describe-producers');
  const e = parseTransactionsArgs(['--bootstrap-server', 'h:1', 'describe']);
  assert.ok(e.kind === 'error' && /--transactional-id is required/.test(e.message));
  const f = parseTransactionsArgs(['--bootstrap-server', 'h:1', 'frob']);
  assert.ok(f.kind === 'error' && /invalid choice: 'frob'/.test(f.message));
});
