/**
 * The cleaner and transactions, as Kafka 3.9: seeded sequences of committed and aborted
 * transactions, idempotent and plain records and tombstones, cleaned repeatedly while a SimClock
 * passes delete.retention.ms. Each pass is checked against rules computed from the log as it was
 * before the pass: the read_committed view only loses overwritten keys (and tombstones past their
 * horizon), no aborted data stays readable, markers of transactions with no data left get a delete
 * horizon and go only on a later pass after it, txn index entries follow, offsets and producer
 * state (also rebuilt from the log alone) are unchanged, batches past the cleaned range are untouched.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlRecordType, buildControlBatch, buildRecordBatch, parseControlRecordType } from '../../../src/protocol/index.js';
import type { RecordBatch } from '../../../src/protocol/index.js';
import { Prng } from '../../../src/testkit/index.js';
import { LogCleaner, ProducerStates, SILENT_LOGGER } from '../../../src/storage/index.js';
import type { AbortedTxn, Log, LogConfig, ProducerStateManager } from '../../../src/storage/index.js';
import type { FileSystem } from '../../../src/common/index.js';
import type { SimDisk } from '../../../src/testkit/index.js';
import { DIR, allAborted, batchesOf, env } from './helpers.js';

const DAY = 86_400_000;
const RETENTION = 10_000;
const TXN_PIDS = [1, 2, 3];
const IDEMPOTENT_PID = 7;
const KEYS = 8;

/** The disk as seen by a process that dies at its `crashAt`-th mutating call (every call after it fails too). */
class CrashingFs {
  readonly ops: string[] = [];
  crashAt = -1;
  dead = false;
  readonly fs: FileSystem;
  constructor(disk: SimDisk) {
    const mutating = new Set(['write', 'fdatasyncSync', 'truncate', 'rename', 'unlink', 'syncDir', 'writeFileAtomic']);
    this.fs = new Proxy(disk, {
      get: (target, prop) => {
        const v: unknown = Reflect.get(target, prop, target);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (this.dead) throw new Error('process crashed');
          if (this.crashAt >= 0 && mutating.has(String(prop))) {
            if (this.ops.length === this.crashAt) {
              this.dead = true;
              throw new Error('process crashed');
            }
            this.ops.push(String(prop));
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}

function setup(config: Partial<LogConfig> = {}, crashing = false) {
  const e = env();
  const crash = crashing ? new CrashingFs(e.disk) : undefined;
  const states = new ProducerStates({ clock: e.clock, producerIdExpirationMs: () => DAY });
  const tp = { topic: 'topic', partition: 0 };
  const fullConfig: Partial<LogConfig> = { cleanupPolicy: 'compact', segmentBytes: 700, deleteRetentionMs: RETENTION, fileDeleteDelayMs: 0, ...config };
  const open = (cleanShutdown = false): { log: Log; psm: ProducerStateManager } => {
    const log = e.open(fullConfig, { producerStateHooks: states.hooksFor(tp), cleanShutdown, ...(crash === undefined ? {} : { fs: crash.fs }) });
    const psm = states.get(tp)!;
    psm.load(log);
    return { log, psm };
  };
  const cleaner = () => new LogCleaner({ fs: crash?.fs ?? e.disk, clock: e.clock, logger: SILENT_LOGGER, dedupeBufferBytes: 1 << 20 });
  const reopenPlain = (): { log: Log; psm: ProducerStateManager } => {
    const log = e.open(fullConfig, { producerStateHooks: states.hooksFor(tp), cleanShutdown: false });
    const psm = states.get(tp)!;
    psm.load(log);
    log.updateHighWatermark(log.logEndOffset);
    return { log, psm };
  };
  return { ...e, open, cleaner, crash, reopenPlain };
}

/** Appends as leader and moves the high watermark to the log end (the cleaner works below it); the first offset. */
function appendCommitted(log: Log, buf: Buffer): number {
  const at = log.appendAsLeader(buf, 0).firstOffset;
  log.updateHighWatermark(log.logEndOffset);
  return at;
}

function allBatches(log: Log): RecordBatch[] {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bs = batchesOf(log.read(offset, 1 << 20));
    if (bs.length === 0) break;
    for (const b of bs) if (b.lastOffset >= offset) out.push(b);
    offset = bs.at(-1)!.lastOffset + 1;
  }
  return out;
}

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
}

function recordsOf(b: RecordBatch): Rec[] {
  return [...b.records()].map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null }));
}

/** What a read_committed consumer sees below `upTo`: no control records, no records of aborted transactions. */
function readCommitted(log: Log, upTo: number): Rec[] {
  const aborted = allAborted(log);
  const out: Rec[] = [];
  for (const b of allBatches(log)) {
    if (b.baseOffset >= upTo || b.isControl) continue;
    if (b.isTransactional && aborted.some((t) => t.producerId === b.producerId && t.firstOffset <= b.baseOffset && b.baseOffset <= t.lastOffset)) continue;
    out.push(...recordsOf(b));
  }
  return out;
}

function readUncommitted(log: Log, upTo: number): Rec[] {
  return allBatches(log)
    .filter((b) => b.baseOffset < upTo && !b.isControl)
    .flatMap(recordsOf);
}

function producerView(psm: ProducerStateManager): Record<number, { epoch: number; lastSeq: number; lastDataOffset: number; txnFirstOffset: number }> {
  const out: Record<number, { epoch: number; lastSeq: number; lastDataOffset: number; txnFirstOffset: number }> = {};
  for (const [pid, e] of psm.producers) out[pid] = { epoch: e.producerEpoch, lastSeq: e.lastSeq, lastDataOffset: e.lastDataOffset, txnFirstOffset: e.currentTxnFirstOffset };
  return out;
}

/** For each control batch (by base offset): whether a transactional data batch of its producer lies between its producer's previous control batch and it. */
function markerHasData(batches: RecordBatch[]): Map<number, boolean> {
  const out = new Map<number, boolean>();
  const sinceControl = new Map<number, boolean>();
  for (const b of batches) {
    if (b.producerId < 0) continue;
    if (b.isControl) {
      out.set(b.baseOffset, sinceControl.get(b.producerId) === true);
      sinceControl.set(b.producerId, false);
    } else if (b.isTransactional) sinceControl.set(b.producerId, true);
  }
  return out;
}

function controlType(b: RecordBatch): number | undefined {
  for (const r of b.records()) return parseControlRecordType(r.key);
  return undefined;
}

/** A generated workload: transactions (some left open when `openTail`), idempotent and plain records, tombstones. */
function generate(seed: number, log: Log, steps: number, openTail: boolean): { openTxnFirst: number | undefined } {
  const rnd = new Prng(seed);
  const seq = new Map<number, number>();
  const open = new Set<number>();
  let ts = 1_700_000_000_000;
  const append = (buf: Buffer): number => appendCommitted(log, buf);
  const records = (n: number) =>
    Array.from({ length: n }, () => ({ key: `k${rnd.nextInt(KEYS)}`, value: rnd.chance(0.15) ? null : `v${ts}-${'x'.repeat(rnd.nextInt(20))}`, timestamp: ts++ }));
  const dataBatch = (pid: number, transactional: boolean, n: number): Buffer => {
    const s = seq.get(pid) ?? 0;
    seq.set(pid, s + n);
    return buildRecordBatch({ producerId: pid, producerEpoch: 0, baseSequence: s, isTransactional: transactional, records: records(n), compression: rnd.chance(0.2) ? 1 : 0 });
  };
  const end = (pid: number, commit: boolean) => {
    append(buildControlBatch({ type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, timestamp: ts++ }));
    open.delete(pid);
  };
  let openTxnFirst: number | undefined;
  for (let step = 0; step < steps; step++) {
    const op = rnd.nextInt(100);
    const pid = TXN_PIDS[rnd.nextInt(TXN_PIDS.length)]!;
    if (op < 25) append(buildRecordBatch({ records: records(1 + rnd.nextInt(3)), compression: rnd.chance(0.3) ? 1 : 0 }));
    else if (op < 40) append(dataBatch(IDEMPOTENT_PID, false, 1 + rnd.nextInt(3)));
    else if (op < 75) {
      append(dataBatch(pid, true, 1 + rnd.nextInt(3)));
      open.add(pid);
    } else if (open.has(pid)) end(pid, rnd.chance(0.55));
    if (openTail && step === Math.floor(steps * 0.7)) {
      // A transaction left undecided: nothing from its first offset on may be cleaned.
      openTxnFirst = append(dataBatch(4, true, 1));
    }
  }
  for (const pid of [...open]) end(pid, rnd.chance(0.5));
  return { openTxnFirst };
}

interface PassSnapshot {
  batches: RecordBatch[];
  aborted: AbortedTxn[];
  committed: Rec[];
  lso: number;
  leo: number;
  producers: ReturnType<typeof producerView>;
}

function snapshot(log: Log, psm: ProducerStateManager): PassSnapshot {
  const lso = log.lastStableOffset;
  return { batches: allBatches(log), aborted: allAborted(log), committed: readCommitted(log, lso), lso, leo: log.logEndOffset, producers: producerView(psm) };
}

/** Runs one pass with a fresh cleaner (the whole cleanable range) and checks it against the log before it. */
function checkedPass(ctx: ReturnType<typeof setup>, log: Log, psm: ProducerStateManager, label: string): { endOffset: number; markersRemoved: number; horizonsSet: number; tombstonesRemoved: number } {
  const before = snapshot(log, psm);
  const now = ctx.clock.nowMs();
  const c = ctx.cleaner();
  const stats = c.cleanNow(log, '/data');
  assert.ok(stats !== undefined, `${label}: something to clean`);
  const endOffset = c.checkpointEntries('/data')[0]![1];
  const after = snapshot(log, psm);

  // Offsets and the log end are preserved; batches past the cleaned range are untouched.
  assert.equal(after.leo, before.leo, `${label}: log end`);
  assert.equal(after.lso, before.lso, `${label}: last stable offset`);
  const untouched = (bs: RecordBatch[]) => bs.filter((b) => b.baseOffset >= endOffset).map((b) => b.buf.toString('hex'));
  assert.deepEqual(untouched(after.batches), untouched(before.batches), `${label}: batches past the cleaned range`);
  for (let i = 1; i < after.batches.length; i++) assert.ok(after.batches[i]!.baseOffset > after.batches[i - 1]!.lastOffset, `${label}: offsets increase`);

  // read_committed: every record seen after was seen before at its offset; the latest of each key stays
  // unless it is a tombstone whose batch's delete horizon had passed.
  const beforeAt = new Map(before.committed.map((r) => [r.offset, r]));
  for (const r of after.committed) assert.deepEqual(beforeAt.get(r.offset), r, `${label}: record at ${r.offset} unchanged`);
  const afterAt = new Map(after.committed.map((r) => [r.offset, r]));
  const latest = new Map<string, Rec>();
  for (const r of before.committed) if (r.key !== null) latest.set(r.key, r);
  const horizonOf = new Map<number, number | undefined>();
  for (const b of before.batches) for (const r of recordsOf(b)) horizonOf.set(r.offset, b.hasDeleteHorizon ? b.baseTimestamp : undefined);
  let tombstonesRemoved = 0;
  for (const r of latest.values()) {
    const h = horizonOf.get(r.offset);
    const removable = r.value === null && r.offset < endOffset && h !== undefined && h <= now;
    if (removable) tombstonesRemoved++;
    if (removable) assert.equal(afterAt.get(r.offset), undefined, `${label}: tombstone ${r.key}@${r.offset} past its horizon removed`);
    else assert.deepEqual(afterAt.get(r.offset), r, `${label}: latest ${r.key}@${r.offset} kept`);
  }
  // Compaction happened, committed transactional records included: one record per key below the cleaned end.
  const seen = new Set<string>();
  for (const r of after.committed) {
    if (r.offset >= endOffset) continue;
    assert.ok(r.key !== null && !seen.has(r.key), `${label}: ${r.key} once below ${endOffset}`);
    seen.add(r.key);
  }
  // Below the cleaned range a tombstone is kept only in a batch carrying a delete horizon.
  for (const b of after.batches) {
    if (b.baseOffset >= endOffset || b.isControl) continue;
    if (recordsOf(b).some((r) => r.value === null)) assert.ok(b.hasDeleteHorizon, `${label}: tombstone batch at ${b.baseOffset} has a horizon`);
  }
  // No aborted data stays in the cleaned range: read_uncommitted sees there what read_committed sees.
  const bound = Math.min(endOffset, after.lso);
  assert.deepEqual(readUncommitted(log, bound), readCommitted(log, bound), `${label}: aborted data gone`);

  // Markers: kept (with their record) unless removable; a removable one without a horizon gets now + retention.
  const hasData = markerHasData(before.batches);
  const afterByBase = new Map(after.batches.map((b) => [b.baseOffset, b]));
  let markersRemoved = 0;
  let horizonsSet = 0;
  for (const m of before.batches) {
    if (!m.isControl || m.baseOffset >= endOffset || m.recordCount === 0) continue;
    const removable = hasData.get(m.baseOffset) === false;
    const a = afterByBase.get(m.baseOffset);
    if (removable && m.hasDeleteHorizon && m.baseTimestamp <= now) {
      assert.ok(a === undefined || a.recordCount === 0, `${label}: marker at ${m.baseOffset} removed after its horizon`);
      markersRemoved++;
      continue;
    }
    assert.ok(a !== undefined && a.recordCount === 1, `${label}: marker at ${m.baseOffset} kept`);
    assert.equal(controlType(a), controlType(m));
    if (m.hasDeleteHorizon) assert.equal(a.baseTimestamp, m.baseTimestamp, `${label}: horizon kept`);
    else if (removable) {
      assert.ok(a.hasDeleteHorizon, `${label}: marker at ${m.baseOffset} of an emptied transaction gets a horizon`);
      assert.equal(a.baseTimestamp, now + RETENTION);
      horizonsSet++;
    } else assert.ok(!a.hasDeleteHorizon, `${label}: marker at ${m.baseOffset} with data has no horizon`);
  }
  // Markers that were not there before did not appear; markers past the range are untouched (checked above).

  // Txn index: in the cleaned range, exactly the entries whose transaction still had data before the pass.
  const hadData = (t: AbortedTxn) =>
    before.batches.some((b) => b.producerId === t.producerId && b.isTransactional && !b.isControl && b.baseOffset >= t.firstOffset && b.baseOffset < t.lastOffset);
  const key = (t: AbortedTxn) => `${t.producerId}:${t.firstOffset}-${t.lastOffset}/${t.lastStableOffset}`;
  assert.deepEqual(
    after.aborted.map(key),
    before.aborted.filter((t) => t.lastOffset >= endOffset || hadData(t)).map(key),
    `${label}: txn index entries`,
  );
  // Every ABORT entry still indexed has its marker.
  for (const t of after.aborted) {
    const m = afterByBase.get(t.lastOffset);
    assert.ok(m !== undefined && m.isControl && controlType(m) === ControlRecordType.ABORT, `${label}: indexed abort at ${t.lastOffset} has its marker`);
  }

  // Producer state is unchanged by cleaning.
  assert.deepEqual(after.producers, before.producers, `${label}: producer state`);
  return { endOffset, markersRemoved, horizonsSet, tombstonesRemoved };
}

/** Closes, drops every producer snapshot and reopens: the producer state rebuilt from the cleaned log alone. */
function reopenFromLogOnly(ctx: ReturnType<typeof setup>, log: Log): { log: Log; psm: ProducerStateManager } {
  log.closeSync();
  for (const f of ctx.disk.readdir(DIR)) if (f.endsWith('.snapshot')) ctx.disk.unlink(`${DIR}/${f}`);
  const reopened = ctx.open(true);
  reopened.log.updateHighWatermark(reopened.log.logEndOffset);
  return reopened;
}

describe('LogCleaner with transactions (Kafka 3.9 rules)', () => {
  let tombstonesRemovedOverSeeds = 0;
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    test(`seed ${seed}: markers, tombstones, txn index, producer state and read_committed across passes`, () => {
      const ctx = setup();
      let { log, psm } = ctx.open();
      const { openTxnFirst } = generate(seed, log, 160, seed % 2 === 0);
      if (openTxnFirst !== undefined) assert.equal(log.firstUnstableOffset, openTxnFirst);
      const expectedProducers = producerView(psm);

      const p1 = checkedPass(ctx, log, psm, 'pass 1');
      if (openTxnFirst !== undefined) assert.ok(p1.endOffset <= openTxnFirst, 'never past the first unstable offset');
      assert.equal(p1.markersRemoved, 0, 'no marker goes on the first pass');
      // Before the horizon: a second pass sets horizons on markers emptied by the first, removes none.
      ctx.clock.advance(RETENTION / 2);
      const p2 = checkedPass(ctx, log, psm, 'pass 2');
      assert.equal(p2.markersRemoved, 0, 'no marker goes before its horizon');
      // Past the horizons of pass 1 (not of pass 2): those markers and tombstones go.
      ctx.clock.advance(RETENTION / 2);
      const p3 = checkedPass(ctx, log, psm, 'pass 3');
      ctx.clock.advance(RETENTION);
      const p4 = checkedPass(ctx, log, psm, 'pass 4');
      ctx.clock.advance(RETENTION);
      const p5 = checkedPass(ctx, log, psm, 'pass 5');
      const passes = [p1, p2, p3, p4, p5];
      assert.equal(p3.markersRemoved, 0, 'pass 3 is before the horizons set by pass 2');
      assert.ok(passes.reduce((n, p) => n + p.horizonsSet, 0) > 0, 'some markers got a horizon');
      assert.ok(passes.reduce((n, p) => n + p.markersRemoved, 0) > 0, 'some markers went');
      tombstonesRemovedOverSeeds += passes.reduce((n, p) => n + p.tombstonesRemoved, 0);

      // The producer state rebuilt from the cleaned log alone equals the one before any cleaning.
      ({ log, psm } = reopenFromLogOnly(ctx, log));
      assert.deepEqual(producerView(psm), expectedProducers, 'producer state after reload from the cleaned log');
      if (openTxnFirst !== undefined) assert.equal(log.firstUnstableOffset, openTxnFirst, 'the open transaction is still open');
      else assert.equal(log.firstUnstableOffset, undefined);
    });
  }

  test('a crash at any step of a pass (process crash) leaves a consistent log: compacted or not, never wrong', () => {
    const run = (crashAt: number) => {
      const ctx = setup({}, true);
      const { log, psm } = ctx.open();
      generate(11, log, 120, false);
      const lso = log.lastStableOffset;
      const committed = readCommitted(log, lso);
      const producers = producerView(psm);
      const leo = log.logEndOffset;
      ctx.crash!.crashAt = crashAt;
      let crashed = false;
      try {
        ctx.cleaner().cleanNow(log, '/data');
      } catch (err) {
        assert.match(String(err), /process crashed/);
        crashed = true;
      }
      const ops = [...ctx.crash!.ops];
      if (crashed) {
        ctx.disk.processCrash();
        const { log: reopened, psm: reloaded } = ctx.reopenPlain();
        assert.equal(reopened.logEndOffset, leo, `crash at ${crashAt}: log end`);
        const at = new Map(committed.map((r) => [r.offset, r]));
        const after = readCommitted(reopened, reopened.lastStableOffset);
        for (const r of after) assert.deepEqual(at.get(r.offset), r, `crash at ${crashAt}: record at ${r.offset}`);
        const afterAt = new Map(after.map((r) => [r.offset, r]));
        const latest = new Map<string, Rec>();
        for (const r of committed) if (r.key !== null) latest.set(r.key, r);
        for (const r of latest.values()) assert.deepEqual(afterAt.get(r.offset), r, `crash at ${crashAt}: latest of ${r.key} kept`);
        assert.deepEqual(producerView(reloaded), producers, `crash at ${crashAt}: producer state`);
        assert.equal(reopened.lastStableOffset, lso);
        assert.deepEqual(ctx.disk.readdir(DIR).filter((f) => /\.(cleaned|swap|deleted)$/.test(f)), [], `crash at ${crashAt}: leftovers`);
      }
      return { crashed, ops };
    };
    const dry = run(Number.MAX_SAFE_INTEGER);
    assert.equal(dry.crashed, false);
    // Every step of the first groups' writes and swaps, then a sample of the later ones.
    let tried = 0;
    for (let k = 0; k < dry.ops.length; k++) {
      if (k >= 40 && k % 12 !== 0) continue;
      assert.equal(run(k).crashed, true);
      tried++;
    }
    assert.ok(tried > 10);
  });

  test('the seeds removed tombstones past their horizon', () => {
    assert.ok(tombstonesRemovedOverSeeds > 0);
  });

  test('a marker goes once its transaction is compacted away and delete.retention.ms passed; not before', () => {
    const ctx = setup({ segmentBytes: 300 });
    const { log, psm } = ctx.open();
    const append = (buf: Buffer): number => appendCommitted(log, buf);
    const ts = ctx.clock.nowMs();
    // pid 1 commits 'a' = 1, then pid 1 writes again (so its committed batch is not its last), plain 'a' overwrites.
    append(buildRecordBatch({ producerId: 1, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [{ key: 'a', value: '1', timestamp: ts }] }));
    const commitAt = append(buildControlBatch({ type: ControlRecordType.COMMIT, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, timestamp: ts }));
    append(buildRecordBatch({ records: [{ key: 'a', value: '2', timestamp: ts }] }));
    // pid 2 aborts a write of 'b'; then writes a committed one so the aborted batch is not its last.
    const abortedAt = append(buildRecordBatch({ producerId: 2, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [{ key: 'b', value: 'x', timestamp: ts }] }));
    const abortAt = append(buildControlBatch({ type: ControlRecordType.ABORT, producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, timestamp: ts }));
    append(buildRecordBatch({ producerId: 2, producerEpoch: 0, baseSequence: 1, isTransactional: true, records: [{ key: 'c', value: '1', timestamp: ts }] }));
    append(buildControlBatch({ type: ControlRecordType.COMMIT, producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, timestamp: ts }));
    append(buildRecordBatch({ producerId: 1, producerEpoch: 0, baseSequence: 1, isTransactional: true, records: [{ key: 'd', value: '1', timestamp: ts }] }));
    append(buildControlBatch({ type: ControlRecordType.COMMIT, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, timestamp: ts }));
    for (let i = 0; i < 6; i++) append(buildRecordBatch({ records: [{ key: `z${i}`, value: 'y'.repeat(60), timestamp: ts }] }));
    log.roll();
    append(buildRecordBatch({ records: [{ key: 'tail', value: '1', timestamp: ts }] }));
    assert.deepEqual(allAborted(log).map((t) => [t.firstOffset, t.lastOffset]), [[abortedAt, abortAt]]);
    const find = (o: number) => allBatches(log).find((b) => b.baseOffset === o);

    const pass = () => checkedPass(ctx, log, psm, `t=${ctx.clock.nowMs() - ts}`);
    pass();
    // The committed 'a' = 1 and the aborted 'b' are gone; their markers stay (their data was seen this pass).
    assert.equal(find(commitAt)?.hasDeleteHorizon, false);
    assert.equal(find(abortAt)?.hasDeleteHorizon, false);
    assert.deepEqual(allAborted(log).map((t) => t.lastOffset), [abortAt], 'the abort entry stays while its data was there');
    assert.equal(find(abortedAt), undefined);
    pass();
    // Now both transactions are empty: horizons set, the abort's txn index entry dropped.
    assert.equal(find(commitAt)?.baseTimestamp, ctx.clock.nowMs() + RETENTION);
    assert.equal(find(abortAt)?.hasDeleteHorizon, true);
    assert.deepEqual(allAborted(log), []);
    ctx.clock.advance(RETENTION - 1);
    pass();
    assert.ok(find(commitAt) !== undefined && find(abortAt) !== undefined, 'not before the horizon');
    ctx.clock.advance(1);
    pass();
    assert.equal(find(commitAt), undefined, 'commit marker gone at the horizon');
    assert.equal(find(abortAt), undefined, 'abort marker gone at the horizon');
    assert.deepEqual(
      readCommitted(log, log.logEndOffset).filter((r) => ['a', 'b', 'c', 'd'].includes(r.key!)).map((r) => `${r.key}=${r.value}`),
      ['a=2', 'c=1', 'd=1'],
    );
  });

  test("a producer's last batch survives emptied; an ongoing transaction is never touched", () => {
    const ctx = setup({ segmentBytes: 300 });
    const { log, psm } = ctx.open();
    const append = (buf: Buffer): number => appendCommitted(log, buf);
    const ts = ctx.clock.nowMs();
    const lastOf5 = append(buildRecordBatch({ producerId: 5, producerEpoch: 3, baseSequence: 7, records: [{ key: 'p', value: '1', timestamp: ts }, { key: 'q', value: '1', timestamp: ts }] }));
    append(buildRecordBatch({ records: [{ key: 'p', value: '2', timestamp: ts }, { key: 'q', value: '2', timestamp: ts }] }));
    for (let i = 0; i < 6; i++) append(buildRecordBatch({ records: [{ key: `z${i}`, value: 'y'.repeat(60), timestamp: ts }] }));
    const open = append(buildRecordBatch({ producerId: 6, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [{ key: 'p', value: 'open', timestamp: ts }] }));
    for (let i = 0; i < 6; i++) append(buildRecordBatch({ records: [{ key: `z${i}`, value: 'w'.repeat(60), timestamp: ts }] }));
    log.roll();
    append(buildRecordBatch({ records: [{ key: 'tail', value: '1', timestamp: ts }] }));
    const bytesFromOpen = allBatches(log).filter((b) => b.baseOffset >= open).map((b) => b.buf.toString('hex'));
    const { endOffset } = checkedPass(ctx, log, psm, 'pass');
    assert.ok(endOffset <= open);
    const kept = allBatches(log).find((b) => b.baseOffset === lastOf5)!;
    assert.equal(kept.recordCount, 0, 'emptied');
    assert.deepEqual([kept.producerId, kept.producerEpoch, kept.baseSequence, kept.lastOffset], [5, 3, 7, lastOf5 + 1]);
    assert.deepEqual(allBatches(log).filter((b) => b.baseOffset >= open).map((b) => b.buf.toString('hex')), bytesFromOpen);
    assert.equal(psm.lastEntry(5)?.lastSeq, 8);
  });
});
