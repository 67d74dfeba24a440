/** TransactionMetadata's two-phase transitions against Kafka's table of valid previous states. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import { IllegalTransactionStateError, TopicPartitionSet, TransactionMetadata, decodeTransactionRecord, transactionRecord } from '../../../../src/coordinator/index.js';
import type { TransactionState } from '../../../../src/coordinator/index.js';

function meta(state: TransactionState, partitions: Array<[string, number]> = [], epoch = 3): TransactionMetadata {
  return new TransactionMetadata({
    transactionalId: 't',
    producerId: 7,
    lastProducerId: -1,
    producerEpoch: epoch,
    lastProducerEpoch: -1,
    txnTimeoutMs: 1000,
    state,
    topicPartitions: new TopicPartitionSet(partitions),
    txnStartTimestamp: state === 'Empty' ? -1 : 100,
    txnLastUpdateTimestamp: 100,
  });
}

const ALL: TransactionState[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

test('adding partitions is valid from Empty, Ongoing and Complete*, nowhere else', () => {
  for (const from of ALL) {
    const m = meta(from, from === 'Ongoing' || from.startsWith('Prepare') ? [['a', 0]] : []);
    const ok = ['Empty', 'Ongoing', 'CompleteCommit', 'CompleteAbort'].includes(from);
    if (ok) {
      const t = m.prepareAddPartitions([['b', 1]], 200);
      assert.equal(m.pendingState, 'Ongoing');
      m.completeTransitionTo(t);
      assert.equal(m.state, 'Ongoing');
      assert.ok(m.topicPartitions.has('b', 1));
      assert.equal(m.txnStartTimestamp, from === 'Ongoing' ? 100 : 200);
    } else {
      assert.throws(() => m.prepareAddPartitions([['b', 1]], 200), IllegalTransactionStateError, from);
    }
  }
});

test('Prepare* only from Ongoing; Complete* only from the matching Prepare*; a second pending transition is a bug', () => {
  for (const from of ALL) {
    const m = meta(from, [['a', 0]]);
    if (from === 'Ongoing') {
      m.completeTransitionTo(m.prepareAbortOrCommit('PrepareCommit', 300));
      assert.equal(m.state, 'PrepareCommit');
      m.completeTransitionTo(m.prepareComplete(400));
      assert.equal(m.state, 'CompleteCommit');
      assert.equal(m.topicPartitions.size, 0);
    } else {
      assert.throws(() => m.prepareAbortOrCommit('PrepareCommit', 300), IllegalTransactionStateError, from);
    }
  }
  const m = meta('Ongoing', [['a', 0]]);
  m.prepareAbortOrCommit('PrepareAbort', 300);
  assert.throws(() => m.prepareAddPartitions([['b', 0]], 300), IllegalTransactionStateError);
  // Completing with a transit of another state is a bug as well.
  assert.throws(() => m.completeTransitionTo({ ...m.snapshot(), txnState: 'PrepareCommit' }), IllegalTransactionStateError);
});

test('an epoch fence bumps once (not again after a failed fence) and becomes PrepareAbort', () => {
  const m = meta('Ongoing', [['a', 0]]);
  const fence = m.prepareFenceProducerEpoch();
  assert.deepEqual([fence.txnState, fence.producerEpoch, m.pendingState], ['PrepareEpochFence', 4, 'PrepareEpochFence']);
  assert.throws(() => m.completeTransitionTo(fence), IllegalTransactionStateError, 'a fence is never written as such');
  const again = meta('Ongoing', [['a', 0]], 4);
  again.hasFailedEpochFence = true;
  assert.equal(again.prepareFenceProducerEpoch().producerEpoch, 4);
  assert.throws(() => meta('Ongoing', [], 32767).prepareFenceProducerEpoch(), IllegalTransactionStateError);
});

test('epoch increments follow KIP-360 and refuse an exhausted epoch', () => {
  const m = meta('CompleteAbort');
  const fenced = m.prepareIncrementProducerEpoch(1000, 1, 500);
  assert.deepEqual(fenced, { errorCode: ErrorCode.PRODUCER_FENCED });
  const t = m.prepareIncrementProducerEpoch(2000, 3, 500);
  assert.ok(!('errorCode' in t));
  m.completeTransitionTo(t);
  assert.deepEqual([m.state, m.producerEpoch, m.lastProducerEpoch, m.txnTimeoutMs, m.txnStartTimestamp], ['Empty', 4, 3, 2000, -1]);
  assert.throws(() => meta('Empty', [], 32766).prepareIncrementProducerEpoch(1000, undefined, 1), IllegalTransactionStateError);
  const rotated = meta('Empty', [], 32766);
  rotated.completeTransitionTo(rotated.prepareProducerIdRotation(99, 1000, 600, true));
  assert.deepEqual([rotated.producerId, rotated.producerEpoch, rotated.lastProducerId, rotated.lastProducerEpoch], [99, 0, 7, 32766]);
});

test('expiry: Dead is prepared from states at rest only and written as a tombstone', () => {
  for (const from of ALL) {
    const m = meta(from);
    if (['Empty', 'CompleteCommit', 'CompleteAbort'].includes(from)) {
      const dead = m.prepareDead();
      assert.equal(transactionRecord('t', dead).value, null);
    } else {
      assert.throws(() => m.prepareDead(), IllegalTransactionStateError, from);
    }
  }
});

test('records round-trip every persisted state', () => {
  for (const state of ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort'] as const) {
    const parts: Array<[string, number]> = state === 'Empty' ? [] : [['z', 2], ['a', 1], ['a', 0]];
    const m = meta(state, parts);
    const rec = transactionRecord('t', { ...m.snapshot(), txnState: state });
    const d = decodeTransactionRecord(rec.key, rec.value);
    assert.equal(d.type, 'transaction');
    if (d.type !== 'transaction' || d.metadata === null) throw new Error('decoded nothing');
    const back = d.metadata.snapshot();
    assert.deepEqual([back.state, back.producerId, back.producerEpoch, back.txnTimeoutMs, back.txnStartTimestamp, back.txnLastUpdateTimestamp], [state, 7, 3, 1000, m.txnStartTimestamp, 100]);
    assert.deepEqual(back.topicPartitions.topics(), m.topicPartitions.topics());
  }
});
