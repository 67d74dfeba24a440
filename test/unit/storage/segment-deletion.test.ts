/**
 * Physical deletion off the event loop: the log's state changes at once, the `.deleted` files are
 * closed and unlinked by thread-pool calls (SimDisk's `holdAsync` keeps them in flight here),
 * reads on a descriptor are never cut short, shutdown waits, failures take the dir offline, and a
 * crash in between leaves only what the next open removes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Log, LogManager, isDeleteDirName, logConfig } from '../../../src/storage/index.js';
import type { StorageLogger } from '../../../src/storage/index.js';
import { Prng, SimClock, SimDisk } from '../../../src/testkit/index.js';
import { DIR, batch, env, readAll } from './helpers.js';

/** Lets chained promise callbacks run (deletions are a chain of thread-pool calls). */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const deletedFiles = (disk: SimDisk, dir = DIR): string[] => disk.readdir(dir).filter((f) => f.endsWith('.deleted'));

/** The held thread-pool calls of deletions and reads (flushes and checkpoint writes are held too). */
const heldDeletionCalls = (disk: SimDisk): string[] => disk.heldAsync.filter((k) => k === 'close' || k === 'unlink' || k === 'rmdir' || k === 'read');

/** A log of 6+ segments of 1 KiB with every offset below the high watermark. */
function filledLog(e: ReturnType<typeof env>, fileDeleteDelayMs: number): Log {
  const log = e.open({ segmentBytes: 1024, retentionMs: -1, fileDeleteDelayMs });
  for (let i = 0; i < 40; i++) log.appendAsLeader(batch(2, { pad: 60 }), 0);
  log.updateHighWatermark(log.logEndOffset);
  assert.ok(log.segments.length > 5);
  return log;
}

/** Releases held thread-pool calls until `done()` holds. */
async function drain(disk: SimDisk, done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) {
    disk.releaseAsync();
    await tick();
  }
  assert.ok(done(), 'thread-pool calls drained');
}

describe('segment deletion off the event loop', () => {
  it('changes the log at once and leaves the files to thread-pool calls (file.delete.delay.ms=0)', async () => {
    const e = env();
    const log = filledLog(e, 0);
    await log.flush(); // the rolls' background flushes: only the deletions are in flight below
    const expected = readAll(log);
    const before = log.segments.length;
    const descriptors = e.disk.openDescriptors;
    e.disk.holdAsync = true;
    const newStart = log.segments[3]!.baseOffset;
    assert.ok(log.maybeIncrementLogStartOffset(newStart));
    // Segments, size and log start offset moved synchronously; the files are only renamed.
    assert.equal(log.segments.length, before - 3);
    assert.equal(log.logStartOffset, newStart);
    assert.deepEqual(readAll(log), expected.filter((r) => r.offset >= newStart));
    assert.equal(deletedFiles(e.disk).filter((f) => f.endsWith('.log.deleted')).length, 3);
    assert.equal(log.segmentDeletionsInFlight, 3);
    await tick();
    assert.deepEqual(heldDeletionCalls(e.disk), ['close'], 'one segment at a time, starting with its close');
    await drain(e.disk, () => log.segmentDeletionsInFlight === 0);
    assert.deepEqual(deletedFiles(e.disk), []);
    assert.equal(e.disk.openDescriptors, descriptors - 3, 'the deleted segments\' descriptors are closed');
  });

  it('keeps a slice readable until the delay, and never closes the descriptor under a read in flight', async () => {
    const e = env();
    const log = filledLog(e, 1000);
    const slice = log.read(0, 1 << 20).slice!;
    const bytes = Log.readSliceSync(slice);
    log.maybeIncrementLogStartOffset(log.segments[2]!.baseOffset);
    assert.ok(deletedFiles(e.disk).length > 0);
    // Renamed, not closed: the slice still reads, as Kafka's rename-then-delay intends.
    assert.deepEqual(Log.readSliceSync(slice), bytes);

    e.disk.holdAsync = true;
    const buf = Buffer.alloc(slice.size);
    const reading = slice.file.readAsync(buf, 0, slice.size, slice.position);
    e.clock.advance(1000);
    assert.equal(log.deletePendingSegments(), 2);
    await tick();
    await tick();
    assert.deepEqual(heldDeletionCalls(e.disk), ['read'], 'the close waits for the read in flight');
    assert.throws(() => Log.readSliceSync(slice), /closed/, 'no new use of a descriptor being deleted');
    e.disk.releaseAsync(1);
    assert.equal(await reading, slice.size);
    assert.deepEqual(buf, bytes);
    await tick();
    assert.equal(heldDeletionCalls(e.disk)[0], 'close');
    await drain(e.disk, () => log.segmentDeletionsInFlight === 0);
    assert.deepEqual(deletedFiles(e.disk), []);
  });

  it('renames truncated segments and deletes them after the delay, like retention', async () => {
    const e = env();
    const log = filledLog(e, 1000);
    const cut = log.segments[2]!.baseOffset;
    const slice = log.read(log.segments[4]!.baseOffset, 1 << 20).slice!;
    const bytes = Log.readSliceSync(slice);
    log.truncateTo(cut);
    assert.equal(log.logEndOffset, cut);
    assert.ok(deletedFiles(e.disk).some((f) => f.endsWith('.log.deleted')));
    assert.deepEqual(Log.readSliceSync(slice), bytes, 'a fetch that raced the truncation still reads');
    e.clock.advance(1000);
    assert.ok(log.deletePendingSegments() > 0);
    await log.deletionsDone();
    assert.deepEqual(deletedFiles(e.disk), []);
  });

  it('close() performs the pending deletions and waits for them', async () => {
    const e = env();
    const log = filledLog(e, 60_000);
    log.maybeIncrementLogStartOffset(log.segments[2]!.baseOffset);
    assert.ok(deletedFiles(e.disk).length > 0);
    e.disk.holdAsync = true;
    let closed = false;
    const closing = log.close().then(() => {
      closed = true;
    });
    await tick();
    assert.equal(closed, false, 'not before the files are gone');
    await drain(e.disk, () => closed);
    await closing;
    assert.deepEqual(deletedFiles(e.disk), []);
    assert.equal(e.disk.openDescriptors, 0);
  });

  for (const crash of ['process crash', 'power cut'] as const) {
    it(`a ${crash} between the rename and the unlink leaves .deleted files the next open removes`, async () => {
      const e = env();
      const log = filledLog(e, 0);
      const expected = readAll(log);
      e.disk.holdAsync = true;
      const newStart = log.segments[3]!.baseOffset;
      log.maybeIncrementLogStartOffset(newStart);
      await tick();
      assert.ok(e.disk.heldAsync.length > 0);
      if (crash === 'power cut') {
        log.closeSync();
        e.disk.powerCut(new Prng(7));
      } else {
        e.disk.processCrash();
      }
      e.disk.holdAsync = false;
      assert.ok(deletedFiles(e.disk).length > 0, 'the crash left .deleted files');
      const reopened = e.open({ segmentBytes: 1024, fileDeleteDelayMs: 0 }, { logStartOffset: newStart });
      assert.deepEqual(deletedFiles(e.disk), []);
      assert.equal(reopened.segments[0]!.baseOffset, newStart);
      assert.deepEqual(readAll(reopened), expected.filter((r) => r.offset >= newStart));
    });
  }
});

function manager(disk: SimDisk, clock: SimClock, errors: string[] = []): LogManager {
  const logger: StorageLogger = { info() {}, warn() {}, error: (m) => errors.push(m) };
  return new LogManager({
    fs: disk,
    clock,
    logDirs: ['/d1'],
    logger,
    defaultConfig: logConfig({ segmentBytes: 1024, retentionMs: 60_000, fileDeleteDelayMs: 0 }),
    meta: { clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', nodeId: 1 },
    managerConfig: { retentionCheckIntervalMs: 1000 },
  });
}

const TP = { topic: 'orders', partition: 0 };

/** A manager with one log whose old segments retention deletes at the next check. */
function withExpiredSegments(errors: string[] = []): { disk: SimDisk; clock: SimClock; m: LogManager; log: Log } {
  const disk = new SimDisk();
  const clock = new SimClock();
  const m = manager(disk, clock, errors);
  m.startup();
  const log = m.getOrCreateLog(TP);
  const old = clock.nowMs() - 120_000;
  for (let i = 0; i < 30; i++) log.appendAsLeader(batch(2, { ts: old, pad: 20 }), 0);
  log.appendAsLeader(batch(2, { ts: clock.nowMs() }), 0);
  log.updateHighWatermark(log.logEndOffset);
  return { disk, clock, m, log };
}

describe('LogManager: deletions off the event loop', () => {
  it('shutdown waits for segment deletions in flight and then writes the clean-shutdown marker', async () => {
    const { disk, m, log } = withExpiredSegments();
    disk.holdAsync = true;
    assert.ok(m.runRetention() > 0);
    assert.ok(log.segmentDeletionsInFlight > 0);
    let done = false;
    const shutdown = m.shutdown().then(() => {
      done = true;
    });
    await tick();
    assert.equal(done, false);
    assert.ok(!disk.readdir('/d1').includes('.kafka_cleanshutdown'));
    await drain(disk, () => done);
    await shutdown;
    assert.deepEqual(deletedFiles(disk, log.dir), []);
    assert.ok(disk.readdir('/d1').includes('.kafka_cleanshutdown'));
  });

  it('a failed unlink takes the log dir offline, as a synchronous one did', async () => {
    const errors: string[] = [];
    const { disk, m, log } = withExpiredSegments(errors);
    disk.holdAsync = true;
    assert.ok(m.runRetention() > 0, 'retention itself succeeds: the state change is synchronous');
    for (let i = 0; i < 100 && log.segmentDeletionsInFlight > 0; i++) {
      await tick();
      disk.failAsync('EIO');
    }
    await log.deletionsDone();
    assert.deepEqual(m.offlineLogDirs(), ['/d1']);
    assert.equal(m.partitionState(TP), 'offline');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /offline.*EIO/);
  });

  it('deleting a partition renames its dir at once (the partition can come back at once) and removes it off the event loop', async () => {
    const { disk, m } = withExpiredSegments();
    disk.holdAsync = true;
    m.deleteLog(TP);
    const doomed = disk.readdir('/d1').filter(isDeleteDirName);
    assert.equal(doomed.length, 1);
    assert.match(doomed[0]!, /^orders-0\.[0-9a-f]{32}-delete$/);
    assert.ok(!disk.exists('/d1/orders-0'));
    const again = m.getOrCreateLog(TP);
    again.appendAsLeader(batch(3), 0);
    await drain(disk, () => disk.readdir('/d1').filter(isDeleteDirName).length === 0);
    await m.logDeletionsDone();
    assert.equal(again.logEndOffset, 3);
    assert.equal(readAll(again).length, 3, 'the new log is untouched by the old one\'s removal');
    await m.shutdown();
  });

  it('shutdown waits for a partition dir removal; a crash before it ends leaves a dir the next startup removes', async () => {
    const first = withExpiredSegments();
    first.disk.holdAsync = true;
    first.m.deleteLog(TP);
    let done = false;
    const shutdown = first.m.shutdown().then(() => {
      done = true;
    });
    await tick();
    assert.equal(done, false);
    await drain(first.disk, () => done);
    await shutdown;
    assert.deepEqual(first.disk.readdir('/d1').filter(isDeleteDirName), []);

    const second = withExpiredSegments();
    second.disk.holdAsync = true;
    second.m.deleteLog(TP);
    await tick();
    second.disk.releaseAsync(2);
    second.disk.processCrash();
    second.disk.holdAsync = false;
    assert.equal(second.disk.readdir('/d1').filter(isDeleteDirName).length, 1);
    const restarted = manager(second.disk, second.clock);
    restarted.startup();
    assert.deepEqual(second.disk.readdir('/d1').filter(isDeleteDirName), []);
    assert.equal(restarted.getLog(TP), undefined);
  });
});
