import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch, RecordBatch } from '../../../src/protocol/records/index.js';
import { APPEND_STAGING_BYTES, Log, SILENT_LOGGER, isStorageError, logConfig } from '../../../src/storage/index.js';
import type { LogConfig } from '../../../src/storage/index.js';
import type { OpenMode } from '../../../src/common/index.js';
import { Prng, SimClock, SimDisk } from '../../../src/testkit/index.js';
import { DIR, batch, batchesOf, env, readAll } from './helpers.js';

const LOG_FILE = `${DIR}/00000000000000000000.log`;

/** A SimDisk that records write sizes and holds every fdatasync until `release()`. */
class GatedDisk extends SimDisk {
  /** Sizes of the writes to segment .log files, in order. */
  readonly writeSizes: number[] = [];
  private readonly logFds = new Set<number>();
  private held: Array<{ fd: number; resolve: () => void; reject: (e: unknown) => void }> = [];

  override open(path: string, mode: OpenMode): number {
    const fd = super.open(path, mode);
    if (path.endsWith('.log')) this.logFds.add(fd);
    return fd;
  }

  override write(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
    if (this.logFds.has(fd)) this.writeSizes.push(length);
    super.write(fd, buf, offset, length, position);
  }

  override fdatasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => this.held.push({ fd, resolve, reject }));
  }

  get heldSyncs(): number {
    return this.held.length;
  }

  /** Completes the held fdatasyncs (their data becomes durable now). */
  release(): void {
    for (const h of this.held.splice(0)) {
      try {
        this.fdatasyncSync(h.fd);
        h.resolve();
      } catch (err) {
        h.reject(err);
      }
    }
  }

  /** Power cut while fdatasyncs are held: they never complete. */
  cutPower(rng: Prng): void {
    this.held = [];
    this.powerCut(rng);
  }
}

function openOn(disk: SimDisk, config: Partial<LogConfig>, cleanShutdown = false): Log {
  return Log.open({
    fs: disk,
    clock: new SimClock(),
    dir: DIR,
    topicPartition: { topic: 'topic', partition: 0 },
    config: logConfig(config),
    logger: SILENT_LOGGER,
    recoveryPoint: 0,
    logStartOffset: 0,
    cleanShutdown,
  });
}

/** Releases fdatasyncs (a round may sync several segments one after another) until `promises` settle. */
async function settle(disk: GatedDisk, promises: ReadonlyArray<Promise<void> | null>): Promise<void> {
  let open = promises.length;
  for (const p of promises) {
    if (p === null) open--;
    else void p.then(() => open--, () => open--);
  }
  for (let i = 0; i < 1000 && open > 0; i++) {
    disk.release();
    await Promise.resolve();
  }
  assert.equal(open, 0, 'every durable promise settled');
  await Promise.all(promises);
}

/** Lets queued microtasks and promise continuations run, bounded. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await Promise.resolve();
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe('Log append staging (group commit writes)', () => {
  it('coalesces the appends of a flush round into one write; offsets stay gap-free and ordered', async () => {
    const disk = new GatedDisk();
    const log = openOn(disk, { flushMessages: 1 });
    const writesBefore = disk.writeSizes.length;
    const appended: Buffer[] = [];
    const infos = [];
    for (let i = 0; i < 64; i++) {
      const b = batch(1 + (i % 3), { pad: i * 5 });
      infos.push(log.appendAsLeader(b, 0));
      appended.push(b);
    }
    for (let i = 1; i < infos.length; i++) assert.equal(infos[i]!.firstOffset, infos[i - 1]!.lastOffset + 1, `append ${i} follows ${i - 1}`);
    await until(() => disk.heldSyncs > 0, 'the flush round');
    const bytes = appended.reduce((n, b) => n + b.length, 0);
    assert.deepEqual(disk.writeSizes.slice(writesBefore), [bytes], 'one write for the whole round');
    await settle(disk, infos.map((i) => i.durable));
    assert.equal(log.recoveryPoint, log.logEndOffset);
    const got = batchesOf(log.read(0, 1 << 30));
    assert.equal(got.length, 64);
    got.forEach((b, i) => assert.deepEqual(b.buf, appended[i], `batch ${i} byte-identical`));
  });

  it('serves reads of staged appends before the flush round writes them', () => {
    const e = env();
    const log = e.open({ flushMessages: 1 });
    const b = batch(3);
    const info = log.appendAsLeader(b, 0);
    assert.ok(info.durable !== null);
    // The round has not run (no microtask yet): the read itself must make the bytes visible.
    assert.deepEqual(readAll(log).map((r) => r.offset), [0, 1, 2]);
    assert.deepEqual(batchesOf(log.read(0, 1 << 20))[0]!.buf, b);
    assert.equal(e.disk.readFile(LOG_FILE)!.length, b.length);
  });

  it('writes appends that do not wait for a flush at once (flush.messages=N leaves earlier appends unstaged)', async () => {
    const disk = new GatedDisk();
    const log = openOn(disk, { flushMessages: 3 });
    const a = batch(1);
    assert.equal(log.appendAsLeader(a, 0).durable, null);
    assert.equal(disk.readFile(LOG_FILE)!.length, a.length, 'acknowledged without fdatasync: in the page cache now');
    const b = batch(2);
    const info = log.appendAsLeader(b, 0);
    assert.ok(info.durable !== null);
    assert.equal(disk.readFile(LOG_FILE)!.length, a.length, 'waits for its flush round');
    await until(() => disk.heldSyncs > 0, 'the flush round');
    assert.equal(disk.readFile(LOG_FILE)!.length, a.length + b.length);
    await settle(disk, [info.durable]);
    assert.equal(log.recoveryPoint, 3);
  });

  it('bounds the staging buffer: big rounds are written in chunks, a batch of the staging size or more straight', async () => {
    const disk = new GatedDisk();
    const log = openOn(disk, { flushMessages: 1, segmentBytes: 64 << 20, maxMessageBytes: 4 << 20 });
    const writesBefore = disk.writeSizes.length;
    const infos = [];
    const small = 200 * 1024;
    for (let i = 0; i < 12; i++) infos.push(log.appendAsLeader(batch(1, { pad: small }), 0));
    const huge = batch(1, { pad: APPEND_STAGING_BYTES + 10 });
    infos.push(log.appendAsLeader(huge, 0));
    await until(() => disk.heldSyncs > 0, 'the flush round');
    const sizes = disk.writeSizes.slice(writesBefore);
    assert.equal(sizes.at(-1), huge.length, 'the huge batch is written from the caller buffer');
    for (const s of sizes.slice(0, -1)) assert.ok(s <= APPEND_STAGING_BYTES && s > small, `chunk of ${s} bytes`);
    assert.ok(sizes.length < 12, `${sizes.length} writes for 13 appends`);
    await settle(disk, infos.map((i) => i.durable));
    const got = batchesOf(log.read(0, 1 << 30));
    assert.equal(got.length, 13);
    for (const g of got) assert.ok(g.verifyCrc());
  });

  it('power cut during a round: acknowledged batches survive, the rest are whole batches as appended', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rng = new Prng(seed);
      const disk = new GatedDisk();
      let log = openOn(disk, { flushMessages: 1, segmentBytes: 8000 + rng.nextInt(20_000) });
      const acked: Buffer[] = [];
      const cutRound = 1 + rng.nextInt(6);
      let inFlight: Buffer[] = [];
      for (let round = 0; round <= cutRound; round++) {
        const pending = [];
        inFlight = [];
        for (let i = 0, n = 1 + rng.nextInt(40); i < n; i++) {
          const b = buildRecordBatch({ records: [{ key: `s${seed}r${round}i${i}`, value: Buffer.alloc(rng.nextInt(900), i), timestamp: 1_700_000_000_000 }] });
          pending.push(log.appendAsLeader(b, 0).durable);
          inFlight.push(b);
        }
        await until(() => disk.heldSyncs > 0, 'the flush round');
        if (round === cutRound) break;
        await settle(disk, pending);
        acked.push(...inFlight);
      }
      // The round's coalesced write reached the page cache, its fdatasync never completes.
      disk.cutPower(rng);
      log = openOn(disk, { flushMessages: 1, segmentBytes: 100_000 });
      const survivors: RecordBatch[] = [];
      let offset = 0;
      while (offset < log.logEndOffset) {
        const bs = batchesOf(log.read(offset, 1 << 30));
        if (bs.length === 0) break;
        survivors.push(...bs);
        offset = bs.at(-1)!.lastOffset + 1;
      }
      // Every survivor is a whole batch exactly as appended at its offset (after a roll, a lost
      // unsynced tail before the new segment leaves a gap, as in Kafka); every acknowledged one is there.
      const byOffset = new Map([...acked, ...inFlight].map((b) => [b.readInt32BE(4), b]));
      const survived = new Set<number>();
      for (const b of survivors) {
        assert.ok(b.verifyCrc(), `seed ${seed}: CRC at ${b.baseOffset}`);
        assert.deepEqual(b.buf, byOffset.get(b.baseOffset), `seed ${seed}: batch at ${b.baseOffset} is the one appended there`);
        survived.add(b.baseOffset);
      }
      for (const a of acked) assert.ok(survived.has(a.readInt32BE(4)), `seed ${seed}: acknowledged batch at ${a.readInt32BE(4)} lost`);
    }
  });

  it('drops staged bytes of unacknowledged appends at close of handles; a reopened log never sees half of them', async () => {
    const disk = new GatedDisk();
    const log = openOn(disk, { flushMessages: 1 });
    const first = log.appendAsLeader(batch(2), 0);
    await until(() => disk.heldSyncs > 0, 'the flush round');
    await settle(disk, [first.durable]);
    const dropped = log.appendAsLeader(batch(4), 0);
    log.closeHandles();
    await assert.rejects(dropped.durable!, (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'), 'never acknowledged');
    disk.processCrash();
    const reopened = openOn(disk, { flushMessages: 1 });
    assert.equal(reopened.logEndOffset, 2);
    reopened.appendAsLeader(batch(1), 0);
    assert.deepEqual(readAll(reopened).map((r) => r.offset), [0, 1, 2]);
  });
});
