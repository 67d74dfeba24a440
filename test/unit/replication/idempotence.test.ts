/**
 * The produce path with producer state (ReplicaManager + ProducerStates wired as the broker wires
 * them): pipelined retries answered with the original offsets, Kafka's error codes, expiry on
 * producer.id.expiration.check.interval.ms, state rebuilt when the partition is hosted again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { buildRecordBatch } from '../../../src/protocol/index.js';
import { ReplicaManager } from '../../../src/replication/index.js';
import type { ProduceOutcome } from '../../../src/replication/index.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';
import { image, producerStateEnv } from './helpers.js';

function idem(seq: number, n = 1, opts: { pid?: number; epoch?: number; ts?: number } = {}): Buffer {
  return buildRecordBatch({
    producerId: opts.pid ?? 7,
    producerEpoch: opts.epoch ?? 0,
    baseSequence: seq,
    records: Array.from({ length: n }, (_, i) => ({ key: null, value: `v${seq + i}`, timestamp: (opts.ts ?? 1_700_000_000_000) + i })),
  });
}

function produce(rm: ReplicaManager, records: Buffer, partition = 0, acks = -1): ProduceOutcome {
  return rm.appendRecords({ acks, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition, records: Buffer.from(records) }] });
}

const answer = (o: ProduceOutcome) => o.results.map((r) => [r.errorCode, r.baseOffset]);

describe('ReplicaManager with producer state', () => {
  it('answers a pipelined retry with the original offsets and appends it once', async () => {
    const e = producerStateEnv();
    const batch = idem(0, 3);
    const first = produce(e.rm, batch);
    const retry = produce(e.rm, batch); // before the first one's answer: pipelined on one connection
    const next = produce(e.rm, idem(3, 2));
    await Promise.all([first.done, retry.done, next.done]);
    assert.deepEqual(answer(first), [[0, 0]]);
    assert.deepEqual(answer(retry), [[0, 0]]);
    assert.deepEqual(answer(next), [[0, 3]]);
    assert.equal(e.rm.getPartition('t', 0)!.log.logEndOffset, 5);
    assert.equal(retry.results[0]!.logStartOffset, 0);
  });

  it("maps sequence and epoch problems to Kafka's error codes without appending", () => {
    const e = producerStateEnv();
    produce(e.rm, idem(0, 2, { epoch: 1 }));
    const gap = produce(e.rm, idem(5, 1, { epoch: 1 }));
    assert.equal(gap.results[0]!.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.match(gap.results[0]!.errorMessage!, /Out of order sequence number for producer 7/);
    assert.equal(produce(e.rm, idem(2, 1, { epoch: 0 })).results[0]!.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(produce(e.rm, idem(3, 1, { epoch: 2 })).results[0]!.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(e.rm.getPartition('t', 0)!.log.logEndOffset, 2);
    // Partitions are independent: the same producer starts fresh on partition 1.
    assert.deepEqual(answer(produce(e.rm, idem(40, 1, { epoch: 1 }), 1)), [[0, 0]]);
  });

  it('acks=0 duplicates are dropped silently, non-idempotent batches are untouched', () => {
    const e = producerStateEnv();
    const batch = idem(0);
    produce(e.rm, batch, 0, 0);
    const dup = produce(e.rm, batch, 0, 0);
    assert.equal(dup.done, null);
    assert.equal(dup.results[0]!.errorCode, 0);
    const plain = buildRecordBatch({ records: [{ key: null, value: 'x' }] });
    produce(e.rm, plain);
    produce(e.rm, plain);
    assert.equal(e.rm.getPartition('t', 0)!.log.logEndOffset, 3);
  });

  it('expires idle producers every producer.id.expiration.check.interval.ms', () => {
    const e = producerStateEnv({ 'producer.id.expiration.ms': '60000', 'producer.id.expiration.check.interval.ms': '10000' });
    produce(e.rm, idem(0, 1, { ts: e.clock.nowMs() }));
    const psm = e.rm.getPartition('t', 0)!.producerState!;
    e.scheduler.advance(50_000);
    assert.equal(psm.producerIdCount, 1);
    e.scheduler.advance(10_000);
    assert.equal(psm.producerIdCount, 0);
    // Unknown again: it may continue at any sequence (Kafka 3.9, KIP-360).
    assert.deepEqual(answer(produce(e.rm, idem(99, 1, { ts: e.clock.nowMs() }))), [[0, 1]]);
    e.rm.shutdown();
    assert.equal(e.scheduler.pending, 0);
  });

  it('rebuilds producer state when the log is opened again after a clean restart', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const e = producerStateEnv({}, disk, clock);
    const older = idem(0, 2);
    const last = idem(2, 2);
    produce(e.rm, older);
    produce(e.rm, last);
    e.rm.shutdown();
    await e.logManager.shutdown();
    assert.ok(disk.exists('/d1/t-0/00000000000000000004.snapshot'));
    const again = producerStateEnv({}, disk, clock);
    assert.deepEqual(answer(produce(again.rm, last)), [[0, 2]], 'the last batch is in the snapshot');
    // As in Kafka, a snapshot keeps one batch per producer: an older retry is out of sequence.
    assert.equal(produce(again.rm, older).results[0]!.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(again.rm.getPartition('t', 0)!.log.logEndOffset, 4);
    assert.deepEqual(answer(produce(again.rm, idem(4))), [[0, 4]]);
  });

  it('after a crash the batches since the last snapshot are replayed whole', () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const e = producerStateEnv({}, disk, clock);
    const older = idem(0, 2);
    produce(e.rm, older);
    produce(e.rm, idem(2, 2));
    disk.processCrash();
    const again = producerStateEnv({}, disk, clock);
    assert.deepEqual(answer(produce(again.rm, older)), [[0, 0]]);
    assert.equal(again.rm.getPartition('t', 0)!.log.logEndOffset, 4);
  });

  it('forgets the state of a deleted topic', () => {
    const e = producerStateEnv();
    produce(e.rm, idem(0));
    assert.ok(e.states.get({ topic: 't', partition: 0 }) !== undefined);
    e.apply(image([]));
    assert.equal(e.states.get({ topic: 't', partition: 0 }), undefined);
  });
});
