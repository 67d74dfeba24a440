/**
 * ProducerStateManager: Kafka's sequence and epoch rules, retries answered with their original
 * offsets, snapshots in Kafka's bytes, recovery from snapshot + log (clean and unclean), truncation
 * and expiry.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../src/common/index.js';
import { buildControlBatch, buildRecordBatch } from '../../../src/protocol/index.js';
import {
  NUM_BATCHES_TO_RETAIN,
  ProducerStateManager,
  ProducerStates,
  decrementSequence,
  inSequence,
  readProducerSnapshot,
  writeProducerSnapshot,
  CorruptProducerSnapshotError,
} from '../../../src/storage/index.js';
import type { Log, ProducerAppendCheck } from '../../../src/storage/index.js';
import { DIR, env } from './helpers.js';

const TS = 1_700_000_000_000;
const DAY = 86_400_000;

interface BatchSpec {
  pid?: number;
  epoch?: number;
  seq: number;
  n?: number;
  txn?: boolean;
  ts?: number;
}

function idem(s: BatchSpec): Buffer {
  const n = s.n ?? 1;
  return buildRecordBatch({
    producerId: s.pid ?? 1000,
    producerEpoch: s.epoch ?? 0,
    baseSequence: s.seq,
    isTransactional: s.txn ?? false,
    records: Array.from({ length: n }, (_, i) => ({ key: `k${s.seq}-${i}`, value: `v${s.seq}-${i}`, timestamp: (s.ts ?? TS) + i })),
  });
}

/** A log with producer state wired in, as the broker wires it. */
function setup(opts: { expirationMs?: number; segmentBytes?: number } = {}) {
  const e = env();
  let expirationMs = opts.expirationMs ?? DAY;
  const states = new ProducerStates({ clock: e.clock, producerIdExpirationMs: () => expirationMs });
  const tp = { topic: 'topic', partition: 0 };
  const open = (cleanShutdown = false): { log: Log; psm: ProducerStateManager } => {
    const log = e.open(opts.segmentBytes === undefined ? {} : { segmentBytes: opts.segmentBytes }, {
      producerStateHooks: states.hooksFor(tp),
      cleanShutdown,
    });
    const psm = states.get(tp)!;
    psm.load(log);
    return { log, psm };
  };
  return {
    ...e,
    states,
    open,
    setExpiration(ms: number) {
      expirationMs = ms;
    },
  };
}

/** Leader append as the produce path does it: check, then append unless duplicate or refused. */
function produce(log: Log, psm: ProducerStateManager, buf: Buffer): ProducerAppendCheck & { offset?: number } {
  const check = psm.checkClientAppend(buf, log.logEndOffset);
  if (check.kind !== 'append') return check;
  const info = log.appendAsLeader(buf, 0);
  return { ...check, offset: info.firstOffset };
}

function kind(r: ProducerAppendCheck): string {
  return r.kind === 'error' ? r.error : r.kind;
}

describe('sequence helpers', () => {
  test('wrap around int32', () => {
    assert.equal(inSequence(4, 5), true);
    assert.equal(inSequence(0x7fffffff, 0), true);
    assert.equal(inSequence(4, 6), false);
    assert.equal(decrementSequence(2, 5), 0x7fffffff - 2);
    assert.equal(decrementSequence(10, 3), 7);
  });
});

describe('ProducerStateManager checks a client append', () => {
  test('a new producer may start anywhere; then sequences must follow', () => {
    const { open } = setup();
    const { log, psm } = open();
    assert.equal(produce(log, psm, idem({ seq: 17, n: 3 })).offset, 0);
    assert.equal(produce(log, psm, idem({ seq: 20, n: 2 })).offset, 3);
    const gap = produce(log, psm, idem({ seq: 23 }));
    assert.equal(kind(gap), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.match((gap as { message: string }).message, /23 \(incoming seq\. number\), 21 \(current end sequence number\)/);
    assert.equal(log.logEndOffset, 5, 'a refused batch is not appended');
    assert.equal(produce(log, psm, idem({ seq: 22 })).offset, 5);
  });

  test('an older epoch is INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0', () => {
    const { open } = setup();
    const { log, psm } = open();
    produce(log, psm, idem({ epoch: 3, seq: 0, n: 2 }));
    assert.equal(kind(produce(log, psm, idem({ epoch: 2, seq: 2 }))), 'INVALID_PRODUCER_EPOCH');
    assert.equal(kind(produce(log, psm, idem({ epoch: 4, seq: 2 }))), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.equal(kind(produce(log, psm, idem({ epoch: 4, seq: 0 }))), 'append');
    assert.equal(psm.lastEntry(1000)!.producerEpoch, 4);
    // The old epoch's batches are forgotten: a retry from epoch 3 is now fenced, not a duplicate.
    assert.equal(kind(produce(log, psm, idem({ epoch: 3, seq: 0, n: 2 }))), 'INVALID_PRODUCER_EPOCH');
  });

  test('sequences wrap from 2^31-1 to 0', () => {
    const { open } = setup();
    const { log, psm } = open();
    produce(log, psm, idem({ seq: 0x7fffffff - 1, n: 2 }));
    assert.equal(psm.lastEntry(1000)!.lastSeq, 0x7fffffff);
    assert.equal(kind(produce(log, psm, idem({ seq: 0, n: 3 }))), 'append');
    assert.equal(psm.lastEntry(1000)!.lastSeq, 2);
    // A batch that itself wraps: base 2^31-2, 4 records → last sequence 1.
    const { log: log2, psm: psm2 } = setup().open();
    produce(log2, psm2, idem({ seq: 0x7fffffff - 1, n: 4 }));
    assert.equal(psm2.lastEntry(1000)!.lastSeq, 1);
    assert.equal(kind(produce(log2, psm2, idem({ seq: 0x7fffffff - 1, n: 4 }))), 'duplicate');
    assert.equal(kind(produce(log2, psm2, idem({ seq: 2 }))), 'append');
  });

  test('a retry of one of the last 5 batches gets its original offsets and appends nothing', () => {
    const { open } = setup();
    const { log, psm } = open();
    const sent: Array<{ buf: Buffer; offset: number }> = [];
    for (let i = 0; i < 7; i++) {
      const buf = idem({ seq: i * 2, n: 2, ts: TS + i * 10 });
      const copy = Buffer.from(buf);
      sent.push({ buf: copy, offset: produce(log, psm, buf).offset! });
    }
    assert.deepEqual(
      sent.map((s) => s.offset),
      [0, 2, 4, 6, 8, 10, 12],
    );
    const end = log.logEndOffset;
    for (let i = 7 - NUM_BATCHES_TO_RETAIN; i < 7; i++) {
      const r = produce(log, psm, Buffer.from(sent[i]!.buf));
      assert.deepEqual(r, { kind: 'duplicate', firstOffset: sent[i]!.offset, lastOffset: sent[i]!.offset + 1, timestamp: TS + i * 10 + 1 });
    }
    // Older than the last five: no longer recognised, and out of sequence.
    assert.equal(kind(produce(log, psm, Buffer.from(sent[1]!.buf))), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    // Same sequences but another range is not a duplicate either.
    assert.equal(kind(produce(log, psm, idem({ seq: 12, n: 1 }))), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.equal(log.logEndOffset, end);
  });

  test('producers are independent; batches in one append are checked in order', () => {
    const { open } = setup();
    const { log, psm } = open();
    produce(log, psm, idem({ pid: 1, seq: 0 }));
    produce(log, psm, idem({ pid: 2, seq: 5 }));
    assert.equal(kind(produce(log, psm, idem({ pid: 1, seq: 1 }))), 'append');
    // Two batches of one producer in one append (Produce v0-v2 may carry several).
    const two = Buffer.concat([idem({ pid: 2, seq: 6, n: 2 }), idem({ pid: 2, seq: 8, n: 2 })]);
    assert.equal(kind(psm.checkClientAppend(two, log.logEndOffset)), 'append');
    const broken = Buffer.concat([idem({ pid: 2, seq: 6, n: 2 }), idem({ pid: 2, seq: 9, n: 2 })]);
    assert.equal(kind(psm.checkClientAppend(broken, log.logEndOffset)), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    // Checking alone changes nothing.
    assert.equal(psm.lastEntry(2)!.lastSeq, 5);
  });

  test('a transactional producer may not write outside its transaction (seam for transactions)', () => {
    const { open } = setup();
    const { log, psm } = open();
    produce(log, psm, idem({ seq: 0, txn: true }));
    assert.equal(psm.firstUndecidedOffset(), 0);
    assert.equal(kind(produce(log, psm, idem({ seq: 1 }))), 'INVALID_TXN_STATE');
    // A COMMIT marker ends it.
    const completed: unknown[] = [];
    psm.onCompletedTxn = (t) => completed.push(t);
    log.appendAsLeader(buildControlBatch({ type: 1, producerId: 1000, producerEpoch: 0, coordinatorEpoch: 7, timestamp: TS }), 0);
    assert.deepEqual(completed, [{ producerId: 1000, firstOffset: 0, lastOffset: 1, isAborted: false }]);
    assert.equal(psm.firstUndecidedOffset(), undefined);
    assert.equal(psm.lastEntry(1000)!.coordinatorEpoch, 7);
    assert.equal(kind(produce(log, psm, idem({ seq: 1 }))), 'append');
  });
});

describe('producer-state snapshots', () => {
  test("are Kafka's bytes: version 1, CRC-32C of the entries, 46-byte entries", () => {
    const entry = {
      producerId: 0x0102030405,
      producerEpoch: 7,
      lastSequence: 41,
      lastOffset: 1234,
      offsetDelta: 9,
      timestamp: TS,
      coordinatorEpoch: -1,
      currentTxnFirstOffset: -1,
    };
    const bytes = writeProducerSnapshot([entry]);
    // Built independently, field by field, with BigInt writes.
    const body = Buffer.alloc(4 + 46);
    body.writeInt32BE(1, 0);
    body.writeBigInt64BE(0x0102030405n, 4);
    body.writeInt16BE(7, 12);
    body.writeInt32BE(41, 14);
    body.writeBigInt64BE(1234n, 18);
    body.writeInt32BE(9, 26);
    body.writeBigInt64BE(BigInt(TS), 30);
    body.writeInt32BE(-1, 38);
    body.writeBigInt64BE(-1n, 42);
    const head = Buffer.alloc(6);
    head.writeInt16BE(1, 0);
    head.writeUInt32BE(crc32c(body) >>> 0, 2);
    assert.equal(bytes.toString('hex'), Buffer.concat([head, body]).toString('hex'));
    assert.deepEqual(readProducerSnapshot(bytes), [entry]);
    assert.deepEqual(readProducerSnapshot(writeProducerSnapshot([])), []);
  });

  test('a corrupt or unknown snapshot is refused', () => {
    const bytes = writeProducerSnapshot([
      { producerId: 1, producerEpoch: 0, lastSequence: 0, lastOffset: 0, offsetDelta: 0, timestamp: 0, coordinatorEpoch: -1, currentTxnFirstOffset: -1 },
    ]);
    const flipped = Buffer.from(bytes);
    flipped[20]! ^= 1;
    assert.throws(() => readProducerSnapshot(flipped), CorruptProducerSnapshotError);
    const v2 = Buffer.from(bytes);
    v2.writeInt16BE(2, 0);
    assert.throws(() => readProducerSnapshot(v2), /unknown file version 2/);
    assert.throws(() => readProducerSnapshot(bytes.subarray(0, 30)), CorruptProducerSnapshotError);
  });

  test('round-trip through a manager keeps only the last batch per producer, as Kafka', () => {
    const { open } = setup();
    const { log, psm } = open();
    produce(log, psm, idem({ pid: 5, seq: 0, n: 3 }));
    produce(log, psm, idem({ pid: 5, seq: 3, n: 2 }));
    produce(log, psm, idem({ pid: 9, epoch: 2, seq: 100 }));
    const entries = readProducerSnapshot(psm.snapshotBytes());
    assert.deepEqual(
      entries.map((e) => [e.producerId, e.producerEpoch, e.lastSequence, e.lastOffset, e.offsetDelta, e.timestamp]),
      [
        [5, 0, 4, 4, 1, TS + 1],
        [9, 2, 100, 5, 0, TS],
      ],
    );
  });
});

describe('producer state across restarts', () => {
  test('a roll writes <offset>.snapshot; a clean shutdown writes one at the log end; reload finds retries', () => {
    const { open, disk } = setup({ segmentBytes: 400 });
    let { log, psm } = open(true);
    const sent: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      const buf = idem({ seq: i * 2, n: 2 });
      sent.push(Buffer.from(buf));
      assert.equal(kind(produce(log, psm, buf)), 'append');
    }
    assert.ok(log.segments.length > 1, 'rolled');
    const rolled = log.producerSnapshotOffsets();
    assert.deepEqual(rolled, log.segments.slice(1).map((s) => s.baseOffset));
    log.closeSync();
    assert.ok(disk.exists(`${DIR}/00000000000000000016.snapshot`));
    ({ log, psm } = open(true));
    const r = produce(log, psm, Buffer.from(sent[7]!));
    assert.deepEqual(r, { kind: 'duplicate', firstOffset: 14, lastOffset: 15, timestamp: TS + 1 });
    // From a snapshot only the last batch is known (Kafka keeps one per producer), so an older
    // retry is out of sequence rather than a duplicate; the next sequence continues.
    assert.equal(kind(produce(log, psm, Buffer.from(sent[6]!))), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.equal(kind(produce(log, psm, idem({ seq: 16 }))), 'append');
  });

  test('after an unclean shutdown the state is the snapshot plus the batches after it', () => {
    const { open, disk } = setup({ segmentBytes: 400 });
    let { log, psm } = open();
    const sent: Buffer[] = [];
    for (let i = 0; i < 9; i++) {
      const buf = idem({ pid: 1 + (i % 2), seq: Math.floor(i / 2) * 3, n: 3 });
      sent.push(Buffer.from(buf));
      assert.equal(kind(produce(log, psm, buf)), 'append');
    }
    const before = readProducerSnapshot(psm.snapshotBytes());
    assert.ok(log.producerSnapshotOffsets().length > 0);
    assert.ok(log.producerSnapshotOffsets().at(-1)! < log.logEndOffset, 'batches after the last snapshot');
    disk.processCrash();
    ({ log, psm } = open(false));
    assert.deepEqual(readProducerSnapshot(psm.snapshotBytes()), before);
    // Every batch after the snapshot is remembered whole: retries of the last ones are duplicates.
    assert.equal(kind(produce(log, psm, Buffer.from(sent[8]!))), 'duplicate');
    assert.equal(kind(produce(log, psm, Buffer.from(sent[7]!))), 'duplicate');
    assert.equal(kind(produce(log, psm, idem({ pid: 2, seq: 12 }))), 'append');
  });

  test('without any snapshot the whole log is replayed; a corrupt snapshot falls back to it', () => {
    const { open, disk } = setup();
    let { log, psm } = open();
    produce(log, psm, idem({ seq: 0, n: 2 }));
    produce(log, psm, idem({ seq: 2, n: 2 }));
    assert.deepEqual(log.producerSnapshotOffsets(), []);
    disk.processCrash();
    ({ log, psm } = open());
    assert.equal(psm.lastEntry(1000)!.lastSeq, 3);
    assert.equal(psm.lastEntry(1000)!.batches.length, 2);
    log.closeSync();
    disk.writeFileAtomic(`${DIR}/00000000000000000004.snapshot`, Buffer.from('garbage!garbage!'));
    ({ log, psm } = open(true));
    assert.equal(psm.lastEntry(1000)!.lastSeq, 3);
  });

  test('truncation rebuilds the state to the new log end', () => {
    const { open } = setup();
    const { log, psm } = open();
    produce(log, psm, idem({ seq: 0, n: 2 }));
    produce(log, psm, idem({ seq: 2, n: 2 }));
    produce(log, psm, idem({ seq: 4, n: 2 }));
    log.truncateTo(4);
    assert.equal(psm.lastEntry(1000)!.lastSeq, 3);
    assert.equal(kind(produce(log, psm, idem({ seq: 4, n: 2 }))), 'append', 'the truncated batch is no longer known');
    log.truncateFullyAndStartAt(100);
    assert.equal(psm.producerIdCount, 0);
  });

  test('producers idle for producer.id.expiration.ms are forgotten, then may restart anywhere', () => {
    const { open, clock, setExpiration } = setup({ expirationMs: 60_000 });
    let { log, psm } = open();
    produce(log, psm, idem({ pid: 1, seq: 0, ts: clock.nowMs() }));
    clock.advance(30_000);
    produce(log, psm, idem({ pid: 2, seq: 0, ts: clock.nowMs() }));
    clock.advance(30_000);
    assert.equal(psm.removeExpiredProducers(), 1);
    assert.equal(psm.lastEntry(1), undefined);
    assert.equal(kind(produce(log, psm, idem({ pid: 1, seq: 57, ts: clock.nowMs() }))), 'append');
    // Expired entries are not loaded from a snapshot either.
    log.closeSync();
    setExpiration(1000);
    clock.advance(5000);
    ({ log, psm } = open(true));
    assert.equal(psm.producerIdCount, 0);
  });

  test('retention passing a producer keeps its state (Kafka 3.9), so retries still dedupe', () => {
    const { open } = setup({ segmentBytes: 300 });
    const { log, psm } = open();
    const first = idem({ pid: 1, seq: 0 });
    const copy = Buffer.from(first);
    produce(log, psm, first);
    for (let i = 0; i < 4; i++) produce(log, psm, idem({ pid: 2, seq: i * 2, n: 2 }));
    log.updateHighWatermark(log.logEndOffset);
    assert.equal(log.maybeIncrementLogStartOffset(3), true);
    log.deleteOldSegments();
    assert.ok(log.logStartOffset > 0);
    assert.deepEqual(psm.checkClientAppend(copy, log.logEndOffset), { kind: 'duplicate', firstOffset: 0, lastOffset: 0, timestamp: TS });
  });
});
