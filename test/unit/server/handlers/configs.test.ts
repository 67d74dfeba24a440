import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_BROKER_LOGGER,
  CONFIG_RESOURCE_TOPIC,
  OP_APPEND,
  OP_DELETE,
  OP_SET,
  configResourceKey,
} from '../../../../src/metadata/index.js';
import {
  AlterConfigsRequest,
  DescribeConfigsRequest,
  IncrementalAlterConfigsRequest,
  createAlterConfigsRequest,
  createDescribeConfigsRequest,
  createIncrementalAlterConfigsRequest,
} from '../../../../src/protocol/index.js';
import { createAlterConfigsHandler } from '../../../../src/server/handlers/alter-configs.js';
import { createDescribeConfigsHandler } from '../../../../src/server/handlers/describe-configs.js';
import { createIncrementalAlterConfigsHandler } from '../../../../src/server/handlers/incremental-alter-configs.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const TOPIC = CONFIG_RESOURCE_TOPIC;
const BROKER = CONFIG_RESOURCE_BROKER;

function setup() {
  const b = new FakeBrokerContext({ props: { 'log.retention.hours': '24', 'ssl.keystore.password': 'secret' } });
  b.addTopic('t', { configs: { 'cleanup.policy': 'compact' } });
  return b;
}

test('DescribeConfigs TOPIC, every version: every topic config with value and source; synonyms (v1+) and docs/types (v3+) only when asked', async () => {
  const b = setup();
  const h = createDescribeConfigsHandler(b);
  for (const v of range(DescribeConfigsRequest.minVersion, DescribeConfigsRequest.maxVersion)) {
    for (const asked of [false, true]) {
      const r = await callHandler(
        h,
        createDescribeConfigsRequest({ resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }], includeSynonyms: asked, includeDocumentation: asked }),
        v,
      );
      const res = r.results[0]!;
      assert.equal(res.errorCode, 0);
      assert.ok(res.configs.length > 25, `v${v}: ${res.configs.length} configs`);
      const get = (n: string) => res.configs.find((c) => c.name === n)!;
      const cleanup = get('cleanup.policy');
      assert.equal(cleanup.value, 'compact');
      assert.equal(cleanup.readOnly, false);
      const retention = get('retention.ms');
      assert.equal(retention.value, String(24 * 3600 * 1000));
      if (v === 0) {
        assert.equal(get('segment.bytes').isDefault, true);
        assert.equal(cleanup.isDefault, false);
      } else {
        assert.equal(cleanup.configSource, 1); // DYNAMIC_TOPIC_CONFIG
        // Kafka's quirk (config README): log.retention.hours is not retention.ms's first synonym, so DEFAULT_CONFIG.
        assert.equal(retention.configSource, 5);
        assert.equal(get('segment.bytes').configSource, 5);
        if (asked) {
          assert.deepEqual(cleanup.synonyms.map((s) => [s.name, s.value, s.source]), [
            ['cleanup.policy', 'compact', 1],
            ['log.cleanup.policy', 'delete', 5],
          ]);
        } else assert.deepEqual(cleanup.synonyms, []);
      }
      if (v >= 3) {
        assert.equal(retention.configType, 5); // LONG
        assert.equal(cleanup.configType, 7); // LIST
        assert.equal(typeof retention.documentation, asked ? 'string' : 'object');
      }
    }
  }
});

test('DescribeConfigs: configuration_keys filter; unknown topic, illegal name, unknown type are per-resource errors', async () => {
  const b = setup();
  const h = createDescribeConfigsHandler(b);
  const r = await callHandler(
    h,
    createDescribeConfigsRequest({
      resources: [
        { resourceType: TOPIC, resourceName: 't', configurationKeys: ['retention.ms', 'no.such'] },
        { resourceType: TOPIC, resourceName: 'missing', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: 77, resourceName: 'x', configurationKeys: null },
      ],
    }),
    4,
  );
  assert.deepEqual(r.results[0]!.configs.map((c) => c.name), ['retention.ms']);
  assert.deepEqual(r.results.map((x) => [x.resourceName, x.errorCode]), [
    ['t', 0],
    ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['x', ErrorCode.INVALID_REQUEST],
  ]);
  assert.equal(r.results[2]!.errorMessage, "Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
});

test('DescribeConfigs BROKER: this node (all configs, sensitive hidden), cluster default (dynamic only), another node INVALID_REQUEST', async () => {
  const b = setup();
  b.setConfig({ type: BROKER, name: '' }, 'message.max.bytes', '2000000');
  const h = createDescribeConfigsHandler(b);
  const r = await callHandler(
    h,
    createDescribeConfigsRequest({
      resources: [
        { resourceType: BROKER, resourceName: '1', configurationKeys: null },
        { resourceType: BROKER, resourceName: '', configurationKeys: null },
        { resourceType: BROKER, resourceName: '2', configurationKeys: null },
      ],
      includeSynonyms: true,
    }),
    2,
  );
  const [self, defaults, other] = r.results;
  const get = (n: string) => self!.configs.find((c) => c.name === n)!;
  assert.equal(get('num.partitions').value, '1');
  assert.equal(get('num.partitions').configSource, 5);
  assert.equal(get('message.max.bytes').value, '2000000');
  assert.equal(get('message.max.bytes').configSource, 3); // DYNAMIC_DEFAULT_BROKER_CONFIG
  assert.equal(get('log.dirs').readOnly, true);
  const password = get('ssl.keystore.password');
  assert.deepEqual([password.value, password.isSensitive], [null, true]);
  assert.ok(password.synonyms.every((s) => s.value === null));
  assert.deepEqual(defaults!.configs.map((c) => [c.name, c.value]), [['message.max.bytes', '2000000']]);
  assert.equal(other!.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(other!.errorMessage, 'Unexpected broker id, expected 1 or empty string, but received 2');
});

test('IncrementalAlterConfigs TOPIC goes to the controller; results in request order; validate_only changes nothing', async () => {
  for (const v of range(IncrementalAlterConfigsRequest.minVersion, IncrementalAlterConfigsRequest.maxVersion)) {
    const b = setup();
    const h = createIncrementalAlterConfigsHandler(b);
    const req = (validateOnly: boolean) =>
      createIncrementalAlterConfigsRequest({
        validateOnly,
        resources: [
          { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', configOperation: OP_SET, value: '1' }] },
          {
            resourceType: TOPIC,
            resourceName: 't',
            configs: [
              { name: 'retention.ms', configOperation: OP_SET, value: '5000' },
              { name: 'cleanup.policy', configOperation: OP_DELETE, value: null },
            ],
          },
        ],
      });
    const dry = await callHandler(h, req(true), v);
    assert.deepEqual(dry.responses.map((x) => [x.resourceName, x.errorCode]), [['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['t', 0]]);
    assert.equal(b.image().configs.get(configResourceKey({ type: TOPIC, name: 't' }))?.get('cleanup.policy'), 'compact');
    const r = await callHandler(h, req(false), v);
    assert.equal(r.responses[1]!.errorCode, 0);
    assert.deepEqual([...b.image().configs.get(configResourceKey({ type: TOPIC, name: 't' }))!], [['retention.ms', '5000']]);
  }
});

test('IncrementalAlterConfigs preprocessing: duplicates, null values, broker id, read-only and per-broker keys, bad values, list append', async () => {
  const b = setup();
  const h = createIncrementalAlterConfigsHandler(b);
  type Res = { resourceType: number; resourceName: string; configs: Array<{ name: string; configOperation: number; value: string | null }> };
  const one = async (resources: Res[]) => (await callHandler(h, createIncrementalAlterConfigsRequest({ resources }), 1)).responses;
  const set = (name: string, value: string | null, op = OP_SET) => [{ name, configOperation: op, value }];
  const dup = await one([
    { resourceType: TOPIC, resourceName: 'dup', configs: [] },
    { resourceType: TOPIC, resourceName: 'dup', configs: [] },
    { resourceType: TOPIC, resourceName: 't', configs: set('a', null) },
    { resourceType: TOPIC, resourceName: 'u', configs: [...set('a', '1'), ...set('a', '2')] },
    { resourceType: 99, resourceName: 'x', configs: [] },
  ]);
  assert.deepEqual(dup.map((x) => x.errorCode), Array(5).fill(ErrorCode.INVALID_REQUEST));
  assert.equal(dup[0]!.errorMessage, 'Each resource must appear at most once.');
  assert.equal(dup[2]!.errorMessage, 'Null value not supported for : a');
  assert.equal(dup[3]!.errorMessage, 'Error due to duplicate config keys');
  const cases: Array<[Res, number, RegExp]> = [
    [{ resourceType: BROKER, resourceName: '2', configs: set('message.max.bytes', '5') }, ErrorCode.INVALID_REQUEST, /^Unexpected broker id, expected 1, but received 2$/],
    [{ resourceType: BROKER, resourceName: 'x', configs: set('message.max.bytes', '5') }, ErrorCode.INVALID_REQUEST, /must be an integer/],
    [{ resourceType: BROKER, resourceName: '1', configs: set('log.dirs', '/x') }, ErrorCode.INVALID_REQUEST, /Cannot update these configs dynamically: Set\(log.dirs\)/],
    [{ resourceType: BROKER, resourceName: '', configs: set('listeners', 'PLAINTEXT://:1') }, ErrorCode.INVALID_REQUEST, /broker id must be specified/],
    [{ resourceType: BROKER, resourceName: '1', configs: set('message.max.bytes', 'lots') }, ErrorCode.INVALID_REQUEST, /message.max.bytes/],
    [{ resourceType: BROKER, resourceName: '1', configs: set('message.max.bytes', '1', OP_APPEND) }, ErrorCode.INVALID_CONFIG, /append is not allowed/],
  ];
  for (const [res, code, message] of cases) {
    const [r] = await one([res]);
    assert.equal(r!.errorCode, code, JSON.stringify(res));
    assert.match(r!.errorMessage!, message);
  }
  assert.equal(b.controller.calls.length, 0);
  const ok = await one([
    { resourceType: BROKER, resourceName: '', configs: set('message.max.bytes', '3000000') },
    { resourceType: BROKER, resourceName: '1', configs: set('log.cleanup.policy', 'compact', OP_APPEND) },
  ]);
  assert.deepEqual(ok.map((x) => x.errorCode), [0, 0]);
  assert.equal(b.config().get('message.max.bytes'), 3000000);
  assert.ok(b.config().get('log.cleanup.policy').includes('compact'));
  const forwarded = b.controller.calls.filter((c) => c.method === 'incrementalAlterConfigs');
  assert.deepEqual([...(forwarded[0]!.args[0] as Map<{ name: string }, unknown>).keys()].map((k) => k.name), ['', '1']);
});

test('IncrementalAlterConfigs BROKER_LOGGER: levels set here and described back; bad levels, APPEND and root deletion refused', async () => {
  const b = setup();
  const alter = createIncrementalAlterConfigsHandler(b);
  const describe = createDescribeConfigsHandler(b);
  const L = CONFIG_RESOURCE_BROKER_LOGGER;
  const r = await callHandler(
    alter,
    createIncrementalAlterConfigsRequest({
      resources: [
        { resourceType: L, resourceName: '1', configs: [{ name: 'kafka.server', configOperation: OP_SET, value: 'DEBUG' }] },
        { resourceType: L, resourceName: '2', configs: [{ name: 'x', configOperation: OP_SET, value: 'DEBUG' }] },
      ],
    }),
    0,
  );
  assert.deepEqual(r.responses.map((x) => x.errorCode), [0, ErrorCode.INVALID_REQUEST]);
  const bad = await callHandler(
    alter,
    createIncrementalAlterConfigsRequest({
      resources: [
        { resourceType: L, resourceName: '1', configs: [{ name: 'a', configOperation: OP_SET, value: 'LOUD' }] },
        { resourceType: L, resourceName: '1 ', configs: [{ name: 'a', configOperation: OP_APPEND, value: 'INFO' }] },
        { resourceType: L, resourceName: ' 1', configs: [{ name: 'root', configOperation: OP_DELETE, value: null }] },
      ],
    }),
    1,
  );
  assert.deepEqual(bad.responses.map((x) => x.errorCode), [ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  const d = await callHandler(describe, createDescribeConfigsRequest({ resources: [{ resourceType: L, resourceName: '1', configurationKeys: null }] }), 4);
  assert.deepEqual(d.results[0]!.configs.map((c) => [c.name, c.value, c.configSource]), [
    ['kafka.server', 'DEBUG', 6],
    ['root', 'INFO', 6],
  ]);
  assert.equal(b.controller.calls.length, 0);
});

test('AlterConfigs v0-2: replaces topic configs through the controller; BROKER_LOGGER and null values refused', async () => {
  for (const v of range(AlterConfigsRequest.minVersion, AlterConfigsRequest.maxVersion)) {
    const b = setup();
    const h = createAlterConfigsHandler(b);
    const r = await callHandler(
      h,
      createAlterConfigsRequest({
        resources: [
          { resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: '7' }] },
          { resourceType: CONFIG_RESOURCE_BROKER_LOGGER, resourceName: '1', configs: [] },
          { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', value: null }] },
          { resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.cleaner.threads', value: '2' }] },
        ],
        validateOnly: false,
      }),
      v,
    );
    assert.deepEqual(r.responses.map((x) => [x.resourceName, x.errorCode]), [
      ['t', 0],
      ['1', ErrorCode.INVALID_REQUEST],
      ['missing', ErrorCode.INVALID_REQUEST],
      ['1', 0],
    ]);
    assert.equal(r.responses[1]!.errorMessage, 'Unknown resource type 8');
    assert.deepEqual([...b.image().configs.get(configResourceKey({ type: TOPIC, name: 't' }))!], [['retention.ms', '7']]);
    assert.equal(b.config().get('log.cleaner.threads'), 2);
  }
});
