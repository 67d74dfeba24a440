/** The transaction coordinator's state machine, driven on a SimClock with a fake writer and marker sender. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import { TopicPartitionSet, TransactionMetadata, decodeTransactionRecord, transactionRecord } from '../../../../src/coordinator/index.js';
import { Harness, deferred, flush, markerResponse, tps } from './harness.js';

test('InitProducerId without a transactional id: a fresh producer id at epoch 0, nothing written', async () => {
  const h = new Harness();
  const a = await h.tc.initProducerId(null, 0);
  const b = await h.tc.initProducerId(null, 0);
  assert.deepEqual(a, { errorCode: 0, producerId: 1000, producerEpoch: 0 });
  assert.equal(b.producerId, 1001);
  assert.equal(h.written.length, 0);
});

test('InitProducerId validates the transactional id and the timeout', async () => {
  const h = new Harness({ transactionMaxTimeoutMs: 60_000 });
  assert.equal((await h.tc.initProducerId('', 1000)).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await h.tc.initProducerId('t', 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await h.tc.initProducerId('t', 60_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await h.tc.initProducerId('t', 60_000)).errorCode, ErrorCode.NONE);
});

test('InitProducerId with a transactional id: Empty at epoch 0 written, then each init bumps the epoch', async () => {
  const h = new Harness();
  assert.deepEqual(await h.init('t'), { errorCode: 0, producerId: 1000, producerEpoch: 0 });
  assert.deepEqual(h.statesWritten(), ['Empty']);
  assert.equal(h.txn('t').state, 'Empty');
  assert.deepEqual(await h.init('t', 30_000), { errorCode: 0, producerId: 1000, producerEpoch: 1 });
  assert.equal(h.txn('t').txnTimeoutMs, 30_000);
  // The ids come from the generator only when needed.
  assert.equal(h.nextProducerId, 1001);
});

test('InitProducerId waits for a producer id block when none is at hand', async () => {
  const h = new Harness();
  h.asyncIds = true;
  const r = h.tc.initProducerId('t', 1000);
  assert.ok(r instanceof Promise);
  assert.deepEqual(await r, { errorCode: 0, producerId: 1000, producerEpoch: 0 });
});

test('a committed transaction: Ongoing, PrepareCommit (EndTxn answered), markers, CompleteCommit', async () => {
  const h = new Harness({}, true, 7);
  const { producerId, producerEpoch } = await h.init('t');
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0], ['a', 1])), ErrorCode.NONE);
  assert.equal(h.txn('t').state, 'Ongoing');
  const start = h.txn('t').txnStartTimestamp;
  assert.equal(start, h.clock.nowMs());
  h.clock.advance(5);
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['b', 3])), ErrorCode.NONE);
  assert.equal(h.txn('t').txnStartTimestamp, start, 'adding more keeps the start');
  // Already there: answered without a write.
  const before = h.written.length;
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 1])), ErrorCode.NONE);
  assert.equal(h.written.length, before);

  const marker = deferred<void>();
  h.markers = async (req) => {
    await marker.promise;
    return markerResponse(req);
  };
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.NONE);
  assert.equal(h.txn('t').state, 'PrepareCommit');
  assert.equal(h.txn('t').pendingState, 'CompleteCommit');
  assert.equal(h.markerRequests.length, 1);
  assert.deepEqual(h.markerRequests[0], {
    markers: [
      {
        producerId,
        producerEpoch,
        transactionResult: true,
        coordinatorEpoch: 7,
        topics: [
          { name: 'a', partitionIndexes: [0, 1] },
          { name: 'b', partitionIndexes: [3] },
        ],
      },
    ],
  });
  // While markers are out: a retried EndTxn and new partitions wait.
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['c', 0])), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal((await h.tc.initProducerId('t', 1000)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  marker.resolve();
  await flush();
  const txn = h.txn('t');
  assert.equal(txn.state, 'CompleteCommit');
  assert.equal(txn.pendingState, undefined);
  assert.equal(txn.topicPartitions.size, 0);
  assert.deepEqual(h.statesWritten(), ['Empty', 'Ongoing', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
  // A retried commit after completion succeeds; an abort now is invalid.
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.NONE);
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'abort'), ErrorCode.INVALID_TXN_STATE);
  // The next transaction starts from CompleteCommit with a new start time.
  h.clock.advance(10);
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0])), ErrorCode.NONE);
  assert.equal(h.txn('t').txnStartTimestamp, h.clock.nowMs());
});

test('an aborted transaction sends ABORT markers and ends in CompleteAbort', async () => {
  const h = new Harness();
  const { producerId, producerEpoch } = await h.init('t');
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'abort'), ErrorCode.NONE);
  await flush();
  assert.equal(h.markerRequests[0]!.markers[0]!.transactionResult, false);
  assert.equal(h.txn('t').state, 'CompleteAbort');
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.INVALID_TXN_STATE);
});

test('EndTxn and AddPartitions errors where Kafka answers them', async () => {
  const h = new Harness();
  assert.equal(await h.tc.addPartitions('', 1, 0, tps(['a', 0])), ErrorCode.INVALID_REQUEST);
  assert.equal(await h.tc.addPartitions('nope', 1, 0, tps(['a', 0])), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await h.tc.endTxn('', 1, 0, 'commit'), ErrorCode.INVALID_REQUEST);
  assert.equal(await h.tc.endTxn('nope', 1, 0, 'commit'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const { producerId, producerEpoch } = await h.init('t');
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.INVALID_TXN_STATE, 'Empty');
  assert.equal(await h.tc.addPartitions('t', producerId + 1, producerEpoch, tps(['a', 0])), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch + 1, tps(['a', 0])), ErrorCode.PRODUCER_FENCED);
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  assert.equal(await h.tc.endTxn('t', producerId + 1, producerEpoch, 'commit'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch + 1, 'commit'), ErrorCode.PRODUCER_FENCED, 'a client may not bump');
  // A write in flight makes others wait.
  const d = deferred<number>();
  h.outcome = () => d.promise;
  const adding = h.tc.addPartitions('t', producerId, producerEpoch, tps(['b', 0]));
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['c', 0])), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.CONCURRENT_TRANSACTIONS);
  d.resolve(ErrorCode.NONE);
  assert.equal(await adding, ErrorCode.NONE);
  assert.ok(h.txn('t').topicPartitions.has('b', 0));
});

test('a failed write is mapped as Kafka maps it and leaves the state as it was', async () => {
  const h = new Harness();
  const { producerId, producerEpoch } = await h.init('t');
  for (const [appendError, answer] of [
    [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
    [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR],
    [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    [ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.UNKNOWN_SERVER_ERROR],
  ] as const) {
    h.outcome = () => Promise.resolve(appendError);
    assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0])), answer);
    assert.equal(h.txn('t').state, 'Empty');
    assert.equal(h.txn('t').pendingState, undefined);
  }
  h.outcome = () => ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.deepEqual(await h.tc.initProducerId('t', 1000), { errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1, producerEpoch: -1 });
  assert.equal(h.txn('t').producerEpoch, producerEpoch);
});

test('zombie fencing: a second producer with the same id aborts the first one\'s transaction and fences it', async () => {
  const h = new Harness();
  const a = await h.init('t');
  await h.tc.addPartitions('t', a.producerId, a.producerEpoch, tps(['a', 0]));
  const marker = deferred<void>();
  h.markers = async (req) => {
    await marker.promise;
    return markerResponse(req);
  };
  // The new producer: its first try aborts the ongoing transaction at a bumped epoch.
  const b1 = await h.tc.initProducerId('t', 60_000);
  assert.equal(b1.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(h.txn('t').state, 'PrepareAbort');
  assert.equal(h.txn('t').producerEpoch, a.producerEpoch + 1);
  assert.deepEqual(h.markerRequests[0]!.markers[0], {
    producerId: a.producerId,
    producerEpoch: a.producerEpoch + 1,
    transactionResult: false,
    coordinatorEpoch: 0,
    topics: [{ name: 'a', partitionIndexes: [0] }],
  });
  // The zombie is fenced at once.
  assert.equal(await h.tc.endTxn('t', a.producerId, a.producerEpoch, 'commit'), ErrorCode.PRODUCER_FENCED);
  assert.equal(await h.tc.addPartitions('t', a.producerId, a.producerEpoch, tps(['a', 1])), ErrorCode.PRODUCER_FENCED);
  // The new producer retries while the abort completes.
  assert.equal((await h.tc.initProducerId('t', 60_000)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  marker.resolve();
  await flush();
  assert.equal(h.txn('t').state, 'CompleteAbort');
  const b2 = await h.tc.initProducerId('t', 60_000);
  assert.deepEqual(b2, { errorCode: 0, producerId: a.producerId, producerEpoch: a.producerEpoch + 2 });
  assert.equal(await h.tc.endTxn('t', a.producerId, a.producerEpoch, 'abort'), ErrorCode.PRODUCER_FENCED);
  assert.deepEqual(h.statesWritten(), ['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort', 'Empty']);
});

test('a failed epoch fence is not bumped twice', async () => {
  const h = new Harness();
  const a = await h.init('t');
  await h.tc.addPartitions('t', a.producerId, a.producerEpoch, tps(['a', 0]));
  h.outcome = () => ErrorCode.REQUEST_TIMED_OUT;
  assert.equal((await h.tc.initProducerId('t', 60_000)).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const txn = h.txn('t');
  assert.equal(txn.state, 'Ongoing');
  assert.equal(txn.producerEpoch, 1, 'the epoch moved in memory');
  assert.equal(txn.hasFailedEpochFence, true);
  assert.equal(txn.pendingState, undefined);
  h.outcome = () => ErrorCode.NONE;
  const marker = deferred<void>();
  h.markers = async (req) => {
    await marker.promise;
    return markerResponse(req);
  };
  assert.equal((await h.tc.initProducerId('t', 60_000)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal(h.txn('t').state, 'PrepareAbort');
  marker.resolve();
  await flush();
  assert.equal(h.txn('t').state, 'CompleteAbort');
  assert.equal(h.txn('t').producerEpoch, 1);
  assert.equal(h.txn('t').hasFailedEpochFence, false);
});

test('a transaction past its timeout is aborted with a bumped epoch', async () => {
  const h = new Harness({ abortTimedOutTransactionsIntervalMs: 1000 });
  const { producerId, producerEpoch } = await h.init('t', 5000);
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  h.advance(1000);
  h.advance(1000);
  h.advance(1000);
  h.advance(1000);
  h.advance(1000);
  assert.equal(h.txn('t').state, 'Ongoing', 'not yet: the deadline is start + timeout, exclusive');
  h.advance(1000);
  assert.equal(h.txn('t').producerEpoch, producerEpoch + 1);
  await flush();
  assert.equal(h.txn('t').state, 'CompleteAbort');
  assert.equal(h.markerRequests[0]!.markers[0]!.producerEpoch, producerEpoch + 1);
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.PRODUCER_FENCED);
  assert.equal(await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0])), ErrorCode.PRODUCER_FENCED);
  // A transaction in any other state is left alone.
  h.advance(60_000);
  assert.equal(h.txn('t').state, 'CompleteAbort');
});

test('KIP-360: InitProducerId naming the current epoch bumps it; naming the previous one is a retry; others are fenced', async () => {
  const h = new Harness();
  const first = await h.init('t');
  const bumped = await h.tc.initProducerId('t', 60_000, first);
  assert.deepEqual(bumped, { errorCode: 0, producerId: first.producerId, producerEpoch: 1 });
  // The producer never saw the answer and retries with the old epoch.
  const retried = await h.tc.initProducerId('t', 60_000, first);
  assert.deepEqual(retried, { errorCode: 0, producerId: first.producerId, producerEpoch: 1 });
  assert.equal((await h.tc.initProducerId('t', 60_000, { producerId: first.producerId, producerEpoch: 7 })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await h.tc.initProducerId('t', 60_000, { producerId: 4242, producerEpoch: 1 })).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('an exhausted epoch rotates to a new producer id at epoch 0', async () => {
  const h = new Harness();
  const loader = h.tc.beginLoad(0, 1);
  const txn = new TransactionMetadata({
    transactionalId: 't',
    producerId: 55,
    lastProducerId: -1,
    producerEpoch: 32766,
    lastProducerEpoch: -1,
    txnTimeoutMs: 60_000,
    state: 'CompleteCommit',
    topicPartitions: new TopicPartitionSet(),
    txnStartTimestamp: 10,
    txnLastUpdateTimestamp: 20,
  });
  const rec = transactionRecord('t', { ...txn.snapshot(), txnState: 'CompleteCommit' });
  loader.replay(rec.key, rec.value);
  h.tc.completeLoad(0);
  const r = await h.tc.initProducerId('t', 60_000, { producerId: 55, producerEpoch: 32766 });
  assert.deepEqual(r, { errorCode: 0, producerId: 1000, producerEpoch: 0 });
  assert.equal(h.txn('t').lastProducerId, 55);
  assert.equal(h.txn('t').lastProducerEpoch, 32766);
  // A retry naming the old id with its exhausted epoch is accepted (and bumps from the new id's epoch).
  const again = await h.tc.initProducerId('t', 60_000, { producerId: 55, producerEpoch: 32766 });
  assert.equal(again.errorCode, ErrorCode.NONE);
});

test('replay: a reloaded partition has the same state, and finishes a transaction caught in PrepareCommit', async () => {
  const h = new Harness();
  const { producerId, producerEpoch } = await h.init('t');
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0], ['b', 2]));
  const hang = deferred<never>();
  h.markers = () => hang.promise;
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.NONE);
  await h.init('other');
  // "Restart": a new coordinator loads the records at a higher coordinator epoch.
  const h2 = new Harness({}, false);
  const loader = h2.tc.beginLoad(0, 1);
  assert.equal((await h2.tc.initProducerId('t', 1000)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(await h2.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(h2.tc.listTransactions([], [], -1).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  for (const r of h.allRecords()) loader.replay(r.key, r.value);
  h2.tc.completeLoad(0);
  assert.equal(h2.txn('other').state, 'Empty');
  const t = h2.txn('t');
  assert.equal(t.state, 'PrepareCommit');
  assert.equal(t.pendingState, 'CompleteCommit');
  assert.equal(t.producerId, producerId);
  assert.deepEqual(h2.markerRequests[0]!.markers[0]!.topics, [
    { name: 'a', partitionIndexes: [0] },
    { name: 'b', partitionIndexes: [2] },
  ]);
  assert.equal(h2.markerRequests[0]!.markers[0]!.coordinatorEpoch, 1);
  await flush();
  assert.equal(h2.txn('t').state, 'CompleteCommit');
  assert.equal(h2.txn('t').txnStartTimestamp, h.txn('t').txnStartTimestamp);
});

test('routing: unloaded partitions answer NOT_COORDINATOR, a write landing after unload too', async () => {
  const h = new Harness({ numPartitions: 50 }, false);
  const p = h.tc.partitionFor('t');
  assert.equal((await h.tc.initProducerId('t', 1000)).errorCode, ErrorCode.NOT_COORDINATOR);
  h.tc.beginLoad(p, 3);
  h.tc.completeLoad(p);
  const { producerId, producerEpoch } = await h.init('t');
  const d = deferred<number>();
  h.outcome = () => d.promise;
  const adding = h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  h.tc.unload(p);
  d.resolve(ErrorCode.NONE);
  assert.equal(await adding, ErrorCode.NOT_COORDINATOR);
  assert.equal(h.tc.describeTransaction('t').errorCode, ErrorCode.NOT_COORDINATOR);
});

test('markers: retriable errors are retried after a backoff, a stale epoch stops them, deleted partitions are skipped', async () => {
  const h = new Harness();
  const { producerId, producerEpoch } = await h.init('t');
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0], ['a', 1], ['gone', 0]));
  h.deleted.add('gone-0');
  let requests = 0;
  h.markers = (req) => {
    const first = ++requests === 1;
    return Promise.resolve(markerResponse(req, (_t, p) => (first && p === 1 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.NONE)));
  };
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.NONE);
  await flush();
  assert.deepEqual(h.markerRequests[0]!.markers[0]!.topics, [{ name: 'a', partitionIndexes: [0, 1] }]);
  assert.equal(h.txn('t').state, 'PrepareCommit');
  assert.deepEqual([...h.txn('t').topicPartitions], [['a', 1]]);
  h.advance(100);
  await flush();
  assert.deepEqual(h.markerRequests[1]!.markers[0]!.topics, [{ name: 'a', partitionIndexes: [1] }]);
  assert.equal(h.txn('t').state, 'CompleteCommit');

  // A stale producer epoch at a partition: sending stops, the transaction stays in PrepareAbort.
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  h.markers = (req) => Promise.resolve(markerResponse(req, () => ErrorCode.INVALID_PRODUCER_EPOCH));
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'abort'), ErrorCode.NONE);
  await flush();
  h.advance(1000);
  await flush();
  assert.equal(h.markerRequests.length, 3);
  assert.equal(h.txn('t').state, 'PrepareAbort');
});

test('a failed CompleteCommit write is retried until it lands', async () => {
  const h = new Harness();
  const { producerId, producerEpoch } = await h.init('t');
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  let failures = 0;
  h.outcome = (records) => {
    const state = decodeTransactionRecord(records[0]!.key, records[0]!.value);
    return state.type === 'transaction' && state.metadata?.state === 'CompleteCommit' && failures++ === 0 ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.NONE;
  };
  assert.equal(await h.tc.endTxn('t', producerId, producerEpoch, 'commit'), ErrorCode.NONE);
  await flush();
  assert.equal(h.txn('t').state, 'PrepareCommit');
  assert.equal(h.txn('t').pendingState, 'CompleteCommit');
  h.advance(100);
  await flush();
  assert.equal(h.txn('t').state, 'CompleteCommit');
  assert.equal(failures, 2);
});

test('verification (AddPartitionsToTxn v4+ verifyOnly): per partition, nothing written', async () => {
  const h = new Harness();
  const { producerId, producerEpoch } = await h.init('t');
  await h.tc.addPartitions('t', producerId, producerEpoch, tps(['a', 0]));
  const n = h.written.length;
  assert.deepEqual(h.tc.verifyPartitions('t', producerId, producerEpoch, tps(['a', 0], ['a', 1])), {
    perPartition: [
      ['a', 0, ErrorCode.NONE],
      ['a', 1, ErrorCode.TRANSACTION_ABORTABLE],
    ],
  });
  assert.deepEqual(h.tc.verifyPartitions('t', producerId, producerEpoch + 1, tps(['a', 0])), { errorCode: ErrorCode.PRODUCER_FENCED });
  assert.deepEqual(h.tc.verifyPartitions('t', producerId + 1, producerEpoch, tps(['a', 0])), { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING });
  assert.deepEqual(h.tc.verifyPartitions('x', producerId, producerEpoch, tps(['a', 0])), { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING });
  assert.equal(h.written.length, n);
});

test('transactional ids idle past transactional.id.expiration.ms are tombstoned and forgotten', async () => {
  const h = new Harness({ transactionalIdExpirationMs: 10_000, removeExpiredTransactionalIdsIntervalMs: 5_000 });
  await h.init('idle');
  const busy = await h.init('busy');
  await h.tc.addPartitions('busy', busy.producerId, busy.producerEpoch, tps(['a', 0]));
  h.advance(5_000);
  assert.ok(h.tc.transaction('idle'));
  h.advance(5_000);
  await flush();
  assert.equal(h.tc.transaction('idle'), undefined);
  assert.ok(h.tc.transaction('busy'), 'an ongoing transaction does not expire');
  assert.deepEqual(h.statesWritten('idle'), ['Empty', null]);
  assert.equal(h.tc.describeTransaction('idle').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  // Replay drops it as well.
  const h2 = new Harness({}, false);
  const loader = h2.tc.beginLoad(0, 1);
  for (const r of h.allRecords()) loader.replay(r.key, r.value);
  h2.tc.completeLoad(0);
  assert.equal(h2.tc.transaction('idle'), undefined);
  assert.equal(h2.txn('busy').state, 'Ongoing');
});

test('DescribeTransactions and ListTransactions', async () => {
  const h = new Harness();
  const a = await h.init('a', 12_345);
  await h.init('b');
  await h.tc.addPartitions('a', a.producerId, a.producerEpoch, tps(['x', 1], ['x', 0], ['w', 5]));
  const d = h.tc.describeTransaction('a');
  assert.deepEqual(d, {
    errorCode: 0,
    transactionalId: 'a',
    transactionState: 'Ongoing',
    transactionTimeoutMs: 12_345,
    transactionStartTimeMs: h.clock.nowMs(),
    producerId: a.producerId,
    producerEpoch: a.producerEpoch,
    topics: [
      { topic: 'w', partitions: [5] },
      { topic: 'x', partitions: [0, 1] },
    ],
  });
  assert.equal(h.tc.describeTransaction('').errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(h.tc.describeTransaction('zz').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  const all = h.tc.listTransactions([], [], -1);
  assert.equal(all.errorCode, 0);
  assert.deepEqual(all.transactionStates.map((s) => s.transactionalId).sort(), ['a', 'b']);
  const ongoing = h.tc.listTransactions(['Ongoing', 'Bogus'], [], -1);
  assert.deepEqual(ongoing.transactionStates, [{ transactionalId: 'a', producerId: a.producerId, transactionState: 'Ongoing' }]);
  assert.deepEqual(ongoing.unknownStateFilters, ['Bogus']);
  assert.deepEqual(h.tc.listTransactions([], [a.producerId], -1).transactionStates.map((s) => s.transactionalId), ['a']);
  // Duration filter (v1): only transactions running longer than it.
  h.clock.advance(1000);
  assert.deepEqual(h.tc.listTransactions(['Ongoing'], [], 5000).transactionStates, []);
  assert.equal(h.tc.listTransactions(['Ongoing'], [], 500).transactionStates.length, 1);
  h.tc.close();
  assert.equal(h.tc.listTransactions([], [], -1).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('records use Kafka\'s framing: key v0, value v0 with null partitions for Empty', async () => {
  const h = new Harness();
  await h.init('t');
  const rec = h.allRecords()[0]!;
  assert.equal(rec.key.readInt16BE(0), 0);
  // int16 version, int16 string length, 't'
  assert.deepEqual([...rec.key], [0, 0, 0, 1, 0x74]);
  assert.equal(rec.value!.readInt16BE(0), 0);
  // version(2) producerId(8) epoch(2) timeout(4) status(1) partitions(-1 as int32) ...
  assert.equal(rec.value!.readInt32BE(2 + 8 + 2 + 4 + 1), -1);
});
