import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch, RecordBatch } from '../../../src/protocol/records/index.js';
import { NodeFileSystem, SystemClock } from '../../../src/platform/index.js';
import { Log, LogManager, isStorageError, logConfig } from '../../../src/storage/index.js';
import type { StorageLogger } from '../../../src/storage/index.js';

function mount(args: string[]): string | undefined {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err).trim();
  }
}

function umount(path: string): void {
  try {
    execFileSync('umount', [path], { stdio: 'pipe' });
  } catch {
    // already unmounted
  }
}

function manager(dir: string, errors: string[]): LogManager {
  const logger: StorageLogger = { info() {}, warn() {}, error: (m) => errors.push(m) };
  return new LogManager({
    fs: new NodeFileSystem(),
    clock: new SystemClock(),
    logDirs: [dir],
    logger,
    defaultConfig: logConfig({ segmentBytes: 256 * 1024 }),
    meta: { clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', nodeId: 1 },
  });
}

function value(i: number): Buffer {
  return Buffer.alloc(30 * 1024, i & 0xff);
}

describe('storage on a failing disk (real mounts)', () => {
  it('goes offline on ENOSPC (1 MiB tmpfs) and loses nothing already written', async (t: TestContext) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to mount a tmpfs');
    const mnt = mkdtempSync(join(tmpdir(), 'gregor-enospc-'));
    const why = mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    if (why !== undefined) {
      rmSync(mnt, { recursive: true, force: true });
      return t.skip(`mount not permitted here: ${why}`);
    }
    try {
      const dir = join(mnt, 'logs');
      const errors: string[] = [];
      let m = manager(dir, errors);
      m.startup();
      const log = m.getOrCreateLog({ topic: 'full', partition: 0 });
      const written: Buffer[] = [];
      let failure: unknown;
      for (let i = 0; i < 100 && failure === undefined; i++) {
        const b = buildRecordBatch({ records: [{ key: `k${i}`, value: value(i) }] });
        try {
          log.appendAsLeader(b, 0);
          written.push(b);
        } catch (err) {
          failure = err;
        }
      }
      assert.ok(isStorageError(failure, 'KAFKA_STORAGE_ERROR'), `expected KAFKA_STORAGE_ERROR, got ${String(failure)}`);
      assert.ok(written.length > 5);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, /log dir .* is offline .*ENOSPC/);
      assert.throws(() => log.read(0, 1000), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
      assert.throws(() => log.appendAsLeader(buildRecordBatch({ records: [{ value: 'x' }] }), 0), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
      await m.shutdown();
      // The operator adds space; the restart recovers exactly the batches acknowledged before.
      assert.equal(mount(['-o', 'remount,size=4m', mnt]), undefined);
      m = manager(dir, errors);
      m.startup();
      const again = m.getLog({ topic: 'full', partition: 0 })!;
      assert.equal(again.logEndOffset, written.length);
      let offset = 0;
      for (const w of written) {
        const b = new RecordBatch(Log.readSliceSync(again.read(offset, 1).slice!));
        assert.ok(b.buf.equals(w), `batch ${offset} intact`);
        offset++;
      }
      again.appendAsLeader(buildRecordBatch({ records: [{ value: 'after' }] }), 0);
      await m.shutdown();
    } finally {
      umount(mnt);
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('takes a read-only log dir offline with a clear error and answers KAFKA_STORAGE_ERROR', async (t: TestContext) => {
    if (process.getuid?.() !== 0) return t.skip('needs root for a read-only bind mount');
    const base = mkdtempSync(join(tmpdir(), 'gregor-ro-'));
    const rw = join(base, 'rw');
    const ro = join(base, 'ro');
    mkdirSync(rw);
    mkdirSync(ro);
    let mounted = false;
    try {
      const errors: string[] = [];
      const m = manager(rw, errors);
      m.startup();
      const log = m.getOrCreateLog({ topic: 'ro', partition: 0 });
      log.appendAsLeader(buildRecordBatch({ records: [{ value: 'kept' }] }), 0);
      await m.shutdown();
      const why = mount(['--bind', '-o', 'ro', rw, ro]);
      if (why !== undefined) return t.skip(`bind mount not permitted here: ${why}`);
      mounted = true;
      const m2 = manager(ro, errors);
      m2.startup();
      assert.deepEqual(m2.offlineLogDirs(), [ro]);
      assert.match(errors.at(-1)!, /log dir .* is offline .*EROFS/);
      assert.equal(m2.partitionState({ topic: 'ro', partition: 0 }), 'offline');
      assert.throws(() => m2.getOrCreateLog({ topic: 'ro', partition: 0 }), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
      assert.throws(() => m2.getOrCreateLog({ topic: 'ro', partition: 1 }), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
      await m2.shutdown();
      // Nothing was damaged: the writable view still has the batch.
      umount(ro);
      mounted = false;
      const m3 = manager(rw, errors);
      m3.startup();
      const back = m3.getLog({ topic: 'ro', partition: 0 })!;
      assert.equal(new RecordBatch(Log.readSliceSync(back.read(0, 100).slice!)).baseOffset, 0);
      assert.equal(back.logEndOffset, 1);
      await m3.shutdown();
    } finally {
      if (mounted) umount(ro);
      rmSync(base, { recursive: true, force: true });
    }
  });
});
