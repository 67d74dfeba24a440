import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig, ConfigException, TopicConfig, parseTopicOverrides } from '../../../src/config/index.js';

function broker(extra: Record<string, string> = {}, dynamic: { cluster?: Record<string, string>; perBroker?: Record<string, string> } = {}): BrokerConfig {
  return BrokerConfig.from({
    static: new Map(
      Object.entries({
        'process.roles': 'broker,controller',
        'node.id': '1',
        'controller.quorum.voters': '1@localhost:9093',
        listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        'controller.listener.names': 'CONTROLLER',
        'log.dirs': '/tmp/gregor-test',
        ...extra,
      }),
    ),
    clusterDefault: new Map(Object.entries(dynamic.cluster ?? {})),
    perBroker: new Map(Object.entries(dynamic.perBroker ?? {})),
  });
}

test('a topic without overrides takes broker synonyms, converted to its unit, else Kafka defaults', () => {
  const t = new TopicConfig(broker({ 'log.retention.hours': '2', 'log.segment.bytes': '1048576', 'log.roll.hours': '3' }));
  assert.deepEqual(t.resolve('retention.ms'), { value: 7200000, source: 'STATIC_BROKER_CONFIG', from: 'log.retention.hours' });
  assert.deepEqual(t.resolve('segment.bytes'), { value: 1048576, source: 'STATIC_BROKER_CONFIG', from: 'log.segment.bytes' });
  assert.equal(t.get('segment.ms'), 3 * 3600000);
  assert.deepEqual(t.resolve('cleanup.policy'), { value: ['delete'], source: 'DEFAULT_CONFIG', from: 'log.cleanup.policy' });
  assert.deepEqual(t.resolve('remote.storage.enable'), { value: false, source: 'DEFAULT_CONFIG' });
  assert.equal(t.get('max.message.bytes'), 1048588);
  assert.equal(t.get('flush.ms'), Number.MAX_SAFE_INTEGER);
  assert.equal(t.get('min.cleanable.dirty.ratio'), 0.5);
  assert.equal(new TopicConfig(broker({ 'log.retention.minutes': '-3' })).get('retention.ms'), -1);
});

test('topic overrides win; the broker dynamic layers beat static', () => {
  const b = broker({ 'log.retention.ms': '1000' }, { cluster: { 'log.retention.ms': '2000' }, perBroker: { 'log.retention.ms': '3000' } });
  assert.deepEqual(new TopicConfig(b).resolve('retention.ms'), { value: 3000, source: 'DYNAMIC_BROKER_CONFIG', from: 'log.retention.ms' });
  const t = new TopicConfig(b, new Map([['retention.ms', '42'], ['cleanup.policy', 'compact,delete']]));
  assert.deepEqual(t.resolve('retention.ms'), { value: 42, source: 'DYNAMIC_TOPIC_CONFIG' });
  const policy: readonly string[] = t.get('cleanup.policy');
  assert.deepEqual(policy, ['compact', 'delete']);
});

test('invalid or unknown topic overrides are rejected with Kafka wording', () => {
  assert.throws(() => new TopicConfig(broker(), new Map([['segment.bytes', '1']])), {
    message: 'Invalid value 1 for configuration segment.bytes: Value must be at least 14',
  });
  assert.throws(() => parseTopicOverrides(new Map([['log.segment.bytes', '1']])), (e: unknown) =>
    e instanceof ConfigException && e.problems[0] === 'Unknown topic config name: log.segment.bytes');
  assert.throws(() => parseTopicOverrides(new Map([['retention.ms', '-2']])), /Value must be at least -1/);
});

test('describe mirrors Kafka: value, source and synonym chain', () => {
  const b = broker({ 'log.segment.bytes': '2000000' }, { cluster: { 'log.segment.bytes': '3000000' } });
  const t = new TopicConfig(b, new Map([['segment.bytes', '1000000']]));
  const seg = t.describe('segment.bytes');
  assert.equal(seg.value, '1000000');
  assert.equal(seg.source, 'DYNAMIC_TOPIC_CONFIG');
  assert.equal(seg.readOnly, false);
  assert.deepEqual(seg.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`), [
    'DYNAMIC_TOPIC_CONFIG:segment.bytes=1000000',
    'DYNAMIC_DEFAULT_BROKER_CONFIG:log.segment.bytes=3000000',
    'STATIC_BROKER_CONFIG:log.segment.bytes=2000000',
    'DEFAULT_CONFIG:log.segment.bytes=1073741824',
  ]);
  // With nothing set, Kafka lists no synonyms for retention.ms: the chain is cut before its first
  // synonym (log.retention.ms), which has no value anywhere.
  const plain = new TopicConfig(broker());
  const retention = plain.describe('retention.ms');
  assert.equal(retention.value, '604800000');
  assert.equal(retention.source, 'DEFAULT_CONFIG');
  assert.deepEqual(retention.synonyms, []);
  const withMs = new TopicConfig(broker({ 'log.retention.ms': '5000' })).describe('retention.ms');
  assert.equal(withMs.source, 'STATIC_BROKER_CONFIG');
  assert.deepEqual(withMs.synonyms.map((s) => s.name), ['log.retention.ms', 'log.retention.hours']);
  const all = plain.describeAll();
  assert.equal(all.length, 36);
  assert.equal(all.find((e) => e.name === 'flush.messages')?.value, '9223372036854775807');
  assert.equal(all.find((e) => e.name === 'cleanup.policy')?.value, 'delete');
});
