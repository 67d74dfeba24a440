/**
 * Transactions in the replica manager: markers appended as the coordinator (WriteTxnMarkers),
 * read_committed fetches bounded by the last stable offset with the aborted-transactions list,
 * ListOffsets read_committed, long polls woken when the LSO moves, DescribeProducers, and the
 * produce path's transactional checks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { DescribeProducersResponse, WriteTxnMarkersResponse, buildRecordBatch, iterateBatches } from '../../../src/protocol/index.js';
import { ReplicaManager } from '../../../src/replication/index.js';
import type { FetchParams, FetchPartitionSpec, ProduceOutcome, TxnMarkerEntry } from '../../../src/replication/index.js';
import { createDescribeProducersHandler, createWriteTxnMarkersHandler } from '../../../src/server/handlers/index.js';
import { TxnMarkerWriter } from '../../../src/server/txn-markers.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';
import { NODE, TOPIC_ID, call, image, producerStateEnv } from './helpers.js';

function txn(pid: number, seq: number, n = 1, epoch = 0): Buffer {
  return buildRecordBatch({
    producerId: pid,
    producerEpoch: epoch,
    baseSequence: seq,
    isTransactional: true,
    records: Array.from({ length: n }, (_, i) => ({ key: null, value: `p${pid}-${seq + i}`, timestamp: 1_700_000_000_000 + i })),
  });
}

function produce(rm: ReplicaManager, records: Buffer, partition = 0): ProduceOutcome {
  return rm.appendRecords({ acks: -1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition, records: Buffer.from(records) }] });
}

function mark(pid: number, committed: boolean, o: Partial<TxnMarkerEntry> = {}): TxnMarkerEntry {
  return { topic: 't', partition: 0, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, committed, ...o };
}

const READ_COMMITTED: FetchParams = { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 1, apiVersion: 11 };
const READ_UNCOMMITTED: FetchParams = { ...READ_COMMITTED, isolationLevel: 0 };

function spec(fetchOffset: number, partition = 0): FetchPartitionSpec {
  return { topic: 't', topicId: TOPIC_ID, partition, fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 };
}

function values(records: Buffer): string[] {
  const out: string[] = [];
  for (const batch of iterateBatches(records)) {
    if (batch.isControl) continue;
    for (const r of batch.records()) out.push(r.value === null ? 'null' : r.value.toString());
  }
  return out;
}

describe('transactions in the replica manager', () => {
  it('read_committed stops at the LSO and lists aborted transactions; markers move it', async () => {
    const e = producerStateEnv();
    assert.equal(produce(e.rm, txn(1, 0, 2)).results[0]!.errorCode, ErrorCode.NONE); // 0-1
    assert.equal(produce(e.rm, txn(2, 0)).results[0]!.errorCode, ErrorCode.NONE); // 2
    let [r] = await e.rm.fetchMessages(READ_COMMITTED, [spec(0)]);
    assert.equal(r!.lastStableOffset, 0);
    assert.equal(r!.highWatermark, 3);
    assert.equal(r!.records.length, 0);
    assert.deepEqual(r!.abortedTransactions, [], 'read_committed answers carry a list');
    [r] = await e.rm.fetchMessages(READ_UNCOMMITTED, [spec(0)]);
    assert.equal(r!.abortedTransactions, null);
    assert.deepEqual(values(r!.records), ['p1-0', 'p1-1', 'p2-0']);

    const abort = e.rm.appendTxnMarkers([mark(1, false)], 1000); // 3
    assert.equal(abort.done, null, 'a single replica commits at once');
    assert.equal(abort.results[0]!.errorCode, ErrorCode.NONE);
    [r] = await e.rm.fetchMessages(READ_COMMITTED, [spec(0)]);
    assert.equal(r!.lastStableOffset, 2, "pid 2's transaction is still open");
    assert.deepEqual(r!.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
    assert.deepEqual(values(r!.records), ['p1-0', 'p1-1'], 'the client drops them with the aborted list');

    e.rm.appendTxnMarkers([mark(2, true)], 1000); // 4
    [r] = await e.rm.fetchMessages(READ_COMMITTED, [spec(0)]);
    assert.equal(r!.lastStableOffset, 5);
    assert.deepEqual(values(r!.records), ['p1-0', 'p1-1', 'p2-0']);
    [r] = await e.rm.fetchMessages(READ_COMMITTED, [spec(4)]);
    assert.deepEqual(r!.abortedTransactions, [], 'an abort before the fetch offset is not listed');
  });

  it('ListOffsets LATEST is the LSO for read_committed, the HW otherwise', () => {
    const e = producerStateEnv();
    produce(e.rm, txn(1, 0, 3));
    const q = { topic: 't', partition: 0, timestamp: -1, currentLeaderEpoch: -1, replicaId: -1, apiVersion: 5, maxNumOffsets: 1 };
    assert.equal(e.rm.listOffset({ ...q, isolationLevel: 1 }).offset, 0);
    assert.equal(e.rm.listOffset({ ...q, isolationLevel: 0 }).offset, 3);
    assert.equal(e.rm.listOffset({ ...q, timestamp: 1_700_000_000_000, isolationLevel: 1 }).offset, -1, 'no offset past the LSO by timestamp');
    e.rm.appendTxnMarkers([mark(1, true)], 1000);
    assert.equal(e.rm.listOffset({ ...q, isolationLevel: 1 }).offset, 4);
  });

  it('a waiting read_committed fetch wakes when a marker moves the LSO', async () => {
    const e = producerStateEnv();
    produce(e.rm, txn(1, 0, 2));
    let answered = false;
    const pending = e.rm.fetchMessages({ ...READ_COMMITTED, maxWaitMs: 10_000 }, [spec(0)]).then((r) => {
      answered = true;
      return r;
    });
    await Promise.resolve();
    assert.equal(answered, false, 'nothing stable yet');
    e.rm.appendTxnMarkers([mark(1, true)], 1000);
    const [r] = await pending;
    assert.deepEqual(values(r!.records), ['p1-0', 'p1-1']);
    assert.equal(r!.lastStableOffset, 3);
  });

  it("refuses markers of fenced producers and coordinators, and partitions it cannot write", () => {
    const e = producerStateEnv();
    produce(e.rm, txn(1, 0, 1, 5));
    const out = e.rm.appendTxnMarkers(
      [
        mark(1, true, { producerEpoch: 4 }),
        mark(1, true, { producerEpoch: 5, coordinatorEpoch: 3 }),
        mark(1, true, { producerEpoch: 5, coordinatorEpoch: 2 }),
        mark(1, true, { topic: 'nope' }),
      ],
      1000,
    );
    assert.deepEqual(
      out.results.map((r) => r.errorCode),
      [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.NONE, ErrorCode.TRANSACTION_COORDINATOR_FENCED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    );
    e.apply(image([{ name: 't', id: TOPIC_ID, partitions: 2, leader: 2, replicas: [NODE, 2] }], {}, 2));
    assert.deepEqual(
      e.rm.appendTxnMarkers([mark(1, true, { producerEpoch: 5, coordinatorEpoch: 3 })], 1000).results.map((r) => r.errorCode),
      [ErrorCode.NOT_LEADER_OR_FOLLOWER],
    );
  });

  it('with a follower in the ISR a marker is answered once the HW covers it, and the LSO waits for it too', async () => {
    const e = producerStateEnv();
    e.apply(image([{ name: 't', id: TOPIC_ID, partitions: 2, replicas: [NODE, 2], isr: [NODE, 2], leaderEpoch: 1 }], {}, 2));
    const p = e.rm.getPartition('t', 0)!;
    const data = produce(e.rm, txn(1, 0, 2));
    await e.rm.fetchMessages({ ...READ_UNCOMMITTED, replicaId: 2 }, [spec(2)]);
    await data.done;
    assert.equal(p.highWatermark, 2);
    const out = e.rm.appendTxnMarkers([mark(1, false)], 5000);
    assert.notEqual(out.done, null);
    let answered = false;
    void out.done!.then(() => (answered = true));
    await Promise.resolve();
    assert.equal(answered, false);
    assert.equal(p.lastStableOffset, 0, 'aborted but not replicated: the LSO stays at its start');
    await e.rm.fetchMessages({ ...READ_UNCOMMITTED, replicaId: 2 }, [spec(3)]);
    await out.done;
    assert.equal(out.results[0]!.errorCode, ErrorCode.NONE);
    assert.equal(p.lastStableOffset, 3);
  });

  it('produce keeps the transactional checks: a non-transactional batch inside a transaction is INVALID_TXN_STATE', () => {
    const e = producerStateEnv();
    produce(e.rm, txn(1, 0));
    const plain = buildRecordBatch({ producerId: 1, producerEpoch: 0, baseSequence: 1, records: [{ key: null, value: 'x' }] });
    assert.equal(produce(e.rm, plain).results[0]!.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(produce(e.rm, txn(1, 0, 1, 0)).results[0]!.baseOffset, 0, 'a retry is answered with its offset');
  });

  it('WriteTxnMarkers v0-1 and DescribeProducers v0 through the codec; the listener hears committed markers', async () => {
    const e = producerStateEnv();
    produce(e.rm, txn(7, 0, 2, 3));
    produce(e.rm, txn(7, 0, 1, 3), 1);
    const heard: unknown[] = [];
    const writer = new TxnMarkerWriter({ replicaManager: e.rm, onMarkerCommitted: (...args) => heard.push(args) });
    const dp = createDescribeProducersHandler(e.broker);
    const before = (await call(dp, 0, { topics: [{ name: 't', partitionIndexes: [0, 5] }] })) as DescribeProducersResponse;
    assert.deepEqual(before.topics[0]!.partitions[0]!.activeProducers.map((a) => [a.producerId, a.producerEpoch, a.lastSequence, a.currentTxnStartOffset]), [[7, 3, 1, 0]]);
    assert.equal(before.topics[0]!.partitions[1]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.ok(before.topics[0]!.partitions[1]!.errorMessage !== null);
    for (const version of [0, 1]) {
      const handler = createWriteTxnMarkersHandler(e.broker, writer);
      const res = (await call(handler, version, {
        markers: [
          { producerId: 7, producerEpoch: 3, transactionResult: version === 1, coordinatorEpoch: 1, topics: [{ name: 't', partitionIndexes: version === 0 ? [0] : [1, 9] }] },
        ],
      })) as WriteTxnMarkersResponse;
      const codes = res.markers[0]!.topics[0]!.partitions.map((x) => [x.partitionIndex, x.errorCode]);
      assert.deepEqual(codes, version === 0 ? [[0, 0]] : [[1, 0], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    }
    assert.deepEqual(heard, [
      ['t', 0, 7, 3, false],
      ['t', 1, 7, 3, true],
    ]);
    const after = (await call(dp, 0, { topics: [{ name: 't', partitionIndexes: [0] }] })) as DescribeProducersResponse;
    assert.deepEqual(after.topics[0]!.partitions[0]!.activeProducers.map((a) => [a.coordinatorEpoch, a.currentTxnStartOffset]), [[1, -1]]);
  });

  it('aborted transactions and the LSO survive the partition being reloaded from disk', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    let e = producerStateEnv({}, disk, clock);
    produce(e.rm, txn(1, 0, 2));
    e.rm.appendTxnMarkers([mark(1, false)], 1000);
    produce(e.rm, txn(2, 0));
    e.rm.shutdown();
    await e.logManager.shutdown();
    e = producerStateEnv({}, disk, clock);
    const [r] = await e.rm.fetchMessages(READ_COMMITTED, [spec(0)]);
    assert.equal(r!.lastStableOffset, 3);
    assert.deepEqual(r!.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
  });
});
