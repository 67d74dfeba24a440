import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch, RecordBatch } from '../../../src/protocol/records/index.js';
import { Log, LogCleaner, SILENT_LOGGER, isStorageError, logConfig } from '../../../src/storage/index.js';
import type { CleanupPolicy, LogConfig } from '../../../src/storage/index.js';
import { Prng, SimClock, SimDisk } from '../../../src/testkit/index.js';

const DIR = '/fuzz/t-0';
const STEPS = 250;
const SEEDS = Number(process.env['GREGOR_FUZZ_SEEDS'] ?? 12);

interface Rec {
  key: string;
  value: string;
}

/** Every batch readable from the log start, by following read() from offset to offset. */
function scan(log: Log): RecordBatch[] {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  for (let guard = 0; offset < log.logEndOffset && guard < 100_000; guard++) {
    const info = log.read(offset, 1 + ((offset * 7919) % 5000));
    if (info.slice === undefined || info.slice.size === 0) break;
    const buf = Log.readSliceSync(info.slice);
    let pos = 0;
    while (pos < buf.length) {
      const size = buf.readInt32BE(pos + 8) + 12;
      const b = new RecordBatch(buf.subarray(pos, pos + size));
      out.push(b);
      offset = b.lastOffset + 1;
      pos += size;
    }
  }
  return out;
}

/**
 * `flushMessages`: appends that reach it are staged until their flush round (which never runs inside
 * this synchronous loop), so staged bytes meet reads, rolls, truncation, retention and crashes.
 */
function run(seed: number, policy: CleanupPolicy, flushMessages?: number): void {
  const rng = new Prng(seed);
  const disk = new SimDisk();
  const clock = new SimClock();
  const config: LogConfig = logConfig({
    cleanupPolicy: policy,
    segmentBytes: 600 + rng.nextInt(3000),
    indexIntervalBytes: 1 + rng.nextInt(500),
    segmentIndexBytes: 8 * (4 + rng.nextInt(40)),
    retentionMs: 50_000,
    retentionBytes: rng.chance(0.5) ? 4000 + rng.nextInt(8000) : -1,
    fileDeleteDelayMs: rng.chance(0.5) ? 0 : 1000,
    deleteRetentionMs: 5000,
    minCleanableDirtyRatio: 0,
    ...(flushMessages === undefined ? {} : { flushMessages }),
  });
  const open = (recoveryPoint: number, logStartOffset: number, clean: boolean): Log =>
    Log.open({ fs: disk, clock, dir: DIR, topicPartition: { topic: 't', partition: 0 }, config, logger: SILENT_LOGGER, recoveryPoint, logStartOffset, cleanShutdown: clean });
  const cleaner = new LogCleaner({ fs: disk, clock, logger: SILENT_LOGGER, dedupeBufferBytes: 1 << 20 });
  let log = open(0, 0, false);
  const model = new Map<number, Rec>();
  const trace: string[] = [];

  const check = (): void => {
    const batches = scan(log);
    let prevLast = -1;
    const seen: number[] = [];
    for (const b of batches) {
      assert.ok(b.verifyCrc(), 'CRC');
      assert.ok(b.baseOffset > prevLast, `batches in order: ${b.baseOffset} after ${prevLast}`);
      prevLast = b.lastOffset;
      for (const r of b.records()) {
        if (r.offset < log.logStartOffset) continue;
        const want = model.get(r.offset);
        assert.ok(want !== undefined, `offset ${r.offset} was never written (or was truncated)`);
        assert.equal(r.key?.toString(), want.key, `key at ${r.offset}`);
        assert.equal(r.value?.toString(), want.value, `value at ${r.offset}`);
        seen.push(r.offset);
      }
    }
    assert.ok(prevLast < log.logEndOffset, 'nothing past the log end offset');
    if (policy === 'delete') {
      const expected: number[] = [];
      for (let o = log.logStartOffset; o < log.logEndOffset; o++) expected.push(o);
      assert.deepEqual(seen, expected, 'gap-free without compaction');
    } else {
      // Compaction may remove superseded records, never the latest of a key.
      const latest = new Map<string, number>();
      for (const [o, r] of model) if (o >= log.logStartOffset && o < log.logEndOffset && (latest.get(r.key) ?? -1) < o) latest.set(r.key, o);
      const have = new Set(seen);
      for (const [k, o] of latest) assert.ok(have.has(o), `latest record of ${k} at ${o} survives`);
    }
    // Index lookups agree with the linear scan.
    for (let i = 0; i < 5 && log.logEndOffset > log.logStartOffset; i++) {
      const target = log.logStartOffset + rng.nextInt(log.logEndOffset - log.logStartOffset);
      const linear = batches.find((b) => b.lastOffset >= target);
      const info = log.read(target, 1);
      const got = info.slice === undefined ? undefined : new RecordBatch(Log.readSliceSync(info.slice));
      assert.equal(got?.baseOffset, linear?.baseOffset, `lookup of ${target}`);
    }
    const segs = log.segments;
    for (let i = 1; i < segs.length; i++) assert.ok(segs[i]!.baseOffset > segs[i - 1]!.baseOffset, 'segments sorted');
    assert.ok(log.logStartOffset <= log.highWatermark && log.highWatermark <= log.logEndOffset, 'offsets ordered');
  };

  let nextKey = 0;
  for (let step = 0; step < STEPS; step++) {
    const op = rng.nextInt(100);
    try {
      if (op < 55) {
        const n = 1 + rng.nextInt(6);
        const recs: Rec[] = [];
        for (let i = 0; i < n; i++) {
          const key = policy === 'delete' ? `k${nextKey++}` : `k${rng.nextInt(12)}`;
          recs.push({ key, value: `s${step}-${i}-${'x'.repeat(rng.nextInt(120))}` });
        }
        const buf = buildRecordBatch({ records: recs.map((r, i) => ({ key: r.key, value: r.value, timestamp: clock.nowMs() + i })) });
        if (buf.length > config.segmentBytes) {
          // Larger than a segment: refused, and nothing changes.
          const leo = log.logEndOffset;
          assert.throws(() => log.appendAsLeader(buf, 0), (e) => isStorageError(e, 'RECORD_LIST_TOO_LARGE'));
          assert.equal(log.logEndOffset, leo);
          trace.push('append refused');
        } else {
          const info = log.appendAsLeader(buf, 0);
          recs.forEach((r, i) => model.set(info.firstOffset + i, r));
          trace.push(`append ${n} at ${info.firstOffset}`);
        }
      } else if (op < 62) {
        log.roll();
        trace.push('roll');
      } else if (op < 67) {
        const to = log.highWatermark + rng.nextInt(log.logEndOffset - log.highWatermark + 1);
        log.truncateTo(to);
        for (const o of [...model.keys()]) if (o >= log.logEndOffset) model.delete(o);
        trace.push(`truncateTo ${to} -> ${log.logEndOffset}`);
      } else if (op < 75) {
        log.updateHighWatermark(log.logEndOffset);
        clock.advance(rng.nextInt(30_000));
        disk.nowMs = clock.nowMs();
        const n = log.deleteOldSegments();
        log.deletePendingSegments(clock.nowMs());
        trace.push(`retention deleted ${n}, start ${log.logStartOffset}`);
      } else if (op < 80) {
        log.updateHighWatermark(log.logEndOffset);
        const to = log.logStartOffset + rng.nextInt(log.highWatermark - log.logStartOffset + 1);
        log.maybeIncrementLogStartOffset(to);
        trace.push(`deleteRecords ${to}`);
      } else if (op < 88 && policy !== 'delete') {
        log.updateHighWatermark(log.logEndOffset);
        const stats = cleaner.cleanNow(log, '/fuzz');
        trace.push(`clean ${JSON.stringify(stats)}`);
      } else if (op < 94) {
        const clean = rng.chance(0.5);
        const rp = log.recoveryPoint;
        const ls = log.logStartOffset;
        const hw = log.highWatermark;
        const leo = log.logEndOffset;
        if (clean) log.closeSync();
        disk.processCrash();
        log = open(clean ? log.recoveryPoint : rng.nextInt(rp + 1), ls, clean);
        log.updateHighWatermark(hw);
        if (clean || flushMessages === undefined) {
          // The page cache survives a process crash: every written append is still there.
          assert.equal(log.logEndOffset, leo, 'a process crash or clean close loses no append');
        } else {
          // Staged appends were never acknowledged (their fdatasync had not run) and may be gone.
          assert.ok(log.logEndOffset >= rp && log.logEndOffset <= leo, `log end ${log.logEndOffset} within [${rp}, ${leo}]`);
          for (const o of [...model.keys()]) if (o >= log.logEndOffset) model.delete(o);
        }
        trace.push(`restart clean=${clean} -> ${log.logEndOffset}`);
      } else {
        const start = log.logStartOffset;
        const target = start + rng.nextInt(Math.max(1, log.logEndOffset - start));
        const ts = log.fetchOffsetByTimestamp(clock.nowMs() - rng.nextInt(60_000));
        if (ts !== undefined) assert.ok(ts.offset >= start && ts.offset < log.logEndOffset, 'timestamp lookup in range');
        trace.push(`lookup ${target}`);
      }
      // With staging, skip some checks: their reads write staged bytes out, which would hide the rest.
      if (flushMessages === undefined || rng.chance(0.5)) check();
    } catch (err) {
      const msg = `seed ${seed} policy ${policy} flush.messages ${flushMessages ?? 'default'} step ${step}: ${String(err)}\nlast ops: ${trace.slice(-8).join(' | ')}\n` +
        `repro: GREGOR_FUZZ_SEEDS=${seed} node --test <build>/test/sim/storage/op-fuzz.test.js`;
      throw new Error(msg, { cause: err });
    }
  }
}

describe('storage op-fuzz', () => {
  for (const policy of ['delete', 'compact', 'compact,delete'] as const) {
    it(`keeps invariants under random operations (${policy})`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) run(seed * 1000 + policy.length, policy);
    });
  }
  for (const policy of ['delete', 'compact'] as const) {
    it(`keeps invariants with flush.messages (staged appends) under random operations (${policy})`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) run(seed * 1000 + 7 + policy.length, policy, 1 + (seed % 3));
    });
  }
});
