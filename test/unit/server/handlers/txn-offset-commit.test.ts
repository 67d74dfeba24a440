/** TxnOffsetCommit over the wire codec, version by version, and OffsetFetch require_stable, on a fake broker and a SimClock coordinator. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import { OffsetFetchRequest, TxnOffsetCommitRequest } from '../../../../src/protocol/index.js';
import { createOffsetFetchHandler } from '../../../../src/server/handlers/group-handlers.js';
import { createTxnOffsetCommitHandler } from '../../../../src/server/handlers/txn-offset-commit.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';
import { Harness } from '../../coordinator/harness.js';

const req = (topics: Array<[string, number[]]>, init: Partial<TxnOffsetCommitRequest> = {}) =>
  TxnOffsetCommitRequest.create({
    transactionalId: 'tx',
    groupId: 'g',
    producerId: 7,
    producerEpoch: 1,
    topics: topics.map(([name, parts]) => ({ name, partitions: parts.map((partitionIndex) => ({ partitionIndex, committedOffset: 10 + partitionIndex, committedLeaderEpoch: -1, committedMetadata: null })) })),
    ...init,
  });

const codes = (r: { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> }) =>
  r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]);

test('TxnOffsetCommit v0-v4: unknown topics and partitions answered by the handler, the rest pending; OffsetFetch require_stable from v7', async () => {
  const broker = new FakeBrokerContext();
  broker.addTopic('t', { partitions: 2 });
  const h = new Harness({ numPartitions: 1 });
  const handler = createTxnOffsetCommitHandler(broker, h.gc);
  const fetch = createOffsetFetchHandler(h.gc);
  for (const v of [0, 1, 2, 3, 4]) {
    const r = await callHandler(handler, req([['t', [0, 5]], ['missing', [0]]], { producerId: 100 + v }), v);
    assert.deepEqual(codes(r), [['t', [[0, 0], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]], ['missing', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]], `v${v}`);
  }
  assert.equal(h.written.length, 5);
  assert.ok(h.written.every((w, i) => w.options?.transactional?.producerId === 100 + i));

  const topics = [{ name: 't', partitionIndexes: [0, 1] }];
  const v6 = await callHandler(fetch, OffsetFetchRequest.create({ groupId: 'g', topics, requireStable: true }), 6);
  assert.deepEqual(v6.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[-1, 0], [-1, 0]], 'require_stable is not in v6');
  const v7 = await callHandler(fetch, OffsetFetchRequest.create({ groupId: 'g', topics, requireStable: true }), 7);
  assert.deepEqual(v7.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[-1, ErrorCode.UNSTABLE_OFFSET_COMMIT], [-1, 0]]);
  const v8 = await callHandler(fetch, OffsetFetchRequest.create({ groups: [{ groupId: 'g', memberId: null, memberEpoch: -1, topics }], requireStable: true }), 8);
  assert.deepEqual(v8.groups[0]!.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[-1, ErrorCode.UNSTABLE_OFFSET_COMMIT], [-1, 0]]);

  for (let i = 0; i < 5; i++) h.gc.onTransactionCompleted(0, 100 + i, 1, i === 3);
  const after = await callHandler(fetch, OffsetFetchRequest.create({ groupId: 'g', topics, requireStable: true }), 7);
  assert.deepEqual(after.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]), [[10, 0], [-1, 0]]);
});

test('TxnOffsetCommit: a loading coordinator is COORDINATOR_NOT_AVAILABLE before v2, as Kafka answers old clients', async () => {
  const broker = new FakeBrokerContext();
  broker.addTopic('t', { partitions: 1 });
  const h = new Harness({ numPartitions: 1 }, false);
  h.gc.beginLoad(0);
  const handler = createTxnOffsetCommitHandler(broker, h.gc);
  for (const [v, code] of [[0, ErrorCode.COORDINATOR_NOT_AVAILABLE], [1, ErrorCode.COORDINATOR_NOT_AVAILABLE], [2, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS], [4, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]] as const) {
    assert.deepEqual(codes(await callHandler(handler, req([['t', [0]]]), v)), [['t', [[0, code]]]], `v${v}`);
  }
  assert.deepEqual(codes(await callHandler(handler, req([['t', [0]]], { groupId: '' }), 3)), [['t', [[0, ErrorCode.INVALID_GROUP_ID]]]]);
});
