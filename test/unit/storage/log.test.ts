import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, Log, StorageError, isStorageError } from '../../../src/storage/index.js';
import { DIR, batch, batchesOf, env, readAll } from './helpers.js';

describe('Log append and read', () => {
  it('assigns offsets by patching base offsets and stores the bytes as given', () => {
    const e = env();
    const log = e.open();
    const a = batch(3);
    const b = batch(2);
    const ia = log.appendAsLeader(a, 5);
    const ib = log.appendAsLeader(b, 5);
    assert.equal(ia.firstOffset, 0);
    assert.equal(ia.lastOffset, 2);
    assert.equal(ib.firstOffset, 3);
    assert.equal(log.logEndOffset, 5);
    const got = batchesOf(log.read(0, 1 << 20));
    assert.equal(got.length, 2);
    assert.deepEqual(got[0]!.buf, a);
    assert.deepEqual(got[1]!.buf, b);
    assert.equal(got[1]!.baseOffset, 3);
    assert.equal(got[1]!.partitionLeaderEpoch, 5);
    assert.ok(got[1]!.verifyCrc());
    assert.ok(e.disk.exists(`${DIR}/00000000000000000000.log`));
    assert.ok(e.disk.exists(`${DIR}/00000000000000000000.index`));
    assert.ok(e.disk.exists(`${DIR}/00000000000000000000.timeindex`));
  });

  it('returns the whole batch containing the start offset, and one batch even past maxBytes', () => {
    const log = env().open();
    log.appendAsLeader(batch(10, { pad: 100 }), 0);
    log.appendAsLeader(batch(10, { pad: 100 }), 0);
    const mid = batchesOf(log.read(15, 1 << 20));
    assert.equal(mid.length, 1);
    assert.equal(mid[0]!.baseOffset, 10);
    const tiny = batchesOf(log.read(0, 10));
    assert.equal(tiny.length, 1, 'minOneMessage returns the first batch whole');
    const none = log.read(0, 10, undefined, false);
    assert.equal(none.slice?.size ?? 0, 0);
    const first = batchesOf(log.read(0, 1 << 20))[0]!;
    const fits = batchesOf(log.read(0, first.sizeInBytes + 50));
    assert.equal(fits.length, 1, 'a partial second batch is never returned');
  });

  it('stops at the upper bound and at the log end, and rejects offsets out of range', () => {
    const log = env().open();
    for (let i = 0; i < 5; i++) log.appendAsLeader(batch(2), 0);
    const bounded = batchesOf(log.read(0, 1 << 20, 4));
    assert.deepEqual(bounded.map((b) => b.baseOffset), [0, 2]);
    assert.equal(log.read(10, 100).slice, undefined);
    assert.throws(() => log.read(11, 100), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
  });

  it('rejects corrupt and oversized batches without writing', () => {
    const log = env().open({ maxMessageBytes: 500 });
    const bad = batch(2);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    assert.throws(() => log.appendAsLeader(bad, 0), (e) => isStorageError(e, 'CORRUPT_MESSAGE'));
    assert.throws(() => log.appendAsLeader(batch(20, { pad: 50 }), 0), (e) => isStorageError(e, 'MESSAGE_TOO_LARGE'));
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.size, 0);
  });

  it('follower appends keep offsets and refuse to go backwards', () => {
    const e = env();
    const leader = e.open();
    leader.appendAsLeader(batch(3), 1);
    leader.appendAsLeader(batch(3), 2);
    const bytes = Log.readSliceSync(leader.read(0, 1 << 20).slice!);
    const e2 = env();
    const follower = e2.open();
    follower.appendAsFollower(Buffer.from(bytes));
    assert.equal(follower.logEndOffset, 6);
    assert.deepEqual(follower.leaderEpochCache.all(), [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 3 },
    ]);
    assert.throws(() => follower.appendAsFollower(Buffer.from(bytes)), (err) => err instanceof StorageError);
  });
});

describe('Log segments and indexes', () => {
  it('rolls by segment.bytes with Kafka file names, and index lookups agree with a scan', () => {
    const e = env();
    const log = e.open({ segmentBytes: 4096, indexIntervalBytes: 256 });
    for (let i = 0; i < 100; i++) log.appendAsLeader(batch(3, { pad: 20 }), 0);
    assert.ok(log.segments.length > 3);
    for (const s of log.segments) {
      assert.ok(s.size <= 4096);
      assert.ok(e.disk.exists(`${DIR}/${String(s.baseOffset).padStart(20, '0')}.log`));
    }
    for (let off = 0; off < log.logEndOffset; off += 7) {
      const got = batchesOf(log.read(off, 1))[0]!;
      assert.ok(got.baseOffset <= off && off <= got.lastOffset, `offset ${off} in ${got.baseOffset}..${got.lastOffset}`);
    }
    assert.equal(readAll(log).length, 300);
  });

  it('rolls by segment.ms measured from the first batch timestamp', () => {
    const log = env().open({ segmentMs: 1000 });
    log.appendAsLeader(batch(1, { ts: 10_000 }), 0);
    log.appendAsLeader(batch(1, { ts: 10_500 }), 0);
    assert.equal(log.segments.length, 1);
    log.appendAsLeader(batch(1, { ts: 11_001 }), 0);
    assert.equal(log.segments.length, 2);
    assert.equal(log.activeSegment.baseOffset, 2);
  });

  it('rolls when the offset index is full', () => {
    const log = env().open({ segmentIndexBytes: 8 * 4, indexIntervalBytes: 1 });
    for (let i = 0; i < 20; i++) log.appendAsLeader(batch(1), 0);
    assert.ok(log.segments.length >= 4);
    assert.equal(readAll(log).length, 20);
  });

  it('finds offsets by timestamp (ListOffsets), earliest, latest and max timestamp', () => {
    const log = env().open({ segmentBytes: 2048, indexIntervalBytes: 100 });
    for (let i = 0; i < 50; i++) log.appendAsLeader(batch(4, { ts: 1000 + i * 10, pad: 30 }), 0);
    // batch i holds timestamps 1000+10i .. 1000+10i+3 at offsets 4i..4i+3
    const r = log.fetchOffsetByTimestamp(1000 + 10 * 17 + 2)!;
    assert.equal(r.offset, 4 * 17 + 2);
    assert.equal(r.timestamp, 1000 + 10 * 17 + 2);
    const between = log.fetchOffsetByTimestamp(1000 + 10 * 17 + 5)!;
    assert.equal(between.offset, 4 * 18);
    assert.equal(log.fetchOffsetByTimestamp(99_999), undefined);
    assert.equal(log.fetchOffsetByTimestamp(EARLIEST_TIMESTAMP)!.offset, 0);
    assert.equal(log.fetchOffsetByTimestamp(LATEST_TIMESTAMP)!.offset, 200);
    const max = log.fetchOffsetByTimestamp(MAX_TIMESTAMP)!;
    assert.equal(max.timestamp, 1000 + 490 + 3);
    assert.equal(max.offset, 199);
  });

  it('rebuilds missing or corrupt indexes when reopened', async () => {
    const e = env();
    let log = e.open({ segmentBytes: 4096, indexIntervalBytes: 128 });
    for (let i = 0; i < 60; i++) log.appendAsLeader(batch(2, { pad: 30 }), 0);
    const expected = readAll(log);
    await log.close();
    const first = log.segments[0]!;
    const idx = `${DIR}/${String(first.baseOffset).padStart(20, '0')}.index`;
    e.disk.corrupt(idx, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]));
    e.disk.unlink(`${DIR}/${String(log.segments[1]!.baseOffset).padStart(20, '0')}.timeindex`);
    e.disk.processCrash();
    log = e.open({ segmentBytes: 4096, indexIntervalBytes: 128 }, { recoveryPoint: log.logEndOffset, cleanShutdown: true });
    assert.deepEqual(readAll(log), expected);
    for (let off = 0; off < log.logEndOffset; off += 5) {
      const b = batchesOf(log.read(off, 1))[0]!;
      assert.ok(b.baseOffset <= off && off <= b.lastOffset);
    }
  });
});

describe('Log recovery', () => {
  it('truncates garbage in the middle of the last segment and keeps what precedes it', () => {
    const e = env();
    let log = e.open();
    for (let i = 0; i < 10; i++) log.appendAsLeader(batch(2), 0);
    const before = readAll(log).slice(0, 10);
    const third = batchesOf(log.read(10, 1))[0]!;
    const pos = log.read(10, 1).slice!.position;
    e.disk.corrupt(`${DIR}/00000000000000000000.log`, pos + 30, Buffer.from('garbage!'));
    e.disk.processCrash();
    log = e.open();
    assert.equal(log.logEndOffset, third.baseOffset);
    assert.deepEqual(readAll(log), before);
    assert.equal(log.logEndOffset, 10);
    log.appendAsLeader(batch(1), 0);
    assert.equal(log.logEndOffset, 11);
  });

  it('recovers from the recovery point after a power cut; flush.messages=1 loses nothing acknowledged', async () => {
    const { Prng } = await import('../../../src/testkit/index.js');
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Prng(seed);
      const e = env();
      let log = e.open({ flushMessages: 1, segmentBytes: 3000 });
      const acked: Buffer[] = [];
      for (let i = 0; i < 30; i++) {
        const b = batch(1 + rng.nextInt(3), { pad: rng.nextInt(100) });
        const info = log.appendAsLeader(b, 0);
        await info.durable;
        acked.push(Buffer.from(b));
      }
      // unacknowledged tail
      for (let i = 0; i < 5; i++) log.appendAsLeader(batch(2), 0);
      e.disk.powerCut(rng);
      log = e.open({ flushMessages: 1, segmentBytes: 3000 }, { recoveryPoint: 0 });
      const got = batchesOf(log.read(0, 1 << 30));
      const all = [];
      let off = 0;
      while (off < log.logEndOffset) {
        const bs = batchesOf(log.read(off, 1 << 30));
        if (bs.length === 0) break; // unsynced tail lost before a rolled segment: a gap, as in Kafka
        all.push(...bs);
        off = bs.at(-1)!.lastOffset + 1;
      }
      assert.ok(got.length > 0);
      assert.ok(all.length >= acked.length, `seed ${seed}: ${all.length} batches survived, ${acked.length} acked`);
      for (let i = 0; i < acked.length; i++) assert.deepEqual(all[i]!.buf, acked[i], `seed ${seed} batch ${i}`);
      for (const b of all) assert.ok(b.verifyCrc());
    }
  });

  it('group-commits fdatasync across concurrent appenders with flush.messages=1', async () => {
    const e = env();
    const log = e.open({ flushMessages: 1 });
    const before = e.disk.fdatasyncCount;
    const pending = [];
    for (let i = 0; i < 64; i++) pending.push(log.appendAsLeader(batch(1), 0).durable);
    await Promise.all(pending);
    const syncs = e.disk.fdatasyncCount - before;
    assert.ok(syncs <= 3, `64 appends took ${syncs} fdatasyncs`);
    assert.equal(log.recoveryPoint, 64);
  });
});

describe('Log truncation, epochs, retention', () => {
  it('truncateTo removes later batches, segments and epochs; truncateFullyAndStartAt starts over', () => {
    const log = env().open({ segmentBytes: 1024 });
    for (let i = 0; i < 30; i++) log.appendAsLeader(batch(2, { pad: 20 }), i < 15 ? 1 : 2);
    assert.ok(log.segments.length > 2);
    log.truncateTo(20);
    assert.equal(log.logEndOffset, 20);
    assert.deepEqual(log.leaderEpochCache.all(), [{ epoch: 1, startOffset: 0 }]);
    assert.equal(readAll(log).length, 20);
    log.appendAsLeader(batch(2), 3);
    assert.equal(log.endOffsetForEpoch(1).endOffset, 20);
    log.truncateFullyAndStartAt(1000);
    assert.equal(log.logStartOffset, 1000);
    assert.equal(log.logEndOffset, 1000);
    assert.equal(log.segments.length, 1);
    log.appendAsLeader(batch(1), 4);
    assert.equal(readAll(log)[0]!.offset, 1000);
  });

  it('deletes segments by retention.ms (largest timestamp) after the file delete delay', async () => {
    const e = env();
    const log = e.open({ segmentBytes: 1024, retentionMs: 60_000, fileDeleteDelayMs: 1000 });
    const now = e.clock.nowMs();
    for (let i = 0; i < 20; i++) log.appendAsLeader(batch(2, { ts: now - 120_000, pad: 20 }), 0);
    for (let i = 0; i < 20; i++) log.appendAsLeader(batch(2, { ts: now, pad: 20 }), 0);
    log.updateHighWatermark(log.logEndOffset);
    const n = log.deleteOldSegments();
    assert.ok(n > 0);
    assert.ok(log.logStartOffset > 0 && log.logStartOffset <= 40);
    const deleted = e.disk.readdir(DIR).filter((f) => f.endsWith('.deleted'));
    assert.ok(deleted.length > 0);
    assert.equal(log.deletePendingSegments(e.clock.nowMs()), 0, 'not before file.delete.delay.ms');
    e.clock.advance(1000);
    assert.equal(log.deletePendingSegments(e.clock.nowMs()), n);
    await log.deletionsDone();
    assert.equal(e.disk.readdir(DIR).filter((f) => f.endsWith('.deleted')).length, 0);
    const left = readAll(log).map((r) => r.offset);
    assert.equal(left[0], log.logStartOffset);
    assert.ok(left.includes(40) && left.includes(79));
  });

  it('deletes by retention.bytes and never past the high watermark', () => {
    const log = env().open({ segmentBytes: 1024, retentionBytes: 2048, retentionMs: -1, fileDeleteDelayMs: 0 });
    for (let i = 0; i < 40; i++) log.appendAsLeader(batch(2, { pad: 20 }), 0);
    assert.equal(log.deleteOldSegments(), 0, 'nothing below a high watermark of 0');
    log.updateHighWatermark(log.logEndOffset);
    assert.ok(log.deleteOldSegments() > 0);
    assert.ok(log.size <= 2048 + 1024);
    assert.ok(log.size >= 2048 - 1024);
  });

  it('DeleteRecords advances the log start offset and drops whole segments below it', () => {
    const log = env().open({ segmentBytes: 1024, fileDeleteDelayMs: 0 });
    for (let i = 0; i < 40; i++) log.appendAsLeader(batch(2, { pad: 20 }), 0);
    assert.throws(() => log.maybeIncrementLogStartOffset(50), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    log.updateHighWatermark(80);
    const segsBefore = log.segments.length;
    log.maybeIncrementLogStartOffset(50);
    assert.equal(log.logStartOffset, 50);
    assert.ok(log.segments.length < segsBefore);
    assert.ok(log.segments[0]!.baseOffset <= 50);
    assert.throws(() => log.read(49, 100), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    assert.equal(readAll(log)[0]!.offset, 50);
  });
});

describe('Log transactions and producer snapshots', () => {
  it('indexes aborted transactions and keeps producer snapshots across truncation', () => {
    const e = env();
    let snapshotCalls = 0;
    const log = e.open({ segmentBytes: 1024 }, { producerStateHooks: { takeSnapshot: () => Buffer.from(`s${++snapshotCalls}`) } });
    const txn = buildRecordBatch({ records: [{ key: 'a', value: '1' }], producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    log.appendAsLeader(txn, 0);
    log.appendAbortedTxn({ producerId: 7, firstOffset: 0, lastOffset: 1, lastStableOffset: 0 });
    for (let i = 0; i < 30; i++) log.appendAsLeader(batch(2, { pad: 20 }), 0);
    assert.deepEqual(log.collectAbortedTransactions(0, 10), [{ producerId: 7, firstOffset: 0, lastOffset: 1, lastStableOffset: 0 }]);
    assert.deepEqual(log.collectAbortedTransactions(5, 10), []);
    const snaps = log.producerSnapshotOffsets();
    assert.ok(snaps.length > 0);
    assert.ok(e.disk.exists(`${DIR}/${String(snaps[0]).padStart(20, '0')}.snapshot`));
    log.truncateTo(snaps[0]! + 1);
    assert.ok(log.producerSnapshotOffsets().every((o) => o <= log.logEndOffset));
    assert.equal(log.latestProducerSnapshot()?.offset, snaps[0]);
  });

  it('writes Kafka-format checkpoints for leader epochs and partition metadata', () => {
    const e = env();
    const log = e.open({}, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' });
    log.appendAsLeader(batch(1), 3);
    log.appendAsLeader(batch(1), 7);
    assert.equal(e.disk.readFile(`${DIR}/leader-epoch-checkpoint`)!.toString(), '0\n2\n3 0\n7 1\n');
    assert.equal(e.disk.readFile(`${DIR}/partition.metadata`)!.toString(), 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n');
  });
});

describe('Log corruption found at run time', () => {
  it('goes offline with a logged error on garbage in the middle of a flushed segment, leaving the bytes alone', async () => {
    const e = env();
    const log = e.open({ indexIntervalBytes: 100000 });
    for (let i = 0; i < 10; i++) log.appendAsLeader(batch(2, { pad: 50 }), 0);
    await log.flush();
    const path = `${DIR}/00000000000000000000.log`;
    const pos = log.read(8, 1).slice!.position;
    e.disk.corrupt(path, pos + 8, Buffer.from([0x7f, 0x00, 0x00, 0x00])); // batch length of the 5th batch
    const before = e.disk.readFile(path)!;
    assert.equal(batchesOf(log.read(0, 1)).length, 1, 'batches before the garbage still read');
    assert.throws(() => log.read(12, 1), (err) => isStorageError(err, 'KAFKA_STORAGE_ERROR'));
    assert.equal(e.errors.length, 1);
    assert.match(e.errors[0]!, /corrupt segment .*00000000000000000000\.log at position/);
    assert.throws(() => log.read(0, 1), (err) => isStorageError(err, 'KAFKA_STORAGE_ERROR'));
    assert.throws(() => log.appendAsLeader(batch(1), 0), (err) => isStorageError(err, 'KAFKA_STORAGE_ERROR'));
    assert.deepEqual(e.disk.readFile(path), before, 'nothing written after going offline');
  });
});
