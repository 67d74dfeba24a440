import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogManager, logConfig, isStorageError, Log } from '../../../src/storage/index.js';
import type { StorageLogger } from '../../../src/storage/index.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';
import { batch, batchesOf, readAll } from './helpers.js';

function manager(disk: SimDisk, clock: SimClock, errors: string[] = [], dirs = ['/d1', '/d2']): LogManager {
  const logger: StorageLogger = { info() {}, warn() {}, error: (m) => errors.push(m) };
  return new LogManager({
    fs: disk,
    clock,
    logDirs: dirs,
    logger,
    defaultConfig: logConfig({ segmentBytes: 2048, retentionMs: 60_000, fileDeleteDelayMs: 0 }),
    meta: { clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', nodeId: 1 },
    managerConfig: { retentionCheckIntervalMs: 1000, cleanerBackoffMs: 1000 },
  });
}

describe('LogManager', () => {
  it('lays out log dirs like Kafka and restarts cleanly without recovery', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    let m = manager(disk, clock);
    m.startup();
    const a = m.getOrCreateLog({ topic: 'orders', partition: 0 }, 'AAAAAAAAAAAAAAAAAAAAAQ');
    const b = m.getOrCreateLog({ topic: 'my-topic', partition: 3 });
    for (let i = 0; i < 20; i++) a.appendAsLeader(batch(3, { pad: 40 }), 1);
    b.appendAsLeader(batch(2), 1);
    a.updateHighWatermark(30);
    const expected = readAll(a);
    await m.shutdown();
    for (const d of ['/d1', '/d2']) {
      const names = disk.readdir(d);
      for (const f of ['meta.properties', 'recovery-point-offset-checkpoint', 'log-start-offset-checkpoint', '.kafka_cleanshutdown']) {
        assert.ok(names.includes(f), `${d} has ${f}`);
      }
    }
    const rp = disk.readFile(`${a.dir.startsWith('/d1') ? '/d1' : '/d2'}/recovery-point-offset-checkpoint`)!.toString();
    assert.match(rp, /^0\n1\norders 0 60\n$/);
    assert.match(disk.readFile('/d1/meta.properties')!.toString(), /cluster\.id=MkU3OEVBNTcwNTJENDM2Qk\nnode\.id=1/);
    disk.processCrash();
    m = manager(disk, clock);
    m.startup();
    const a2 = m.getLog({ topic: 'orders', partition: 0 })!;
    assert.equal(a2.logEndOffset, 60);
    assert.equal(a2.highWatermark, 30);
    assert.equal(a2.recoveryPoint, 60);
    assert.equal(a2.topicId, 'AAAAAAAAAAAAAAAAAAAAAQ');
    assert.deepEqual(readAll(a2), expected);
    assert.equal(m.getLog({ topic: 'my-topic', partition: 3 })!.logEndOffset, 2);
    assert.ok(!disk.readdir('/d1').includes('.kafka_cleanshutdown'));
  });

  it('runs retention on its schedule through poll()', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const m = manager(disk, clock, [], ['/d1']);
    m.startup();
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    for (let i = 0; i < 30; i++) log.appendAsLeader(batch(2, { ts: clock.nowMs(), pad: 40 }), 0);
    log.updateHighWatermark(log.logEndOffset);
    const segs = log.segments.length;
    clock.advance(120_000);
    const next = await m.poll();
    assert.ok(next > clock.monotonicMs());
    assert.ok(log.segments.length < segs || log.segments[0]!.size === 0);
    assert.equal(log.logStartOffset, log.logEndOffset);
  });

  it('takes a log dir offline on ENOSPC and answers KAFKA_STORAGE_ERROR, keeping written data intact', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const errors: string[] = [];
    let m = manager(disk, clock, errors, ['/d1']);
    m.startup();
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    const kept: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      const b = batch(2, { pad: 100 });
      log.appendAsLeader(b, 0);
      kept.push(Buffer.from(b));
    }
    disk.capacityBytes = disk.usedBytes() + 500;
    assert.throws(() => log.appendAsLeader(batch(8, { pad: 100 }), 0), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /offline.*ENOSPC/);
    assert.deepEqual(m.offlineLogDirs(), ['/d1']);
    assert.throws(() => log.read(0, 100), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    assert.throws(() => m.getOrCreateLog({ topic: 't', partition: 1 }), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    await m.shutdown();
    // After the operator frees space, a restart recovers exactly what was written before.
    disk.capacityBytes = undefined;
    disk.processCrash();
    m = manager(disk, clock, errors, ['/d1']);
    m.startup();
    const again = m.getLog({ topic: 't', partition: 0 })!;
    assert.equal(again.logEndOffset, 10);
    const got = batchesOf(again.read(0, 1 << 20));
    assert.deepEqual(got.map((b) => b.buf), kept.map((b, i) => { const c = Buffer.from(b); c.writeBigInt64BE(BigInt(i * 2), 0); c.writeInt32BE(0, 12); return c; }));
  });

  it('takes a log dir offline when it turns read-only', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const errors: string[] = [];
    const m = manager(disk, clock, errors, ['/d1', '/d2']);
    m.startup();
    const a = m.getOrCreateLog({ topic: 't', partition: 0 });
    const b = m.getOrCreateLog({ topic: 't', partition: 1 });
    a.appendAsLeader(batch(1), 0);
    b.appendAsLeader(batch(1), 0);
    disk.readOnly = true;
    assert.throws(() => a.roll(), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    assert.match(errors[0]!, /EROFS/);
    disk.readOnly = false;
    assert.equal(m.offlineLogDirs().length, 1);
    // the other dir keeps working
    const other = a.dir.startsWith('/d1') ? b : a === b ? a : b;
    assert.equal(other.isOffline, false);
    other.appendAsLeader(batch(1), 0);
    assert.equal(Log.readSliceSync(other.read(0, 1 << 20).slice!).length > 0, true);
  });
});

describe('LogManager periodic work', () => {
  it('flushes by flush.ms on the flush scheduler and checkpoints the recovery point', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const m = new LogManager({
      fs: disk,
      clock,
      logDirs: ['/d'],
      logger: { info() {}, warn() {}, error() {} },
      defaultConfig: logConfig({ flushMs: 5000 }),
      managerConfig: { flushSchedulerIntervalMs: 1000, flushOffsetCheckpointIntervalMs: 2000 },
    });
    m.startup();
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    log.appendAsLeader(batch(3), 0);
    clock.advance(1000);
    await m.poll();
    assert.equal(log.recoveryPoint, 0, 'not yet flush.ms old');
    const syncs = disk.fdatasyncCount;
    clock.advance(5000);
    await m.poll();
    assert.equal(log.recoveryPoint, 3);
    assert.ok(disk.fdatasyncCount > syncs);
    assert.equal(disk.readFile('/d/recovery-point-offset-checkpoint')!.toString(), '0\n1\nt 0 3\n');
  });

  it('compacts logs with cleanup.policy=compact from poll() and checkpoints the cleaner', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const m = new LogManager({
      fs: disk,
      clock,
      logDirs: ['/d'],
      logger: { info() {}, warn() {}, error() {} },
      defaultConfig: logConfig({ cleanupPolicy: 'compact', segmentBytes: 1024, fileDeleteDelayMs: 0 }),
      managerConfig: { cleanerBackoffMs: 500 },
    });
    m.startup();
    const log = m.getOrCreateLog({ topic: 'c', partition: 0 });
    for (let i = 0; i < 30; i++) log.appendAsLeader(batch(3, { key: (k) => `key${k}`, pad: 20 }), 0);
    log.updateHighWatermark(log.logEndOffset);
    const before = log.size;
    clock.advance(500);
    await m.poll();
    assert.ok(log.size < before / 2, `compacted ${before} -> ${log.size}`);
    assert.match(disk.readFile('/d/cleaner-offset-checkpoint')!.toString(), /^0\n1\nc 0 \d+\n$/);
  });
});
