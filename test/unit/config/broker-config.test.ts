import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BrokerConfig,
  ConfigException,
  describeBrokerConfig,
  describeBrokerConfigs,
  parseOverrides,
  parseProperties,
} from '../../../src/config/index.js';
import { repoRoot } from '../../support/repo.js';

/** The smallest valid combined-mode node. */
function minimal(extra: Record<string, string> = {}): Map<string, string> {
  return new Map(
    Object.entries({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@localhost:9093',
      listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/tmp/gregor-test',
      ...extra,
    }),
  );
}

function problemsOf(props: Map<string, string>): readonly string[] {
  return BrokerConfig.validate(props);
}

test('config/server.properties parses and validates with zero problems', () => {
  const text = readFileSync(join(repoRoot(), 'config', 'server.properties'), 'utf8');
  const props = parseProperties(text);
  assert.deepEqual(BrokerConfig.validate(props), []);
  const c = BrokerConfig.from(props);
  assert.deepEqual(c.warnings, []);
  assert.deepEqual(c.processRoles(), ['broker', 'controller']);
  assert.equal(c.nodeId(), 1);
  assert.equal(c.get('num.partitions'), 1);
  assert.equal(c.get('offsets.topic.replication.factor'), 1);
  assert.equal(c.logRetentionTimeMs(), 168 * 3600_000);
  assert.deepEqual(c.logDirs(), ['./data/kraft-combined-logs']);
  assert.deepEqual(c.advertisedBrokerListeners(), [{ listenerName: 'PLAINTEXT', host: 'localhost', port: 9092 }]);
  assert.deepEqual(c.controllerListeners(), [{ listenerName: 'CONTROLLER', host: '', port: 9093 }]);
  assert.deepEqual(c.quorumVoters(), [{ id: 1, host: 'localhost', port: 9093 }]);
});

test('typed getters return Kafka defaults, nullable only where Kafka has no default', () => {
  const c = BrokerConfig.from(minimal());
  const segment: number = c.get('log.segment.bytes');
  assert.equal(segment, 1073741824);
  const retentionMs: number | null = c.get('log.retention.ms');
  assert.equal(retentionMs, null);
  const roles: readonly string[] = c.get('process.roles');
  assert.deepEqual(roles, ['broker', 'controller']);
  const autoCreate: boolean = c.get('auto.create.topics.enable');
  assert.equal(autoCreate, true);
  assert.equal(c.get('group.initial.rebalance.delay.ms'), 3000);
  assert.equal(c.get('offsets.topic.num.partitions'), 50);
  assert.equal(c.isSet('log.segment.bytes'), false);
  assert.equal(c.isSet('log.dirs'), true);
});

test('invalid values are reported in Kafka wording, all at once', () => {
  const e = assert.throws(
    () => BrokerConfig.from(minimal({ 'num.partitions': '0', 'log.segment.bytes': 'big', 'log.cleanup.policy': 'delete,shred' })),
    (err: unknown) => err instanceof ConfigException,
  );
  void e;
  const problems = problemsOf(minimal({ 'num.partitions': '0', 'log.segment.bytes': 'big', 'log.cleanup.policy': 'delete,shred' }));
  assert.deepEqual([...problems].sort(), [
    'Invalid value 0 for configuration num.partitions: Value must be at least 1',
    'Invalid value big for configuration log.segment.bytes: Not a number of type INT',
    'Invalid value shred for configuration log.cleanup.policy: String must be one of: compact, delete',
  ].sort());
  assert.deepEqual(problemsOf(minimal({ 'auto.create.topics.enable': 'maybe' })), [
    'Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or false',
  ]);
  assert.deepEqual(problemsOf(minimal({ 'compression.type': 'brotli' })), [
    'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
  ]);
});

test('unknown keys are kept and warned about, not rejected', () => {
  const c = BrokerConfig.from(minimal({ 'my.plugin.setting': 'x' }));
  assert.deepEqual(c.unknownKeys(), ['my.plugin.setting']);
  assert.equal(c.originals.get('my.plugin.setting'), 'x');
  assert.match(c.warnings.join('\n'), /my\.plugin\.setting/);
});

test('log.dirs beats log.dir; log.dir alone works', () => {
  assert.deepEqual(BrokerConfig.from(minimal({ 'log.dirs': '/a, /b', 'log.dir': '/c' })).logDirs(), ['/a', '/b']);
  const props = minimal({ 'log.dir': '/c' });
  props.delete('log.dirs');
  assert.deepEqual(BrokerConfig.from(props).logDirs(), ['/c']);
  props.delete('log.dir');
  assert.deepEqual(BrokerConfig.from(props).logDirs(), ['/tmp/kafka-logs']);
  assert.deepEqual(problemsOf(minimal({ 'log.dirs': ' , ' })), ['At least one log directory must be defined via log.dirs or log.dir.']);
});

test('retention precedence: ms > minutes > hours; negative means forever', () => {
  const r = (extra: Record<string, string>): number => BrokerConfig.from(minimal(extra)).logRetentionTimeMs();
  assert.equal(r({}), 604800000);
  assert.equal(r({ 'log.retention.hours': '1' }), 3600000);
  assert.equal(r({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }), 120000);
  assert.equal(r({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '3' }), 3);
  assert.equal(r({ 'log.retention.ms': '-5' }), -1);
  assert.deepEqual(problemsOf(minimal({ 'log.retention.ms': '0' })), [
    'log.retention.ms must be unlimited (-1) or, greater than or equal to 1',
  ]);
  const c = BrokerConfig.from(minimal({ 'log.roll.hours': '2', 'log.roll.jitter.hours': '1' }));
  assert.equal(c.logRollTimeMs(), 7200000);
  assert.equal(c.logRollTimeJitterMs(), 3600000);
  assert.equal(BrokerConfig.from(minimal({ 'log.roll.ms': '5' })).logRollTimeMs(), 5);
  assert.equal(BrokerConfig.from(minimal()).logFlushIntervalMs(), Number.MAX_SAFE_INTEGER);
});

test('overrides beat the properties file', () => {
  const c = BrokerConfig.fromProperties(minimal({ 'num.partitions': '1' }), parseOverrides(['num.partitions=6']));
  assert.equal(c.get('num.partitions'), 6);
});

test('KRaft rules of KafkaConfig.validateValues', () => {
  const withoutRoles = minimal();
  withoutRoles.delete('process.roles');
  assert.match(problemsOf(withoutRoles).join('\n'), /process\.roles/);
  const noId = minimal();
  noId.delete('node.id');
  assert.match(problemsOf(noId).join('\n'), /Missing configuration `node.id`/);
  assert.deepEqual(problemsOf(minimal({ 'broker.id': '2' })), ['You must set `node.id` to the same value as `broker.id`.']);
  assert.equal(BrokerConfig.from(minimal({ 'broker.id': '1' })).get('broker.id'), 1);
  assert.match(problemsOf(minimal({ 'controller.quorum.voters': '2@localhost:9093' })).join('\n'), /node id 1 must be included in the set of voters/);
  assert.match(problemsOf(minimal({ 'controller.quorum.voters': 'localhost:9093' })).join('\n'), /controller\.quorum\.voters.*\{id\}@\{host\}:\{port\}/);
  assert.match(problemsOf(minimal({ 'controller.quorum.voters': '' })).join('\n'), /either controller\.quorum\.bootstrap\.servers/);
  assert.deepEqual(
    problemsOf(minimal({ 'controller.quorum.voters': '', 'controller.quorum.bootstrap.servers': 'localhost:9093' })),
    [],
  );
  assert.match(problemsOf(minimal({ 'controller.listener.names': 'CTRL' })).join('\n'), /must only contain values appearing in the 'listeners'/);
  // A broker-only node must not be a voter and must not listen on the controller listener.
  const brokerOnly = minimal({ 'process.roles': 'broker', 'node.id': '2', listeners: 'PLAINTEXT://:9092' });
  assert.deepEqual(problemsOf(brokerOnly), []);
  assert.match(problemsOf(minimal({ 'process.roles': 'broker' })).join('\n'), /must not be included in the set of voters/);
  // A controller-only node listens only on controller listeners.
  assert.match(problemsOf(minimal({ 'process.roles': 'controller' })).join('\n'), /must only contain KRaft controller listeners/);
  assert.deepEqual(problemsOf(minimal({ 'process.roles': 'controller', listeners: 'CONTROLLER://:9093' })), []);
  assert.match(problemsOf(minimal({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' })).join('\n'), /0\.0\.0\.0/);
  assert.match(problemsOf(minimal({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9094,CONTROLLER://:9093' })).join('\n'), /different name/);
  assert.match(problemsOf(minimal({ listeners: 'EXTERNAL://:9092,CONTROLLER://:9093' })).join('\n'), /No security protocol defined for listener EXTERNAL/);
});

test('dynamic layers: per-broker > cluster default > static, only where Kafka allows', () => {
  const c = BrokerConfig.from({
    static: minimal({ 'log.retention.ms': '1000', 'num.io.threads': '4' }),
    clusterDefault: new Map([
      ['log.retention.ms', '2000'],
      ['num.partitions', '9'], // read-only: ignored
      ['listeners', 'PLAINTEXT://:1'], // per-broker only: ignored at cluster level
    ]),
    perBroker: new Map([['num.io.threads', '16']]),
  });
  assert.equal(c.get('log.retention.ms'), 2000);
  assert.equal(c.get('num.io.threads'), 16);
  assert.equal(c.get('num.partitions'), 1);
  assert.equal(c.get('listeners'), 'PLAINTEXT://:9092,CONTROLLER://:9093');
  assert.equal(c.warnings.length, 2);

  const retention = describeBrokerConfig(c, 'log.retention.ms');
  assert.equal(retention.value, '2000');
  assert.equal(retention.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.equal(retention.readOnly, false);
  assert.deepEqual(
    retention.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`),
    [
      'DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=2000',
      'STATIC_BROKER_CONFIG:log.retention.ms=1000',
      'DEFAULT_CONFIG:log.retention.hours=168',
    ],
  );
  const partitions = describeBrokerConfig(c, 'num.partitions');
  assert.equal(partitions.source, 'DEFAULT_CONFIG');
  assert.equal(partitions.value, '1');
  assert.equal(partitions.readOnly, true);
  const io = describeBrokerConfig(c, 'num.io.threads');
  assert.equal(io.source, 'DYNAMIC_BROKER_CONFIG');
  // The cluster-default resource shows only the dynamic defaults.
  assert.deepEqual(describeBrokerConfigs(c, false).map((e) => e.name), ['log.retention.ms']);
});

test('DescribeConfigs for a broker lists every documented config, hides unknown and secret values', () => {
  const c = BrokerConfig.from(minimal({ 'my.plugin.password': 'secret' }));
  const entries = describeBrokerConfigs(c, true);
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('num.partitions')?.value, '1');
  assert.equal(byName.get('log.segment.bytes')?.value, '1073741824');
  assert.deepEqual(
    byName.get('log.segment.bytes')?.synonyms,
    [{ name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' }],
  );
  assert.equal(byName.get('log.dirs')?.source, 'STATIC_BROKER_CONFIG');
  assert.equal(byName.get('log.retention.ms')?.value, null);
  assert.equal(byName.get('log.flush.interval.messages')?.value, '9223372036854775807');
  const unknown = byName.get('my.plugin.password');
  assert.equal(unknown?.sensitive, true);
  assert.equal(unknown?.value, null);
  assert.equal(byName.has('unstable.api.versions.enable'), false, 'internal configs are hidden unless set');
  assert.deepEqual(entries.map((e) => e.name), [...entries.map((e) => e.name)].sort());
});
