import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROKER_CONFIGS,
  LONG_MAX,
  TOPIC_CONFIGS,
  formatValue,
  parseValue,
  type BrokerConfigSpec,
  type ConfigValue,
  type TopicConfigSpec,
} from '../../../src/config/index.js';

const broker = BROKER_CONFIGS as Record<string, BrokerConfigSpec>;
const topic = TOPIC_CONFIGS as Record<string, TopicConfigSpec>;

test('every default is valid for its own type and validator, and survives a format/parse round trip', () => {
  for (const [name, spec] of [...Object.entries(broker), ...Object.entries(topic)]) {
    if (spec.default === null) continue;
    const problem = spec.validator?.check(spec.default as ConfigValue, name);
    assert.equal(problem, undefined, `${name} default fails its validator`);
    const text = formatValue(spec.type, spec.default as ConfigValue);
    assert.notEqual(text, null);
    assert.deepEqual(parseValue(name, spec.type, text as string), spec.default, name);
  }
});

test('every topic synonym is a broker config of a compatible type', () => {
  for (const [name, spec] of Object.entries(topic)) {
    for (const s of spec.synonyms) {
      const b = broker[s.name];
      assert.ok(b, `${name}: synonym ${s.name} missing from the broker table`);
      if (s.unit === undefined) assert.equal(b.type, spec.type, `${name} <- ${s.name}`);
      else assert.ok(['int', 'long'].includes(b.type), `${s.name} is numeric`);
    }
  }
});

test('the topic table covers all 36 topic configs of Kafka 3.9', () => {
  const expected = [
    'cleanup.policy', 'compression.gzip.level', 'compression.lz4.level', 'compression.type', 'compression.zstd.level',
    'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
    'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
    'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
    'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms',
    'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
    'remote.log.copy.disable', 'remote.log.delete.on.disable', 'remote.storage.enable', 'retention.bytes', 'retention.ms',
    'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
  ];
  assert.deepEqual(Object.keys(topic).sort(), expected);
});

test('spot checks against Kafka 3.9 defaults and modes', () => {
  const b = (n: string): BrokerConfigSpec => broker[n] as BrokerConfigSpec;
  assert.equal(b('log.segment.bytes').default, 1073741824);
  assert.equal(b('log.segment.bytes').dynamic, 'cluster-wide');
  assert.equal(b('log.retention.hours').default, 168);
  assert.equal(b('log.retention.hours').dynamic, 'read-only');
  assert.equal(b('log.retention.ms').default, null);
  assert.equal(b('message.max.bytes').default, 1048588);
  assert.equal(b('offsets.topic.num.partitions').default, 50);
  assert.equal(b('offsets.topic.replication.factor').type, 'short');
  assert.equal(b('group.initial.rebalance.delay.ms').default, 3000);
  assert.equal(b('listeners').dynamic, 'per-broker');
  assert.equal(b('num.network.threads').dynamic, 'cluster-wide');
  assert.equal(b('max.connections').dynamic, 'cluster-wide');
  assert.equal(b('num.partitions').dynamic, 'read-only');
  assert.equal(b('log.flush.interval.messages').default, LONG_MAX);
  assert.equal(formatValue('long', LONG_MAX), '9223372036854775807');
  assert.equal(formatValue('double', b('log.cleaner.io.max.bytes.per.second').default as number), '1.7976931348623157E308');
  assert.equal(b('inter.broker.protocol.version').default, '3.9-IV0');
  assert.equal(
    b('listener.security.protocol.map').default,
    'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
  );
  const t = (n: string): TopicConfigSpec => topic[n] as TopicConfigSpec;
  assert.deepEqual(t('retention.ms').synonyms.map((s) => s.name), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
  assert.deepEqual(t('segment.bytes').synonyms.map((s) => s.name), ['log.segment.bytes']);
  assert.deepEqual(t('cleanup.policy').synonyms.map((s) => s.name), ['log.cleanup.policy']);
  assert.deepEqual(t('max.message.bytes').synonyms.map((s) => s.name), ['message.max.bytes']);
  assert.deepEqual(t('remote.storage.enable').synonyms, []);
  assert.equal(t('retention.ms').default, 604800000);
  assert.equal(t('message.downconversion.enable').importance, 'low');
});

test('validators word their complaints as Kafka does', () => {
  const seg = topic['segment.bytes'] as TopicConfigSpec;
  assert.equal(seg.validator?.check(13, 'segment.bytes'), 'Value must be at least 14');
  assert.equal(seg.validator?.describe, '[14,...]');
  const ratio = topic['min.cleanable.dirty.ratio'] as TopicConfigSpec;
  assert.equal(ratio.validator?.check(1.5, 'min.cleanable.dirty.ratio'), 'Value must be no more than 1');
  assert.equal(ratio.validator?.describe, '[0,...,1]');
  const policy = topic['cleanup.policy'] as TopicConfigSpec;
  assert.deepEqual(policy.validator?.check(['delete', 'bogus'], 'cleanup.policy'), {
    value: 'bogus',
    reason: 'String must be one of: compact, delete',
  });
  const gzip = topic['compression.gzip.level'] as TopicConfigSpec;
  assert.equal(gzip.validator?.check(-1, 'compression.gzip.level'), undefined);
  assert.equal(gzip.validator?.check(0, 'compression.gzip.level'), 'Value must be between 1 and 9 or equal to -1');
  const throttled = topic['leader.replication.throttled.replicas'] as TopicConfigSpec;
  assert.equal(throttled.validator?.check(['*'], 'x'), undefined);
  assert.equal(throttled.validator?.check(['0:1', '1:2'], 'x'), undefined);
  assert.match(String(throttled.validator?.check(['0-1'], 'x')), /must be the literal '\*'/);
  const mv = topic['message.format.version'] as TopicConfigSpec;
  for (const ok of ['3.0-IV1', '3.0', '2.8', '0.10.2', '0.10.2.1', '3.9.0', '4.0-IV0']) {
    assert.equal(mv.validator?.check(ok, 'message.format.version'), undefined, ok);
  }
  for (const bad of ['4.0', '9.9', 'banana', '3.0-IV9']) {
    assert.equal(mv.validator?.check(bad, 'message.format.version'), `Version ${bad} is not a valid version`, bad);
  }
});

test('parseValue follows Kafka ConfigDef.parseType', () => {
  assert.equal(parseValue('x', 'boolean', ' TRUE '), true);
  assert.throws(() => parseValue('x', 'boolean', 'yes'), /^ConfigException: Invalid value yes for configuration x: Expected value to be either true or false$/m);
  assert.equal(parseValue('x', 'int', ' -12 '), -12);
  assert.equal(parseValue('x', 'int', '+7'), 7);
  assert.throws(() => parseValue('x', 'int', '2147483648'), /Not a number of type INT/);
  assert.throws(() => parseValue('x', 'int', '1.5'), /Not a number of type INT/);
  assert.throws(() => parseValue('x', 'short', '40000'), /Not a number of type SHORT/);
  assert.equal(parseValue('x', 'long', '9223372036854775807'), Number.MAX_SAFE_INTEGER);
  assert.equal(parseValue('x', 'long', '-9223372036854775808'), Number.MIN_SAFE_INTEGER);
  assert.throws(() => parseValue('x', 'long', '9223372036854775808'), /Not a number of type LONG/);
  assert.equal(parseValue('x', 'long', '604800000'), 604800000);
  assert.equal(parseValue('x', 'double', '0.9'), 0.9);
  assert.equal(parseValue('x', 'double', '1e3'), 1000);
  assert.throws(() => parseValue('x', 'double', 'abc'), /Not a number of type DOUBLE/);
  assert.deepEqual(parseValue('x', 'list', ''), []);
  assert.deepEqual(parseValue('x', 'list', ' compact , delete '), ['compact', 'delete']);
  assert.equal(parseValue('x', 'string', '  spaced  '), 'spaced');
  const secret = parseValue('x', 'password', 'hunter2');
  assert.equal(String(secret), '[hidden]');
  assert.equal(JSON.stringify({ secret }), '{"secret":"[hidden]"}');
});

test('formatValue matches Java rendering', () => {
  assert.equal(formatValue('double', 0.5), '0.5');
  assert.equal(formatValue('double', 1), '1.0');
  assert.equal(formatValue('double', 2147483647), '2.147483647E9');
  assert.equal(formatValue('double', 0.0001), '1.0E-4');
  assert.equal(formatValue('list', ['a', 'b']), 'a,b');
  assert.equal(formatValue('long', -1), '-1');
  assert.equal(formatValue('string', null), null);
});
