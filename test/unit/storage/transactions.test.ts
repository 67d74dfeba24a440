/**
 * Transactions in storage: COMMIT/ABORT markers applied to producer state, aborted transactions in
 * `.txnindex` (with Kafka's last stable offset), the first unstable offset and its interplay with
 * the high watermark, recovery rebuilding txn indexes, truncation, and the marker checks of a
 * coordinator's append.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlRecordType, buildControlBatch, buildRecordBatch, endTxnMarkerOf } from '../../../src/protocol/index.js';
import { Prng } from '../../../src/testkit/index.js';
import { ProducerStates } from '../../../src/storage/index.js';
import type { AbortedTxn, Log, ProducerStateManager } from '../../../src/storage/index.js';
import { batch, allAborted, batchesOf, env } from './helpers.js';

const TS = 1_700_000_000_000;
const DAY = 86_400_000;

function txn(pid: number, seq: number, n = 1, epoch = 0): Buffer {
  return buildRecordBatch({
    producerId: pid,
    producerEpoch: epoch,
    baseSequence: seq,
    isTransactional: true,
    records: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${seq + i}`, timestamp: TS + i })),
  });
}

function marker(pid: number, committed: boolean, opts: { epoch?: number; coordinatorEpoch?: number } = {}): Buffer {
  return buildControlBatch({
    type: committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
    producerId: pid,
    producerEpoch: opts.epoch ?? 0,
    coordinatorEpoch: opts.coordinatorEpoch ?? 0,
    timestamp: TS,
  });
}

function setup(opts: { segmentBytes?: number } = {}) {
  const e = env();
  const states = new ProducerStates({ clock: e.clock, producerIdExpirationMs: () => DAY });
  const tp = { topic: 'topic', partition: 0 };
  const open = (cleanShutdown = false): { log: Log; psm: ProducerStateManager } => {
    const log = e.open(opts.segmentBytes === undefined ? {} : { segmentBytes: opts.segmentBytes }, { producerStateHooks: states.hooksFor(tp), cleanShutdown });
    const psm = states.get(tp)!;
    psm.load(log);
    return { log, psm };
  };
  return { ...e, open };
}

/** Appends as the leader, returns the first offset; the HW follows the log end unless `hold`. */
function append(log: Log, buf: Buffer, hold = false): number {
  const info = log.appendAsLeader(buf, 0);
  if (!hold) log.updateHighWatermark(log.logEndOffset);
  return info.firstOffset;
}

describe('transaction markers in storage', () => {
  test('an ABORT indexes the transaction with the LSO of the other open transactions; a COMMIT does not', () => {
    const { open } = setup();
    const { log, psm } = open();
    append(log, batch(2)); // 0-1 plain
    const a = append(log, txn(1, 0, 2)); // 2-3 pid 1
    const b = append(log, txn(2, 0)); // 4 pid 2
    assert.equal(log.firstUnstableOffset, a);
    assert.equal(log.lastStableOffset, a);
    const abortAt = append(log, marker(1, false)); // 5
    assert.deepEqual(allAborted(log), [{ producerId: 1, firstOffset: a, lastOffset: abortAt, lastStableOffset: b }]);
    assert.equal(log.firstUnstableOffset, b, 'the HW covers the abort: only pid 2 is open');
    append(log, marker(2, true)); // 6
    assert.equal(allAborted(log).length, 1, 'a commit adds no entry');
    assert.equal(log.firstUnstableOffset, undefined);
    assert.equal(log.lastStableOffset, log.highWatermark);
    assert.equal(psm.firstUndecidedOffset(), undefined);
    // An abort with no other open transaction: LSO = the marker's next offset.
    const c = append(log, txn(1, 2));
    const m = append(log, marker(1, false));
    assert.deepEqual(allAborted(log).at(-1), { producerId: 1, firstOffset: c, lastOffset: m, lastStableOffset: m + 1 });
  });

  test('LSO = min(first unstable offset, HW): a decided transaction holds it until the HW covers its marker', () => {
    const { open } = setup();
    const { log } = open();
    append(log, batch(1));
    const first = append(log, txn(1, 0, 3), true);
    assert.equal(log.highWatermark, 1);
    assert.equal(log.lastStableOffset, 1, 'HW below the transaction');
    append(log, marker(1, true), true);
    assert.equal(log.firstUnstableOffset, first, 'committed but not replicated');
    log.updateHighWatermark(first + 2);
    assert.equal(log.lastStableOffset, first, 'HW inside the transaction: LSO stays at its start');
    log.updateHighWatermark(log.logEndOffset - 1);
    assert.equal(log.firstUnstableOffset, first, 'the marker itself is not covered yet');
    log.updateHighWatermark(log.logEndOffset);
    assert.equal(log.firstUnstableOffset, undefined);
    assert.equal(log.lastStableOffset, log.logEndOffset);
  });

  test('follower appends index aborted transactions in the segment that holds the marker', () => {
    const { open } = setup({ segmentBytes: 300 });
    const { log } = open();
    const leader = setup({ segmentBytes: 300 }).open().log;
    append(leader, txn(1, 0, 2));
    for (let i = 0; i < 6; i++) append(leader, batch(2, { pad: 20 }));
    const m = append(leader, marker(1, false));
    let off = 0;
    while (off < leader.logEndOffset) {
      const info = leader.read(off, 1 << 20);
      const buf = Buffer.from(readAllSlice(info));
      log.appendAsFollower(buf);
      off = log.logEndOffset;
    }
    assert.ok(log.segments.length > 1);
    const holder = [...log.segments].reverse().find((s) => s.baseOffset <= m)!;
    assert.deepEqual(holder.txnIndex.all(), [{ producerId: 1, firstOffset: 0, lastOffset: m, lastStableOffset: m + 1 }]);
    assert.equal(log.segments[0]!.txnIndex.all().length, 0);
  });

  test('an unclean restart rebuilds the txn indexes of recovered segments (no loss, no duplicates)', () => {
    const { open, disk } = setup({ segmentBytes: 400 });
    let { log } = open();
    for (let i = 0; i < 6; i++) {
      append(log, txn(1, i * 2, 2));
      append(log, txn(2, i));
      append(log, marker(1, i % 2 === 0));
      append(log, marker(2, false));
    }
    const expected = allAborted(log);
    assert.equal(expected.length, 9);
    // pid 1's aborts carry pid 2's open transaction as their LSO.
    assert.equal(expected[0]!.producerId, 2);
    assert.equal(expected[1]!.lastStableOffset, expected[1]!.firstOffset + 2);
    assert.ok(log.segments.length > 2);
    // Lose every unsynced write (txn index appends are written through, not synced).
    disk.processCrash();
    ({ log } = open(false));
    assert.deepEqual(allAborted(log), expected.filter((t) => t.lastOffset < log.logEndOffset));
    // A clean close and reopen keeps them once.
    log.closeSync();
    ({ log } = open(true));
    assert.deepEqual(allAborted(log), expected.filter((t) => t.lastOffset < log.logEndOffset));
  });

  test('an open transaction survives a restart: the first unstable offset comes back from the log', () => {
    const { open, disk } = setup();
    let { log } = open();
    append(log, batch(3));
    const first = append(log, txn(5, 0, 2));
    disk.processCrash();
    ({ log } = open(false));
    log.updateHighWatermark(log.logEndOffset);
    assert.equal(log.firstUnstableOffset, first);
    assert.equal(log.lastStableOffset, first);
  });

  test('truncation below a marker drops its index entry and reopens the transaction', () => {
    const { open } = setup();
    const { log, psm } = open();
    append(log, batch(1));
    const first = append(log, txn(1, 0, 2));
    const m = append(log, marker(1, false));
    append(log, batch(2));
    assert.equal(allAborted(log).length, 1);
    log.truncateTo(m);
    assert.deepEqual(allAborted(log), []);
    assert.equal(psm.firstUndecidedOffset(), first);
    assert.equal(log.firstUnstableOffset, first);
    log.truncateTo(first);
    assert.equal(log.firstUnstableOffset, undefined);
  });

  test('collect stops at an entry whose LSO reaches the upper bound; the fetch upper bound follows the slice', () => {
    const { open } = setup({ segmentBytes: 300 });
    const { log } = open();
    const aborted: number[] = [];
    for (let i = 0; i < 8; i++) {
      aborted.push(append(log, txn(1, i)));
      append(log, marker(1, false));
    }
    assert.equal(allAborted(log).length, 8);
    const few = log.collectAbortedTransactions(0, aborted[2]!);
    assert.deepEqual(
      few.map((t) => t.firstOffset),
      [aborted[0], aborted[1]],
    );
    const info = log.read(0, 1, log.logEndOffset, true);
    const bound = log.fetchUpperBoundOffset(0, info.slice!);
    assert.ok(bound > 0 && bound <= log.logEndOffset);
  });

  test("a coordinator's marker with an old producer epoch or coordinator epoch is refused", () => {
    const { open } = setup();
    const { log, psm } = open();
    append(log, txn(1, 0, 1, 3));
    assert.equal(psm.checkMarkerAppend(marker(1, true, { epoch: 2 })).kind, 'error');
    assert.deepEqual(
      (psm.checkMarkerAppend(marker(1, true, { epoch: 2 })) as { error: string }).error,
      'INVALID_PRODUCER_EPOCH',
    );
    assert.equal(psm.checkMarkerAppend(marker(1, true, { epoch: 3, coordinatorEpoch: 4 })).kind, 'append');
    append(log, marker(1, true, { epoch: 3, coordinatorEpoch: 4 }));
    assert.deepEqual((psm.checkMarkerAppend(marker(1, false, { epoch: 3, coordinatorEpoch: 3 })) as { error: string }).error, 'TRANSACTION_COORDINATOR_FENCED');
    assert.equal(psm.checkMarkerAppend(marker(9, false)).kind, 'append', 'an unknown producer may be marked');
  });

  test('DescribeProducers sees the open transaction start and the coordinator epoch', () => {
    const { open } = setup();
    const { log, psm } = open();
    const first = append(log, txn(1, 0, 2, 1));
    assert.deepEqual(psm.describeProducers(), [
      { producerId: 1, producerEpoch: 1, lastSequence: 1, lastTimestamp: TS + 1, coordinatorEpoch: -1, currentTxnStartOffset: first },
    ]);
    append(log, marker(1, true, { epoch: 1, coordinatorEpoch: 2 }));
    assert.equal(psm.describeProducers()[0]!.currentTxnStartOffset, -1);
    assert.equal(psm.describeProducers()[0]!.coordinatorEpoch, 2);
  });
});

function readAllSlice(info: ReturnType<Log['read']>): Buffer {
  const s = info.slice!;
  const buf = Buffer.alloc(s.size);
  s.file.read(buf, 0, s.size, s.position);
  return buf;
}

/** The aborted transactions and first unstable offset a from-scratch scan of the log gives. */
function model(log: Log): { aborted: AbortedTxn[]; firstUnstable: number | undefined } {
  const open = new Map<number, number>();
  const aborted: AbortedTxn[] = [];
  let off = log.logStartOffset;
  while (off < log.logEndOffset) {
    const bs = batchesOf(log.read(off, 1 << 20));
    if (bs.length === 0) break;
    for (const b of bs) {
      if (b.producerId >= 0 && b.isControl) {
        const first = open.get(b.producerId) ?? b.baseOffset;
        if (endTxnMarkerOf(b)!.type === ControlRecordType.ABORT) {
          let lso: number | undefined;
          for (const [id, f] of open) if (id !== b.producerId && (lso === undefined || f < lso)) lso = f;
          aborted.push({ producerId: b.producerId, firstOffset: first, lastOffset: b.baseOffset, lastStableOffset: lso ?? b.baseOffset + 1 });
        }
        open.delete(b.producerId);
      } else if (b.isTransactional && !open.has(b.producerId)) {
        open.set(b.producerId, b.baseOffset);
      }
      off = b.lastOffset + 1;
    }
  }
  let fuo: number | undefined;
  for (const f of open.values()) if (fuo === undefined || f < fuo) fuo = f;
  return { aborted, firstUnstable: fuo };
}

describe('transaction state under random appends, truncations and restarts', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`seed ${seed}: txn indexes and the first unstable offset match a scan of the log`, () => {
      const rnd = new Prng(seed);
      const { open, disk } = setup({ segmentBytes: 500 });
      let { log } = open();
      const seq = new Map<number, number>();
      for (let step = 0; step < 200; step++) {
        const op = rnd.nextInt(20);
        const pid = 1 + rnd.nextInt(3);
        if (op < 8) {
          const s = seq.get(pid) ?? 0;
          seq.set(pid, s + 1);
          append(log, txn(pid, s));
        } else if (op < 11) {
          append(log, batch(1 + rnd.nextInt(3)));
        } else if (op < 16) {
          append(log, marker(pid, rnd.nextInt(2) === 0));
        } else if (op < 18 && log.logEndOffset > 0) {
          // Truncation (a follower's), then the producer ids' sequences restart at a new epoch-less state.
          log.truncateTo(Math.max(log.logStartOffset, log.logEndOffset - 1 - rnd.nextInt(6)));
          seq.clear();
        } else if (op === 18) {
          // A process crash or a power cut (unsynced bytes of the log and its indexes lost independently).
          if (rnd.nextInt(2) === 0) disk.processCrash();
          else disk.powerCut(rnd);
          ({ log } = open(false));
          seq.clear();
        } else {
          log.closeSync();
          ({ log } = open(true));
          seq.clear();
        }
        log.updateHighWatermark(log.logEndOffset);
        const m = model(log);
        assert.deepEqual(allAborted(log), m.aborted, `step ${step} op ${op}`);
        assert.equal(log.firstUnstableOffset, m.firstUnstable, `step ${step} op ${op}`);
      }
    });
  }
});
