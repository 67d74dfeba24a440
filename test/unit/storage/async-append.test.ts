import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Log, SILENT_LOGGER, isStorageError, logConfig } from '../../../src/storage/index.js';
import type { LogConfig } from '../../../src/storage/index.js';
import { AssertionError } from '../../../src/common/index.js';
import { Prng, SimClock, SimDisk } from '../../../src/testkit/index.js';
import { DIR, batch, batchesOf, readAll } from './helpers.js';

const LOG_FILE = `${DIR}/00000000000000000000.log`;
const ASYNC = { asyncWrite: true } as const;

function openOn(disk: SimDisk, config: Partial<LogConfig> = {}, errors: string[] = []): Log {
  return Log.open({
    fs: disk,
    clock: new SimClock(),
    dir: DIR,
    topicPartition: { topic: 'topic', partition: 0 },
    config: logConfig(config),
    logger: { ...SILENT_LOGGER, error: (m) => errors.push(m) },
    recoveryPoint: 0,
    logStartOffset: 0,
    cleanShutdown: false,
  });
}

/** A disk whose asynchronous writes wait for `releaseAsyncWrites()`. */
function heldDisk(): SimDisk {
  const disk = new SimDisk({ asyncWrites: true });
  disk.holdAsyncWrites = true;
  return disk;
}

/** Lets queued microtasks and promise continuations run, bounded. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await Promise.resolve();
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** Releases held writes (each completion may issue the next group) until `cond` holds. */
async function releaseUntil(disk: SimDisk, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) {
    disk.releaseAsyncWrites();
    await Promise.resolve();
  }
  assert.ok(cond(), `timed out waiting for ${what}`);
}

function settledState(p: Promise<void> | null): { state: 'pending' | 'done' | 'failed'; error?: unknown } {
  const s: { state: 'pending' | 'done' | 'failed'; error?: unknown } = { state: p === null ? 'done' : 'pending' };
  p?.then(
    () => (s.state = 'done'),
    (e: unknown) => {
      s.state = 'failed';
      s.error = e;
    },
  );
  return s;
}

describe('Log asynchronous appends (writes on the thread pool)', () => {
  it('assigns offsets at once but shows nothing past the written end until the write completes', async () => {
    const disk = heldDisk();
    const log = openOn(disk);
    const a = batch(3);
    const info = log.appendAsLeader(a, 0, ASYNC);
    assert.equal(info.firstOffset, 0);
    assert.equal(log.logEndOffset, 3);
    assert.equal(log.writtenEndOffset, 0);
    assert.ok(info.durable !== null);
    const s = settledState(info.durable);
    assert.equal(disk.heldAsyncWrites, 1);
    assert.equal(disk.readFile(LOG_FILE)!.length, 0, 'not in the file yet');
    // Readers and the high watermark stop at the written end.
    assert.equal(log.read(0, 1 << 20).slice, undefined);
    assert.equal(log.updateHighWatermark(3), 0);
    assert.deepEqual(readAll(log), []);
    disk.releaseAsyncWrites();
    await until(() => s.state !== 'pending', 'the write');
    assert.equal(s.state, 'done');
    assert.equal(log.writtenEndOffset, 3);
    assert.equal(log.updateHighWatermark(3), 3);
    assert.deepEqual(batchesOf(log.read(0, 1 << 20))[0]!.buf, a);
  });

  it('groups the appends made while a write is in flight into one write, in offset order', async () => {
    const disk = heldDisk();
    const log = openOn(disk);
    const appended: Buffer[] = [];
    const infos = [];
    for (let i = 0; i < 20; i++) {
      const b = batch(1 + (i % 4), { pad: i * 7 });
      appended.push(b);
      infos.push(log.appendAsLeader(b, 0, ASYNC));
    }
    for (let i = 1; i < infos.length; i++) assert.equal(infos[i]!.firstOffset, infos[i - 1]!.lastOffset + 1);
    assert.equal(disk.asyncWriteCount, 1, 'the first append went out alone; the rest wait for it');
    const states = infos.map((i) => settledState(i.durable));
    disk.releaseAsyncWrites();
    await until(() => disk.asyncWriteCount === 2, 'the grouped write');
    assert.equal(states[0]!.state, 'done');
    assert.ok(states.slice(1).every((s) => s.state === 'pending'));
    // Partly written: reads see exactly the first append.
    assert.equal(log.writtenEndOffset, infos[0]!.lastOffset + 1);
    assert.equal(batchesOf(log.read(0, 1 << 30)).length, 1);
    disk.releaseAsyncWrites();
    await until(() => states.every((s) => s.state === 'done'), 'every append');
    assert.equal(log.writtenEndOffset, log.logEndOffset);
    const got = batchesOf(log.read(0, 1 << 30));
    assert.equal(got.length, 20);
    got.forEach((b, i) => assert.deepEqual(b.buf, appended[i], `batch ${i} byte-identical`));
  });

  it('a failed write takes the log offline: no pending append is acknowledged, nothing after it is accepted', async () => {
    const disk = heldDisk();
    const errors: string[] = [];
    const log = openOn(disk, {}, errors);
    const first = settledState(log.appendAsLeader(batch(1), 0, ASYNC).durable);
    disk.releaseAsyncWrites();
    await until(() => first.state === 'done', 'the first write');
    const failing = settledState(log.appendAsLeader(batch(2), 0, ASYNC).durable);
    const queued = settledState(log.appendAsLeader(batch(2), 0, ASYNC).durable);
    disk.failAsyncWrites('EIO');
    await until(() => failing.state !== 'pending' && queued.state !== 'pending', 'the failure');
    assert.equal(failing.state, 'failed');
    assert.equal(queued.state, 'failed', 'the appends grouped behind it fail too');
    assert.ok(log.isOffline);
    assert.equal(errors.length, 1, 'logged once');
    assert.throws(() => log.appendAsLeader(batch(1), 0, ASYNC), (e: unknown) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    assert.equal(log.writtenEndOffset, 1, 'the written end never passed the failed write');
    // After a restart the log holds what was written (and acknowledged), nothing else.
    log.closeHandles();
    disk.processCrash();
    const again = openOn(disk);
    assert.deepEqual(readAll(again).map((r) => r.offset), [0]);
  });

  it('an ENOSPC write failure is a storage error like any other', async () => {
    const disk = new SimDisk({ asyncWrites: true });
    const log = openOn(disk);
    disk.capacityBytes = disk.usedBytes() + 100;
    const s = settledState(log.appendAsLeader(batch(1, { pad: 500 }), 0, ASYNC).durable);
    await until(() => s.state !== 'pending', 'the write');
    assert.equal(s.state, 'failed');
    assert.ok(log.isOffline);
  });

  it('refuses truncation while a write is in flight; whenWritten() makes it possible', async () => {
    const disk = heldDisk();
    const log = openOn(disk);
    log.appendAsLeader(batch(2), 0, ASYNC);
    disk.releaseAsyncWrites();
    await until(() => log.writtenEndOffset === 2, 'the first write');
    log.appendAsLeader(batch(2), 0, ASYNC);
    assert.throws(() => log.truncateTo(1), AssertionError);
    assert.throws(() => log.truncateFullyAndStartAt(10), AssertionError);
    assert.equal(log.logEndOffset, 4, 'nothing changed');
    const idle = settledState(log.whenWritten());
    await Promise.resolve();
    assert.equal(idle.state, 'pending');
    disk.releaseAsyncWrites();
    await until(() => idle.state === 'done', 'whenWritten');
    log.truncateTo(2);
    assert.equal(log.logEndOffset, 2);
    assert.deepEqual(readAll(log).map((r) => r.offset), [0, 1]);
  });

  it('a roll writes the old segment out synchronously; the late completion of its write changes nothing', async () => {
    const disk = heldDisk();
    const log = openOn(disk, { segmentBytes: 2000 });
    const appended: Buffer[] = [];
    const states: Array<ReturnType<typeof settledState>> = [];
    for (let i = 0; i < 12; i++) {
      const b = batch(1, { pad: 300 });
      appended.push(b);
      states.push(settledState(log.appendAsLeader(b, 0, ASYNC).durable));
    }
    assert.ok(log.segments.length > 1, 'rolled');
    // Every segment but the active one is whole on disk, and readable, before any write completed.
    const firstActive = log.activeSegment.baseOffset;
    assert.equal(log.writtenEndOffset >= firstActive, true);
    await until(() => states.slice(0, firstActive).every((s) => s.state === 'done'), 'the rolled appends');
    await releaseUntil(disk, () => states.every((s) => s.state === 'done'), 'every append');
    assert.equal(disk.heldAsyncWrites, 0);
    const got = readAll(log);
    assert.equal(got.length, 12);
    const batches = [];
    let offset = 0;
    while (offset < log.logEndOffset) {
      const b = batchesOf(log.read(offset, 1 << 20));
      batches.push(...b);
      offset = b.at(-1)!.lastOffset + 1;
    }
    batches.forEach((b, i) => assert.deepEqual(b.buf, appended[i], `batch ${i}`));
  });

  it('closes a descriptor only after its write completes; a clean close writes everything', async () => {
    const disk = heldDisk();
    const log = openOn(disk);
    const s = settledState(log.appendAsLeader(batch(3), 0, ASYNC).durable);
    log.closeSync();
    assert.equal(s.state === 'failed', false);
    await until(() => s.state === 'done', 'the rewritten append');
    assert.ok(disk.openDescriptors > 0, 'the log file stays open for the write in flight');
    disk.releaseAsyncWrites();
    await until(() => disk.openDescriptors === 0, 'the deferred close');
    const again = openOn(disk);
    assert.deepEqual(readAll(again).map((r) => r.offset), [0, 1, 2]);
  });

  it('closing without a flush (failed log dir) drops unwritten appends: they are never acknowledged', async () => {
    const disk = heldDisk();
    const log = openOn(disk);
    const s = settledState(log.appendAsLeader(batch(3), 0, ASYNC).durable);
    const q = settledState(log.appendAsLeader(batch(3), 0, ASYNC).durable);
    log.closeHandles();
    await until(() => s.state !== 'pending' && q.state !== 'pending', 'rejections');
    assert.equal(s.state, 'failed');
    assert.equal(q.state, 'failed');
    disk.releaseAsyncWrites();
    await until(() => disk.openDescriptors === 0, 'the deferred close');
  });

  it('with flush.messages=1 an append resolves only after the write and the fdatasync covering it (group commit)', async () => {
    const disk = heldDisk();
    const log = openOn(disk, { flushMessages: 1 });
    const states: Array<ReturnType<typeof settledState>> = [];
    for (let i = 0; i < 10; i++) states.push(settledState(log.appendAsLeader(batch(1), 0, ASYNC).durable));
    // (The first append wrote the leader-epoch checkpoint, with its own fdatasync.)
    const syncsBefore = disk.fdatasyncCount;
    for (let i = 0; i < 10; i++) await Promise.resolve();
    assert.equal(disk.fdatasyncCount, syncsBefore, 'no fdatasync before the bytes are written');
    await releaseUntil(disk, () => states.every((s) => s.state === 'done'), 'every append');
    assert.equal(log.recoveryPoint, 10);
    assert.ok(disk.fdatasyncCount - syncsBefore <= 3, `group commit: ${disk.fdatasyncCount - syncsBefore} fdatasyncs for 10 appends`);
  });

  it('a synchronous append made while asynchronous ones are unwritten queues behind them', async () => {
    const disk = heldDisk();
    const log = openOn(disk);
    const a = batch(2);
    const b = batch(1);
    log.appendAsLeader(a, 0, ASYNC);
    const info = log.appendAsLeader(b, 0);
    assert.ok(info.durable !== null, 'not complete on return');
    const s = settledState(info.durable);
    await releaseUntil(disk, () => s.state === 'done', 'the queued append');
    const got = batchesOf(log.read(0, 1 << 20));
    assert.deepEqual(got.map((x) => x.buf), [a, b]);
  });

  it('timestamp lookups see unwritten appends (written out synchronously first)', () => {
    const disk = heldDisk();
    const log = openOn(disk);
    log.appendAsLeader(batch(2, { ts: 1000 }), 0, ASYNC);
    log.appendAsLeader(batch(2, { ts: 5000 }), 0, ASYNC);
    assert.equal(log.fetchOffsetByTimestamp(5000)?.offset, 2);
    assert.equal(log.writtenEndOffset, 4);
  });

  it('a process crash loses only unacknowledged appends; a power cut keeps a valid prefix', async () => {
    for (const cut of ['process', 'power'] as const) {
      const disk = heldDisk();
      const log = openOn(disk);
      const acked: number[] = [];
      for (let i = 0; i < 6; i++) {
        const info = log.appendAsLeader(batch(1, { pad: 50 * i }), 0, ASYNC);
        void info.durable!.then(() => acked.push(info.firstOffset));
        if (i % 2 === 1) {
          disk.releaseAsyncWrites(1);
          await until(() => acked.length > 0 && acked.at(-1)! >= 0, 'a completion');
        }
      }
      const ackedNow = [...acked];
      if (cut === 'process') disk.processCrash();
      else disk.powerCut(new Prng(7));
      const again = openOn(disk);
      const offsets = readAll(again).map((r) => r.offset);
      offsets.forEach((o, i) => assert.equal(o, i, 'contiguous from 0'));
      if (cut === 'process') for (const o of ackedNow) assert.ok(offsets.includes(o), `acknowledged ${o} survives a process crash`);
    }
  });
});
