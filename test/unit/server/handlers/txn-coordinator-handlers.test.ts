/**
 * The transaction coordinator's handlers through the codec at each version: InitProducerId with a
 * transactional id, AddPartitionsToTxn v0-5 (v4+ batched, verifyOnly), AddOffsetsToTxn, EndTxn
 * (KIP-588's PRODUCER_FENCED → INVALID_PRODUCER_EPOCH for old versions), Describe/ListTransactions,
 * FindCoordinator key type 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import { TopicPartitionSet, partitionFor } from '../../../../src/coordinator/index.js';
import {
  AddOffsetsToTxnRequest,
  AddPartitionsToTxnRequest,
  CreateTopicsRequest,
  DescribeTransactionsRequest,
  EndTxnRequest,
  FindCoordinatorRequest,
  InitProducerIdRequest,
  ListTransactionsRequest,
} from '../../../../src/protocol/index.js';
import { createAddOffsetsToTxnHandler } from '../../../../src/server/handlers/add-offsets-to-txn.js';
import { createAddPartitionsToTxnHandler } from '../../../../src/server/handlers/add-partitions-to-txn.js';
import { createDescribeTransactionsHandler } from '../../../../src/server/handlers/describe-transactions.js';
import { createEndTxnHandler } from '../../../../src/server/handlers/end-txn.js';
import { createFindCoordinatorHandler } from '../../../../src/server/handlers/find-coordinator.js';
import { createInitProducerIdHandler } from '../../../../src/server/handlers/init-producer-id.js';
import { createListTransactionsHandler } from '../../../../src/server/handlers/list-transactions.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';
import { Harness as GroupHarness } from '../../coordinator/harness.js';
import { Harness } from '../../coordinator/transaction/harness.js';

function setup() {
  const broker = new FakeBrokerContext();
  broker.addTopic('t', { partitions: 2 });
  const h = new Harness();
  return { broker, h, tc: h.tc };
}

async function initTxn(broker: FakeBrokerContext, h: Harness, id = 'tx', version = 4) {
  const init = createInitProducerIdHandler(broker, undefined, h.tc);
  const r = await callHandler(init, InitProducerIdRequest.create({ transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }), version);
  assert.equal(r.errorCode, 0);
  return r;
}

test('InitProducerId through the coordinator: transactional ids, idempotent ids, KIP-588 error mapping', async () => {
  const { broker, h } = setup();
  const init = createInitProducerIdHandler(broker, undefined, h.tc);
  const idem = await callHandler(init, InitProducerIdRequest.create({ transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }), 1);
  assert.deepEqual([idem.errorCode, idem.producerEpoch], [0, 0]);
  const first = await initTxn(broker, h);
  assert.equal(first.producerEpoch, 0);
  const bad = InitProducerIdRequest.create({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: first.producerId, producerEpoch: 99 });
  assert.equal((await callHandler(init, bad, 3)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await callHandler(init, bad, 4)).errorCode, ErrorCode.PRODUCER_FENCED);
  const half = InitProducerIdRequest.create({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: 5, producerEpoch: -1 });
  assert.equal((await callHandler(init, half, 3)).errorCode, ErrorCode.INVALID_REQUEST);
  const tooLong = InitProducerIdRequest.create({ transactionalId: 'tx', transactionTimeoutMs: 900_001, producerId: -1, producerEpoch: -1 });
  assert.equal((await callHandler(init, tooLong, 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
});

test('AddPartitionsToTxn v0-3: one transaction at the top level, results by topic', async () => {
  const { broker, h } = setup();
  const add = createAddPartitionsToTxnHandler(broker, h.tc);
  const { producerId, producerEpoch } = await initTxn(broker, h);
  const req = (epoch: number, topics = [{ name: 't', partitions: [0, 1] }]) =>
    AddPartitionsToTxnRequest.create({ v3AndBelowTransactionalId: 'tx', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: topics });
  for (const v of [0, 1, 2, 3]) {
    const r = await callHandler(add, req(producerEpoch), v);
    assert.deepEqual(r.resultsByTopicV3AndBelow, [{ name: 't', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }, { partitionIndex: 1, partitionErrorCode: 0 }] }], `v${v}`);
  }
  assert.deepEqual([...h.txn('tx').topicPartitions], [['t', 0], ['t', 1]]);
  const fenced1 = await callHandler(add, req(producerEpoch + 1), 1);
  assert.equal(fenced1.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  const fenced2 = await callHandler(add, req(producerEpoch + 1), 2);
  assert.equal(fenced2.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.PRODUCER_FENCED);
  // An unknown partition fails the whole transaction; the others are not attempted.
  const unknown = await callHandler(add, req(producerEpoch, [{ name: 't', partitions: [1, 7] }, { name: 'nope', partitions: [0] }]), 3);
  assert.deepEqual(
    unknown.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition.map((p) => [p.partitionIndex, p.partitionErrorCode])]),
    [
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['t', [[1, ErrorCode.OPERATION_NOT_ATTEMPTED], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ],
  );
  assert.equal(h.txn('tx').topicPartitions.has('t', 7), false);
});

test('AddPartitionsToTxn v4-5: batched transactions, verifyOnly checks without writing', async () => {
  const { broker, h } = setup();
  const add = createAddPartitionsToTxnHandler(broker, h.tc);
  const a = await initTxn(broker, h, 'a');
  const b = await initTxn(broker, h, 'b');
  for (const v of [4, 5]) {
    const r = await callHandler(
      add,
      AddPartitionsToTxnRequest.create({
        transactions: [
          { transactionalId: 'a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: false, topics: [{ name: 't', partitions: [0] }] },
          { transactionalId: 'b', producerId: b.producerId, producerEpoch: b.producerEpoch + 1, verifyOnly: false, topics: [{ name: 't', partitions: [1] }] },
        ],
      }),
      v,
    );
    assert.equal(r.errorCode, 0);
    assert.deepEqual(
      r.resultsByTransaction.map((t) => [t.transactionalId, t.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode]),
      [['a', 0], ['b', ErrorCode.PRODUCER_FENCED]],
      `v${v}`,
    );
  }
  const written = h.written.length;
  const verify = await callHandler(
    add,
    AddPartitionsToTxnRequest.create({
      transactions: [{ transactionalId: 'a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: true, topics: [{ name: 't', partitions: [0, 1] }] }],
    }),
    4,
  );
  assert.deepEqual(verify.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition, [
    { partitionIndex: 0, partitionErrorCode: 0 },
    { partitionIndex: 1, partitionErrorCode: ErrorCode.TRANSACTION_ABORTABLE },
  ]);
  assert.equal(h.written.length, written);
});

test('AddOffsetsToTxn adds the group\'s __consumer_offsets partition; EndTxn commits; old versions get INVALID_PRODUCER_EPOCH', async () => {
  const { broker, h } = setup();
  const addOffsets = createAddOffsetsToTxnHandler(broker, h.tc);
  const end = createEndTxnHandler(h.tc);
  const { producerId, producerEpoch } = await initTxn(broker, h);
  const r = await callHandler(addOffsets, AddOffsetsToTxnRequest.create({ transactionalId: 'tx', producerId, producerEpoch, groupId: 'grp' }), 0);
  assert.equal(r.errorCode, 0);
  assert.deepEqual([...h.txn('tx').topicPartitions], [['__consumer_offsets', partitionFor('grp', 50)]]);
  const stale = AddOffsetsToTxnRequest.create({ transactionalId: 'tx', producerId, producerEpoch: producerEpoch + 1, groupId: 'grp' });
  assert.equal((await callHandler(addOffsets, stale, 1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await callHandler(addOffsets, stale, 2)).errorCode, ErrorCode.PRODUCER_FENCED);

  const staleEnd = EndTxnRequest.create({ transactionalId: 'tx', producerId, producerEpoch: producerEpoch + 1, committed: true });
  assert.equal((await callHandler(end, staleEnd, 1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await callHandler(end, staleEnd, 3)).errorCode, ErrorCode.PRODUCER_FENCED);
  const ok = await callHandler(end, EndTxnRequest.create({ transactionalId: 'tx', producerId, producerEpoch, committed: true }), 4);
  assert.equal(ok.errorCode, 0);
  assert.equal(h.markerRequests[0]!.markers[0]!.topics[0]!.name, '__consumer_offsets');
});

test('DescribeTransactions v0 and ListTransactions v0-1', async () => {
  const { broker, h } = setup();
  await initTxn(broker, h, 'a');
  const describe = createDescribeTransactionsHandler(h.tc);
  const d = await callHandler(describe, DescribeTransactionsRequest.create({ transactionalIds: ['a', 'missing'] }), 0);
  assert.deepEqual(d.transactionStates.map((s) => [s.transactionalId, s.errorCode, s.transactionState]), [
    ['a', 0, 'Empty'],
    ['missing', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, ''],
  ]);
  const list = createListTransactionsHandler(h.tc);
  const l0 = await callHandler(list, ListTransactionsRequest.create({ stateFilters: ['Empty'], producerIdFilters: [] }), 0);
  assert.deepEqual(l0.transactionStates.map((s) => s.transactionalId), ['a']);
  // v1's duration filter: only transactions running longer than it (v0 has none).
  const a = h.txn('a');
  await h.tc.addPartitions('a', a.producerId, a.producerEpoch, new TopicPartitionSet([['t', 0]]));
  h.clock.advance(1000);
  const longer = (durationFilter: number, v: number) => callHandler(list, ListTransactionsRequest.create({ stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter }), v);
  assert.deepEqual((await longer(3_600_000, 1)).transactionStates, []);
  assert.deepEqual((await longer(500, 1)).transactionStates.map((s) => s.transactionalId), ['a']);
  assert.deepEqual((await longer(3_600_000, 0)).transactionStates.map((s) => s.transactionalId), ['a']);
});

test('FindCoordinator key type 1: creates __transaction_state (capped replicas and min ISR), then names the partition leader', async () => {
  const broker = new FakeBrokerContext({ props: { 'transaction.state.log.num.partitions': '3' } });
  const gh = new GroupHarness({ numPartitions: 1 });
  const find = createFindCoordinatorHandler(broker, gh.gc);
  const first = await callHandler(find, FindCoordinatorRequest.create({ keyType: 1, coordinatorKeys: ['tx'] }), 4);
  assert.equal(first.coordinators[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  for (let i = 0; i < 20 && !broker.image().topics.byName.has('__transaction_state'); i++) await new Promise((r) => setImmediate(r));
  const call = broker.controller.calls.find((c) => c.method === 'createTopics')!;
  const topic = (call.args[0] as CreateTopicsRequest).topics[0]!;
  assert.equal(topic.name, '__transaction_state');
  assert.equal(topic.numPartitions, 3);
  assert.equal(topic.replicationFactor, 1);
  const configs = new Map(topic.configs.map((c) => [c.name, c.value]));
  assert.equal(configs.get('cleanup.policy'), 'compact');
  assert.equal(configs.get('min.insync.replicas'), '1');
  assert.equal(broker.image().topics.byName.get('__transaction_state')!.partitions.size, 3);
  for (const v of [1, 3]) {
    const r = await callHandler(find, FindCoordinatorRequest.create({ key: 'tx', keyType: 1 }), v);
    assert.deepEqual([r.errorCode, r.nodeId, r.host, r.port], [0, 1, 'localhost', 9092], `v${v}`);
  }
});
