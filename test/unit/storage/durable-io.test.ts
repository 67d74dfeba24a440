/**
 * The fdatasyncs that left the event loop (issue 8): checkpoint files, leader-epoch truncations, the
 * producer snapshot of a roll and the rolled segment's indexes. SimDisk holds the thread-pool calls
 * so a test can crash at every point of each write: after a call completed but before the code
 * waiting for it ran (odd points), and after that code ran (even points).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch } from '../../../src/protocol/index.js';
import {
  CheckpointFile,
  LogManager,
  ProducerStates,
  isStorageError,
  logConfig,
  readLeaderEpochCheckpoint,
  readOffsetCheckpoint,
  readProducerSnapshot,
} from '../../../src/storage/index.js';
import type { EpochEntry, Log, LogAppendInfo, LogConfig, LogParams, ProducerStateManager, StorageLogger } from '../../../src/storage/index.js';
import { Prng, SimClock, SimDisk } from '../../../src/testkit/index.js';
import { DIR, batch, env, readAll } from './helpers.js';

const EPOCH_FILE = `${DIR}/leader-epoch-checkpoint`;
const SEEDS = [1, 2, 3];

/** Lets chained thread-pool continuations run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Completes held thread-pool calls one at a time up to `point`: 2k is "k calls done and the code
 * after them ran", 2k+1 is "call k+1 done, the code after it not run yet". Returns false when
 * nothing was left to release before reaching the point (the operation was over earlier).
 */
async function driveTo(disk: SimDisk, point: number): Promise<boolean> {
  await settle();
  for (let k = 0; k < Math.floor(point / 2); k++) {
    if (disk.heldAsync.length === 0) return false;
    disk.releaseAsync(1);
    await settle();
  }
  if (point % 2 === 1) {
    if (disk.heldAsync.length === 0) return false;
    disk.releaseAsync(1);
  }
  return true;
}

/** Releases every held call until none is left. */
async function drain(disk: SimDisk): Promise<void> {
  await settle();
  for (let i = 0; i < 1000 && disk.heldAsync.length > 0; i++) {
    disk.releaseAsync();
    await settle();
  }
  assert.deepEqual(disk.heldAsync, []);
}

function tracked<T>(p: Promise<T>): { readonly settled: boolean; readonly failed: unknown } {
  const state = { settled: false, failed: undefined as unknown };
  p.then(
    () => (state.settled = true),
    (err: unknown) => {
      state.settled = true;
      state.failed = err;
    },
  );
  return state;
}

describe('CheckpointFile: atomic replace off the event loop', () => {
  const setup = (): { disk: SimDisk; file: CheckpointFile } => {
    const disk = new SimDisk();
    disk.mkdir('/d');
    const file = new CheckpointFile(disk, '/d/cp');
    file.writeSync(Buffer.from('old'));
    disk.holdAsync = true;
    return { disk, file };
  };

  it('runs the write + fdatasync and the dir fsync on the thread pool, the rename in between', async () => {
    const { disk, file } = setup();
    const syncs = disk.fdatasyncCount;
    const done = tracked(file.writeAsync(Buffer.from('new')));
    assert.equal(disk.fdatasyncCount, syncs, 'nothing synced on the caller');
    assert.deepEqual(disk.heldAsync, ['writeFile']);
    assert.equal(disk.readFile('/d/cp')!.toString(), 'old');
    disk.releaseAsync(1);
    await settle();
    assert.equal(disk.readFile('/d/cp')!.toString(), 'new', 'renamed once the temp file is durable');
    assert.deepEqual(disk.heldAsync, ['syncDir']);
    assert.equal(done.settled, false, 'done only after the directory fsync');
    disk.releaseAsync(1);
    await settle();
    assert.equal(done.settled, true);
  });

  it('a crash at any point leaves the old or the new content', async () => {
    for (const seed of SEEDS) {
      for (let point = 0; ; point++) {
        const { disk, file } = setup();
        void file.writeAsync(Buffer.from('new')).catch(() => {});
        if (!(await driveTo(disk, point))) break;
        disk.powerCut(new Prng(seed));
        assert.ok(['old', 'new'].includes(disk.readFile('/d/cp')!.toString()), `seed ${seed} point ${point}`);
      }
    }
  });

  it('a synchronous write supersedes one in flight: the file never goes back to the older content', async () => {
    for (let point = 0; ; point++) {
      const { disk, file } = setup();
      void file.writeAsync(Buffer.from('async')).catch(() => {});
      if (!(await driveTo(disk, point))) break;
      file.writeSync(Buffer.from('sync'));
      assert.equal(disk.readFile('/d/cp')!.toString(), 'sync');
      for (let rest = 0; ; rest++) {
        const more = await driveTo(disk, 1);
        assert.equal(disk.readFile('/d/cp')!.toString(), 'sync', `point ${point}, ${rest} calls later`);
        if (!more) break;
      }
      await drain(disk);
      disk.powerCut(new Prng(point));
      assert.equal(disk.readFile('/d/cp')!.toString(), 'sync');
    }
  });

  it('writes one at a time; a newer request replaces a waiting one', async () => {
    const { disk, file } = setup();
    const first = tracked(file.writeAsync(Buffer.from('1')));
    const second = tracked(file.writeAsync(Buffer.from('2')));
    const third = tracked(file.writeAsync(Buffer.from('3')));
    assert.deepEqual(disk.heldAsync, ['writeFile'], 'the second waits for the first');
    let writes = 0;
    while (disk.heldAsync.length > 0) {
      if (disk.heldAsync[0] === 'writeFile') writes++;
      disk.releaseAsync(1);
      await settle();
    }
    assert.equal(writes, 2, 'the waiting request took the newest content');
    assert.equal(disk.readFile('/d/cp')!.toString(), '3');
    assert.ok(first.settled && second.settled && third.settled);
    assert.equal(file.busy, false);
  });

  it('a failed write rejects and leaves the file alone', async () => {
    const { disk, file } = setup();
    const done = tracked(file.writeAsync(Buffer.from('new')));
    disk.failAsync('EIO');
    await settle();
    assert.equal((done.failed as { code?: string }).code, 'EIO');
    assert.equal(disk.readFile('/d/cp')!.toString(), 'old');
  });
});

describe('LogManager checkpoints off the event loop', () => {
  const CONFIG = { segmentBytes: 2048, flushMessages: 1, retentionMs: -1 };
  const NEVER_MS = 1e12;
  const manager = (disk: SimDisk, clock: SimClock, errors: string[] = []): LogManager =>
    new LogManager({
      fs: disk,
      clock,
      logDirs: ['/d'],
      logger: { info() {}, warn() {}, error: (m) => errors.push(m) } satisfies StorageLogger,
      defaultConfig: logConfig(CONFIG),
      managerConfig: {
        retentionCheckIntervalMs: NEVER_MS,
        cleanerEnable: false,
        flushOffsetCheckpointIntervalMs: 1000,
        flushStartOffsetCheckpointIntervalMs: 1000,
      },
    });
  const TPS = [0, 1, 2].map((partition) => ({ topic: 't', partition }));

  /** Three partitions with acknowledged appends (flush.messages=1), a checkpoint pass due and its writes held. */
  async function scenario(): Promise<{ disk: SimDisk; clock: SimClock; m: LogManager; acked: Map<number, Buffer[]>; errors: string[] }> {
    const disk = new SimDisk();
    const clock = new SimClock();
    const errors: string[] = [];
    const m = manager(disk, clock, errors);
    m.startup();
    const acked = new Map<number, Buffer[]>();
    for (const tp of TPS) {
      const log = m.getOrCreateLog(tp);
      const bufs: Buffer[] = [];
      for (let i = 0; i < 12; i++) {
        const b = batch(2, { pad: 100 + tp.partition });
        await log.appendAsLeader(b, 1).durable;
        bufs.push(Buffer.from(b));
      }
      log.updateHighWatermark(log.logEndOffset);
      acked.set(tp.partition, bufs);
    }
    clock.advance(1000);
    disk.holdAsync = true;
    return { disk, clock, m, acked, errors };
  }

  it('computes the checkpoints on the loop and writes them on the thread pool; a crash at any point loses nothing acknowledged', async () => {
    for (const seed of SEEDS) {
      for (let point = 0; ; point++) {
        const { disk, clock, m, acked } = await scenario();
        const syncs = disk.fdatasyncCount;
        const polled = tracked(m.poll());
        assert.equal(disk.fdatasyncCount, syncs, 'no fdatasync on the event loop');
        if (!(await driveTo(disk, point))) {
          assert.ok(polled.settled, 'poll resolves once its checkpoint writes are done');
          assert.equal(readOffsetCheckpoint(disk, '/d/recovery-point-offset-checkpoint').get('t-0'), m.getLog(TPS[0]!)!.logEndOffset);
          break;
        }
        disk.powerCut(new Prng(seed));
        const again = manager(disk, clock);
        again.startup();
        for (const tp of TPS) {
          const log = again.getLog(tp)!;
          const got = readAll(log);
          const want = acked.get(tp.partition)!;
          assert.equal(got.length, want.length * 2, `seed ${seed} point ${point}: every acknowledged record of ${tp.partition} is back`);
        }
        for (const name of ['recovery-point-offset-checkpoint', 'replication-offset-checkpoint', 'log-start-offset-checkpoint']) {
          readOffsetCheckpoint(disk, `/d/${name}`); // parses (old or new)
        }
      }
    }
  });

  it('a failed checkpoint write takes the dir offline, as a synchronous one did', async () => {
    const { disk, m, errors } = await scenario();
    const polled = m.poll();
    await settle();
    disk.failAsync('EIO');
    await polled;
    assert.deepEqual(m.offlineLogDirs(), ['/d']);
    assert.equal(m.partitionState(TPS[0]!), 'offline');
    assert.match(errors.join('\n'), /writing .*checkpoint failed \(EIO\)/);
    assert.throws(() => m.getLog(TPS[0]!)!.appendAsLeader(batch(1), 1), (err: unknown) => isStorageError(err, 'KAFKA_STORAGE_ERROR'));
  });

  it('shutdown waits for the writes in flight, then writes the final state', async () => {
    const { disk, clock, m } = await scenario();
    void m.poll();
    await settle();
    assert.ok(disk.heldAsync.length > 0);
    const log = m.getLog(TPS[0]!)!;
    log.appendAsLeader(batch(3), 1); // not flushed yet: shutdown flushes it
    const shut = tracked(m.shutdown());
    await settle();
    assert.equal(shut.settled, false);
    await drain(disk);
    await settle();
    assert.ok(shut.settled && shut.failed === undefined);
    assert.equal(readOffsetCheckpoint(disk, '/d/recovery-point-offset-checkpoint').get('t-0'), log.logEndOffset);
    assert.ok(disk.exists('/d/.kafka_cleanshutdown'));
    const again = manager(disk, clock);
    again.startup();
    assert.equal(again.getLog(TPS[0]!)!.logEndOffset, log.logEndOffset);
  });
});

describe('leader-epoch checkpoint: truncations written off the event loop (KAFKA-15046)', () => {
  /** Epochs 1 @0, 3 @10, 5 @20 over 30 flushed offsets, high watermark at the end. */
  async function epochLog(e: ReturnType<typeof env>, config: Partial<LogConfig> = {}): Promise<Log> {
    const log = e.open({ segmentBytes: 400, retentionMs: -1, ...config });
    for (const [epoch, n] of [
      [1, 10],
      [3, 10],
      [5, 10],
    ] as const) {
      for (let i = 0; i < n; i++) log.appendAsLeader(batch(1, { pad: 30 }), epoch);
    }
    await log.flush();
    log.updateHighWatermark(log.logEndOffset);
    await settle();
    return log;
  }
  const fileEntries = (disk: SimDisk): EpochEntry[] => readLeaderEpochCheckpoint(disk, EPOCH_FILE);

  it('DeleteRecords changes the cache at once; a crash before the write leaves a stale file the next open truncates', async () => {
    for (let point = 0; ; point++) {
      const e = env();
      const log = await epochLog(e);
      e.disk.holdAsync = true;
      const start = log.segments[2]!.baseOffset;
      log.maybeIncrementLogStartOffset(start);
      const cache = [...log.leaderEpochCache.all()];
      assert.equal(cache[0]!.startOffset, start, 'the cache moved with the log start offset');
      if (point === 0) assert.notDeepEqual(fileEntries(e.disk), cache, 'the file is written later');
      if (!(await driveTo(e.disk, point))) {
        assert.deepEqual(fileEntries(e.disk), cache);
        break;
      }
      e.disk.powerCut(new Prng(point));
      const reopened = e.open({ segmentBytes: 400, retentionMs: -1 }, { logStartOffset: start, recoveryPoint: log.logEndOffset });
      assert.deepEqual(reopened.leaderEpochCache.all(), cache, `point ${point}`);
    }
  });

  it('follower truncation: a crash before the write leaves entries past the log end, which the next open drops', async () => {
    for (let point = 0; ; point++) {
      const e = env();
      const log = await epochLog(e);
      e.disk.holdAsync = true;
      log.truncateTo(15);
      const cache = [...log.leaderEpochCache.all()];
      assert.deepEqual(cache, [
        { epoch: 1, startOffset: 0 },
        { epoch: 3, startOffset: 10 },
      ]);
      if (!(await driveTo(e.disk, point))) {
        assert.deepEqual(fileEntries(e.disk), cache);
        break;
      }
      e.disk.processCrash();
      const reopened = e.open({ segmentBytes: 400, retentionMs: -1 });
      assert.equal(reopened.logEndOffset, 15);
      assert.deepEqual(reopened.leaderEpochCache.all(), cache, `point ${point}`);
    }
  });

  it('a new epoch is written before the append returns, superseding a truncation write in flight', async () => {
    for (let point = 0; ; point++) {
      const e = env();
      const log = await epochLog(e);
      e.disk.holdAsync = true;
      log.truncateTo(15);
      if (!(await driveTo(e.disk, point))) break;
      log.appendAsLeader(batch(1), 7);
      const expected = [
        { epoch: 1, startOffset: 0 },
        { epoch: 3, startOffset: 10 },
        { epoch: 7, startOffset: 15 },
      ];
      assert.deepEqual(fileEntries(e.disk), expected, `point ${point}: durable at once`);
      await drain(e.disk);
      assert.deepEqual(fileEntries(e.disk), expected, `point ${point}: the older write did not land over it`);
    }
  });

  it('a failed truncation write takes the log offline', async () => {
    const e = env();
    const log = await epochLog(e);
    e.disk.holdAsync = true;
    log.maybeIncrementLogStartOffset(log.segments[1]!.baseOffset);
    await settle();
    e.disk.failAsync('EIO');
    await settle();
    assert.equal(log.isOffline, true);
    assert.match(e.errors.join('\n'), /leader epoch checkpoint failed/);
  });

  it('deleting the log waits for a write in flight before removing the directory', async () => {
    const e = env();
    const log = await epochLog(e);
    e.disk.holdAsync = true;
    log.maybeIncrementLogStartOffset(log.segments[1]!.baseOffset);
    const removed = tracked(log.delete());
    await drain(e.disk);
    await settle();
    assert.ok(removed.settled && removed.failed === undefined, String(removed.failed));
    assert.deepEqual(e.disk.readdir('/data'), []);
  });
});

describe('producer snapshot of a roll: written unsynced, synced by the flush (Kafka 3.9)', () => {
  const A = 1000;
  const B = 2000;
  const CONFIG: Partial<LogConfig> = { segmentBytes: 900, flushMessages: 1, retentionMs: -1 };

  function idem(pid: number, seq: number): Buffer {
    return buildRecordBatch({
      producerId: pid,
      producerEpoch: 0,
      baseSequence: seq,
      records: [{ key: `k${pid}-${seq}`, value: 'v'.repeat(60), timestamp: 1_700_000_000_000 + seq }],
    });
  }

  function harness() {
    const e = env();
    const states = new ProducerStates({ clock: e.clock, producerIdExpirationMs: () => 86_400_000 });
    const tp = { topic: 'topic', partition: 0 };
    const open = (extra: Partial<LogParams> = {}): { log: Log; psm: ProducerStateManager } => {
      const log = e.open(CONFIG, { producerStateHooks: states.hooksFor(tp), ...extra });
      const psm = states.get(tp)!;
      psm.load(log);
      return { log, psm };
    };
    const produce = (log: Log, psm: ProducerStateManager, buf: Buffer): LogAppendInfo => {
      assert.equal(psm.checkClientAppend(buf, log.logEndOffset).kind, 'append');
      return log.appendAsLeader(buf, 0);
    };
    return { ...e, open, produce };
  }

  /**
   * Producer A writes only in early segments, which DeleteRecords then removes: after that only the
   * snapshots remember it. Producer B keeps writing; with thread-pool calls held, B's next append
   * rolls the segment.
   */
  async function scenario() {
    const h = harness();
    const { log, psm } = h.open();
    for (let seq = 0; seq < 3; seq++) await h.produce(log, psm, idem(A, seq)).durable;
    let seqB = 0;
    while (log.segments.length < 4) await h.produce(log, psm, idem(B, seqB++)).durable;
    log.updateHighWatermark(log.logEndOffset);
    const logStart = log.activeSegment.baseOffset;
    log.maybeIncrementLogStartOffset(logStart);
    assert.equal(log.segments.length, 1);
    await settle();
    h.disk.holdAsync = true;
    const before = log.segments.length;
    const syncs = h.disk.fdatasyncCount;
    const lastAckedSeqB = seqB - 1;
    // Appends until one rolls; each waits for its fdatasync (flush.messages=1), held for now.
    const held: Array<{ seq: number; acked: ReturnType<typeof tracked> }> = [];
    while (log.segments.length === before) {
      const seq = seqB++;
      held.push({ seq, acked: tracked(h.produce(log, psm, idem(B, seq)).durable!) });
    }
    assert.equal(h.disk.fdatasyncCount, syncs, 'the roll did no fdatasync on the event loop');
    const snapshot = log.activeSegment.baseOffset;
    assert.ok(log.producerSnapshotOffsets().includes(snapshot), 'the roll wrote its snapshot');
    return { h, log, logStart, snapshot, held, lastAckedSeqB };
  }

  it('the flush syncs the snapshot before the recovery point passes it; a crash at any point keeps every acknowledged append and the producers', async () => {
    for (const seed of SEEDS) {
      for (let point = 0; ; point++) {
        const { h, log, logStart, snapshot, held, lastAckedSeqB } = await scenario();
        const more = await driveTo(h.disk, point);
        const recoveryPoint = log.recoveryPoint;
        const passed = recoveryPoint > snapshot;
        const acked = held.filter((a) => a.acked.settled && a.acked.failed === undefined).map((a) => a.seq);
        if (!more) {
          assert.ok(acked.length === held.length && passed, 'the flush round finished');
          break;
        }
        h.disk.powerCut(new Prng(seed));
        const snapBytes = h.disk.readFile(`${DIR}/${String(snapshot).padStart(20, '0')}.snapshot`);
        if (passed) {
          assert.ok(snapBytes !== undefined, `seed ${seed} point ${point}`);
          assert.doesNotThrow(() => readProducerSnapshot(snapBytes), `seed ${seed} point ${point}: durable once the recovery point passed it`);
        }
        // The newest recovery point a checkpoint could hold.
        const { log: reopened, psm } = h.open({ logStartOffset: logStart, recoveryPoint });
        const keys = new Set(readAll(reopened).map((r) => r.key));
        for (const seq of acked) assert.ok(keys.has(`k${B}-${seq}`), `seed ${seed} point ${point}: acknowledged append ${seq} lost`);
        // A is known only from a snapshot (its segments are gone): its retry is still a duplicate.
        assert.equal(psm.checkClientAppend(idem(A, 2), reopened.logEndOffset).kind, 'duplicate', `seed ${seed} point ${point}: producer A forgotten`);
        const lastKept = Math.max(lastAckedSeqB, ...held.filter((a) => keys.has(`k${B}-${a.seq}`)).map((a) => a.seq));
        assert.equal(psm.checkClientAppend(idem(B, lastKept), reopened.logEndOffset).kind, 'duplicate', `seed ${seed} point ${point}`);
        assert.equal(psm.checkClientAppend(idem(B, lastKept + 1), reopened.logEndOffset).kind, 'append', `seed ${seed} point ${point}`);
      }
    }
  });

  it('loading skips a corrupt newest snapshot for the next older one and removes it, as Kafka does', async () => {
    const { h, log } = await scenario();
    await drain(h.disk);
    h.disk.holdAsync = false;
    await log.close(); // snapshots the state at the log end
    const newest = log.producerSnapshotOffsets().at(-1)!;
    assert.equal(newest, log.logEndOffset);
    const path = `${DIR}/${String(newest).padStart(20, '0')}.snapshot`;
    h.disk.corrupt(path, 0, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const { log: reopened, psm } = h.open({ logStartOffset: log.logStartOffset, recoveryPoint: log.logEndOffset, cleanShutdown: true });
    assert.equal(psm.checkClientAppend(idem(A, 2), reopened.logEndOffset).kind, 'duplicate', 'producer A, known only from snapshots, is remembered');
    assert.equal(h.disk.exists(path), false);
  });
});
