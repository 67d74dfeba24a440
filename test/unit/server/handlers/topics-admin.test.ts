import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZERO_UUID } from '../../../../src/common/index.js';
import {
  CreatePartitionsRequest,
  CreateTopicsRequest,
  DeleteTopicsRequest,
  createCreatePartitionsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDeleteTopicsRequest,
} from '../../../../src/protocol/index.js';
import { createCreatePartitionsHandler } from '../../../../src/server/handlers/create-partitions.js';
import { createCreateTopicsHandler } from '../../../../src/server/handlers/create-topics.js';
import { createDeleteTopicsHandler } from '../../../../src/server/handlers/delete-topics.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const topic = (name: string, numPartitions = 1, configs: Array<{ name: string; value: string | null }> = []) =>
  createCreateTopicsRequestCreatableTopic({ name, numPartitions, replicationFactor: 1, assignments: [], configs });

test('CreateTopics: every version creates through the controller with the request deadline; v5+ reports configs, v7 the topic id', async () => {
  for (const v of range(CreateTopicsRequest.minVersion, CreateTopicsRequest.maxVersion)) {
    const b = new FakeBrokerContext();
    b.clock.advance(1000);
    const h = createCreateTopicsHandler(b);
    assert.equal(h.maxVersion, CreateTopicsRequest.maxVersion);
    const r = await callHandler(h, createCreateTopicsRequest({ topics: [topic('t', 3, [{ name: 'retention.ms', value: '1000' }])], timeoutMs: 5000 }), v);
    const t = r.topics[0]!;
    assert.equal(t.errorCode, 0, `v${v}`);
    assert.equal(b.image().topics.byName.get('t')?.partitions.size, 3);
    assert.equal(b.controller.calls[0]!.ctx!.deadlineMs, 6000);
    assert.equal(b.controller.calls[0]!.ctx!.requestVersion, v);
    assert.equal(t.topicId, v >= 7 ? b.image().topics.byName.get('t')!.topicId : ZERO_UUID);
    if (v >= 5) {
      assert.equal(t.numPartitions, 3);
      assert.equal(t.replicationFactor, 1);
      const retention = t.configs!.find((c) => c.name === 'retention.ms')!;
      assert.deepEqual([retention.value, retention.configSource, retention.readOnly, retention.isSensitive], ['1000', 1, false, false]);
      const segment = t.configs!.find((c) => c.name === 'segment.bytes')!;
      assert.deepEqual([segment.value, segment.configSource], ['1073741824', 5]);
    } else {
      assert.equal(t.numPartitions, -1);
      assert.deepEqual(t.configs, []);
    }
  }
});

test('CreateTopics: names given twice are INVALID_REQUEST and not created; __cluster_metadata is refused; controller errors pass through', async () => {
  const b = new FakeBrokerContext();
  b.addTopic('exists');
  const h = createCreateTopicsHandler(b);
  const r = await callHandler(
    h,
    createCreateTopicsRequest({ topics: [topic('dup'), topic('ok'), topic('dup'), topic('__cluster_metadata'), topic('exists'), topic('bad', 0)], timeoutMs: 1000 }),
    4,
  );
  assert.deepEqual(r.topics.map((t) => [t.name, t.errorCode]), [
    ['ok', 0],
    ['exists', ErrorCode.TOPIC_ALREADY_EXISTS],
    ['bad', ErrorCode.INVALID_PARTITIONS],
    ['dup', ErrorCode.INVALID_REQUEST],
    ['__cluster_metadata', ErrorCode.INVALID_REQUEST],
  ]);
  assert.equal(r.topics[3]!.errorMessage, 'Duplicate topic name.');
  assert.equal(b.image().topics.byName.has('dup'), false);
  const sent = b.controller.calls[0]!.args[0] as { topics: Array<{ name: string }> };
  assert.deepEqual(sent.topics.map((t) => t.name), ['ok', 'exists', 'bad']);
});

test('CreateTopics: validate_only (v1+) creates nothing but reports configs (v5+); v0 has no validate_only', async () => {
  const b = new FakeBrokerContext();
  const h = createCreateTopicsHandler(b);
  const r = await callHandler(h, createCreateTopicsRequest({ topics: [topic('v')], timeoutMs: 1000, validateOnly: true }), 5);
  assert.equal(r.topics[0]!.errorCode, 0);
  assert.ok(r.topics[0]!.configs!.length > 20);
  assert.equal(b.image().topics.byName.has('v'), false);
  await callHandler(h, createCreateTopicsRequest({ topics: [topic('v')], timeoutMs: 1000, validateOnly: true }), 0);
  assert.equal(b.image().topics.byName.has('v'), true);
});

test('CreateTopics: an expired deadline is the controller\'s REQUEST_TIMED_OUT', async () => {
  const b = new FakeBrokerContext();
  const h = createCreateTopicsHandler(b);
  b.controller.hold = true;
  const pending = callHandler(h, createCreateTopicsRequest({ topics: [topic('slow')], timeoutMs: 100 }), 7);
  await Promise.resolve();
  b.clock.advance(200);
  b.controller.release();
  const r = await pending;
  assert.equal(r.topics[0]!.errorCode, ErrorCode.REQUEST_TIMED_OUT);
});

test('DeleteTopics v0-5: by name; unknown names UNKNOWN_TOPIC_OR_PARTITION; duplicates INVALID_REQUEST (v5 message)', async () => {
  for (const v of range(0, 5)) {
    const b = new FakeBrokerContext();
    b.addTopic('a');
    b.addTopic('b');
    const h = createDeleteTopicsHandler(b);
    const r = await callHandler(h, createDeleteTopicsRequest({ topicNames: ['a', 'missing', 'b', 'b'], timeoutMs: 1000 }), v);
    const got = new Map(r.responses.map((x) => [x.name, x]));
    assert.equal(got.get('a')!.errorCode, 0);
    assert.equal(got.get('missing')!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(got.get('b')!.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(got.get('b')!.errorMessage, v >= 5 ? 'Duplicate topic name.' : null); // not on the wire before v5
    assert.deepEqual([...b.image().topics.byName.keys()], ['b']);
  }
});

test('DeleteTopics v6: by id or name, not both; unknown ids UNKNOWN_TOPIC_ID; a name mapping to a given id is a duplicate', async () => {
  const b = new FakeBrokerContext();
  const a = b.addTopic('a');
  const c = b.addTopic('c');
  const d = b.addTopic('d');
  const unknown = b.newUuid();
  const h = createDeleteTopicsHandler(b);
  const r = await callHandler(
    h,
    createDeleteTopicsRequest({
      topics: [
        { name: null, topicId: a.topicId },
        { name: null, topicId: unknown },
        { name: 'c', topicId: c.topicId },
        { name: null, topicId: ZERO_UUID },
        { name: null, topicId: d.topicId },
        { name: 'd', topicId: ZERO_UUID },
      ],
      timeoutMs: 1000,
    }),
    6,
  );
  const rows = r.responses.map((x) => [x.name, x.topicId === ZERO_UUID ? 'zero' : x.topicId, x.errorCode]);
  assert.deepEqual(
    new Set(rows.map((x) => JSON.stringify(x))),
    new Set(
      [
        ['c', c.topicId, ErrorCode.INVALID_REQUEST],
        [null, 'zero', ErrorCode.INVALID_REQUEST],
        [null, unknown, ErrorCode.UNKNOWN_TOPIC_ID],
        ['d', d.topicId, ErrorCode.INVALID_REQUEST],
        ['a', a.topicId, 0],
      ].map((x) => JSON.stringify(x)),
    ),
  );
  assert.deepEqual([...b.image().topics.byName.keys()].sort(), ['c', 'd']);
});

test('DeleteTopics: delete.topic.enable=false → TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3)', async () => {
  const b = new FakeBrokerContext({ props: { 'delete.topic.enable': 'false' } });
  b.addTopic('a');
  const h = createDeleteTopicsHandler(b);
  for (const v of range(DeleteTopicsRequest.minVersion, DeleteTopicsRequest.maxVersion)) {
    const req = v >= 6 ? createDeleteTopicsRequest({ topics: [{ name: 'a', topicId: ZERO_UUID }] }) : createDeleteTopicsRequest({ topicNames: ['a'] });
    const r = await callHandler(h, req, v);
    assert.equal(r.responses[0]!.errorCode, v < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED);
  }
  assert.equal(b.controller.calls.length, 0);
});

test('CreatePartitions v0-3: duplicates INVALID_REQUEST; the controller applies the rest', async () => {
  for (const v of range(CreatePartitionsRequest.minVersion, CreatePartitionsRequest.maxVersion)) {
    const b = new FakeBrokerContext();
    b.addTopic('a', { partitions: 1 });
    b.addTopic('b', { partitions: 1 });
    const h = createCreatePartitionsHandler(b);
    const r = await callHandler(
      h,
      createCreatePartitionsRequest({
        topics: [
          { name: 'a', count: 3, assignments: null },
          { name: 'b', count: 2, assignments: null },
          { name: 'b', count: 4, assignments: null },
          { name: 'x', count: 2, assignments: null },
        ],
        timeoutMs: 1000,
        validateOnly: false,
      }),
      v,
    );
    assert.deepEqual(r.results.map((x) => [x.name, x.errorCode]), [
      ['b', ErrorCode.INVALID_REQUEST],
      ['a', 0],
      ['x', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.equal(b.image().topics.byName.get('a')!.partitions.size, 3);
    assert.equal(b.image().topics.byName.get('b')!.partitions.size, 1);
    const validate = await callHandler(h, createCreatePartitionsRequest({ topics: [{ name: 'a', count: 5, assignments: null }], timeoutMs: 1, validateOnly: true }), v);
    assert.equal(validate.results[0]!.errorCode, 0);
    assert.equal(b.image().topics.byName.get('a')!.partitions.size, 3);
  }
});
