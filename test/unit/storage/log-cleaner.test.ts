import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildControlBatch, buildRecordBatch, ControlRecordType } from '../../../src/protocol/records/index.js';
import { LogCleaner, SILENT_LOGGER } from '../../../src/storage/index.js';
import type { Log } from '../../../src/storage/index.js';
import { DIR, batchesOf, env, keyed, readAll } from './helpers.js';
import type { Env } from './helpers.js';

function cleaner(e: Env, dedupeBufferBytes = 1 << 20): LogCleaner {
  return new LogCleaner({ fs: e.disk, clock: e.clock, logger: SILENT_LOGGER, dedupeBufferBytes });
}

function latestByKey(records: Array<{ offset: number; key: string | null; value: string | null }>): Map<string, { offset: number; value: string | null }> {
  const m = new Map<string, { offset: number; value: string | null }>();
  for (const r of records) if (r.key !== null) m.set(r.key, { offset: r.offset, value: r.value });
  return m;
}

function fill(log: Log, rounds: number, keys: number): void {
  for (let round = 0; round < rounds; round++) {
    const entries: Array<[string, string | null]> = [];
    for (let k = 0; k < keys; k++) entries.push([`key${k}`, `r${round}-${'x'.repeat(30)}`]);
    log.appendAsLeader(keyed(entries), 0);
  }
  log.updateHighWatermark(log.logEndOffset);
}

describe('LogCleaner', () => {
  it('keeps the latest record per key with its original offset', async () => {
    const e = env();
    const log = e.open({ cleanupPolicy: 'compact', segmentBytes: 2048, fileDeleteDelayMs: 0 });
    fill(log, 20, 5);
    const before = readAll(log);
    const expected = latestByKey(before);
    const activeBase = log.activeSegment.baseOffset;
    const stats = cleaner(e).cleanNow(log, '/data')!;
    assert.ok(stats.recordsRemoved > 0);
    const after = readAll(log);
    // Below the active segment only the latest per key survives; the active segment is untouched.
    const cleanedPart = after.filter((r) => r.offset < activeBase);
    const keysSeen = new Set<string>();
    for (const r of cleanedPart) {
      const latest = expected.get(r.key!)!;
      if (r.offset < latest.offset) {
        assert.ok(!keysSeen.has(r.key!), `duplicate ${r.key} at ${r.offset}`);
      }
      keysSeen.add(r.key!);
      assert.equal(before.find((b) => b.offset === r.offset)!.value, r.value, 'offsets keep their records');
    }
    assert.deepEqual(latestByKey(after), expected);
    assert.deepEqual(
      after.filter((r) => r.offset >= activeBase),
      before.filter((r) => r.offset >= activeBase),
    );
    await log.deletionsDone();
    assert.equal(e.disk.readdir(DIR).filter((f) => f.endsWith('.cleaned') || f.endsWith('.swap') || f.endsWith('.deleted')).length, 0);
    for (const s of log.segments.slice(0, -1)) assert.ok(s.size <= 2048);
    assert.equal(log.logEndOffset, 100);
  });

  it('removes tombstones only after a pass and delete.retention.ms', () => {
    const e = env();
    const log = e.open({ cleanupPolicy: 'compact', segmentBytes: 1024, deleteRetentionMs: 10_000, fileDeleteDelayMs: 0 });
    const ts = e.clock.nowMs();
    log.appendAsLeader(keyed([['a', '1'], ['b', '1']], ts), 0);
    log.appendAsLeader(keyed([['a', null]], ts), 0);
    fill(log, 15, 3);
    const c = cleaner(e);
    c.cleanNow(log, '/data');
    assert.ok(readAll(log).some((r) => r.key === 'a' && r.value === null), 'tombstone kept on the first pass');
    assert.ok(!readAll(log).some((r) => r.key === 'a' && r.value === '1'), 'the value it deletes is gone');
    e.clock.advance(20_000);
    log.appendAsLeader(keyed([['z', '1']]), 0);
    log.roll();
    log.appendAsLeader(keyed([['z', '2']]), 0);
    log.updateHighWatermark(log.logEndOffset);
    c.cleanNow(log, '/data');
    assert.ok(!readAll(log).some((r) => r.key === 'a'), 'tombstone removed after delete.retention.ms');
    assert.ok(readAll(log).some((r) => r.key === 'b' && r.value === '1'));
  });

  it('drops aborted transactional records, never lets them shadow committed data, and keeps markers', () => {
    const e = env();
    const log = e.open({ cleanupPolicy: 'compact', segmentBytes: 1024, fileDeleteDelayMs: 0 });
    log.appendAsLeader(keyed([['k', 'committed']]), 0);
    const start = log.logEndOffset;
    log.appendAsLeader(
      buildRecordBatch({ records: [{ key: 'k', value: 'aborted' }], producerId: 9, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
      0,
    );
    const markerOffset = log.logEndOffset;
    log.appendAsLeader(buildControlBatch({ type: ControlRecordType.ABORT, producerId: 9, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 1 }), 0);
    log.appendAbortedTxn({ producerId: 9, firstOffset: start, lastOffset: markerOffset, lastStableOffset: start });
    fill(log, 12, 3);
    cleaner(e).cleanNow(log, '/data');
    const after = readAll(log);
    assert.deepEqual(after.filter((r) => r.key === 'k').map((r) => r.value), ['committed']);
    let marker = false;
    let off = 0;
    while (off < log.logEndOffset) {
      const bs = batchesOf(log.read(off, 1 << 20));
      for (const b of bs) if (b.isControl && b.baseOffset === markerOffset) marker = true;
      off = bs.at(-1)!.lastOffset + 1;
    }
    assert.ok(marker, 'the abort marker stays');
  });

  it('honours min.cleanable.dirty.ratio, min.compaction.lag.ms and max.compaction.lag.ms', () => {
    const e = env();
    const log = e.open({ cleanupPolicy: 'compact', segmentBytes: 1024, minCleanableDirtyRatio: 0.99, fileDeleteDelayMs: 0 });
    fill(log, 10, 3);
    const c = cleaner(e);
    const plan = c.plan(log, '/data')!;
    assert.equal(plan.dirtyRatio, 1);
    assert.equal(c.maybeClean(log, '/data'), true);
    fill(log, 10, 3);
    const plan2 = c.plan(log, '/data')!;
    assert.ok(plan2.dirtyRatio < 0.99);
    assert.equal(c.maybeClean(log, '/data'), false, 'below the ratio');
    log.updateConfig({ ...log.config, maxCompactionLagMs: 1000 });
    e.clock.advance(1_000_000_000_000);
    assert.equal(c.maybeClean(log, '/data'), true, 'max.compaction.lag.ms forces a pass');

    const e2 = env();
    const young = e2.open({ cleanupPolicy: 'compact', segmentBytes: 1024, minCompactionLagMs: 60_000 });
    const now = e2.clock.nowMs();
    for (let i = 0; i < 10; i++) young.appendAsLeader(keyed([['a', 'x'.repeat(100)], ['b', 'y'.repeat(100)]], now), 0);
    young.updateHighWatermark(young.logEndOffset);
    assert.equal(cleaner(e2).plan(young, '/data'), undefined, 'records younger than min.compaction.lag.ms are not cleanable');
  });

  it('completes an interrupted swap on restart', () => {
    const e = env();
    const log = e.open({ cleanupPolicy: 'compact', segmentBytes: 1024, fileDeleteDelayMs: 60_000 });
    fill(log, 12, 3);
    const expected = latestByKey(readAll(log));
    cleaner(e).cleanNow(log, '/data');
    // Simulate a crash after the originals were renamed .deleted: reopen must drop them.
    e.disk.processCrash();
    assert.ok(e.disk.readdir(DIR).some((f) => f.endsWith('.deleted')));
    const reopened = e.open({ cleanupPolicy: 'compact', segmentBytes: 1024 });
    assert.equal(e.disk.readdir(DIR).filter((f) => f.endsWith('.deleted')).length, 0);
    assert.deepEqual(latestByKey(readAll(reopened)), expected);
  });
});
