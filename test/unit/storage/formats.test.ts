import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LeaderEpochCache,
  parsePartitionDirName,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
  CheckpointFormatError,
} from '../../../src/storage/index.js';
import { SimDisk } from '../../../src/testkit/index.js';
import { DIR, batch, env } from './helpers.js';

describe('on-disk formats', () => {
  it('writes offset and time index entries in Kafka’s layout', () => {
    const e = env();
    const log = e.open({ indexIntervalBytes: 1 });
    log.appendAsLeader(batch(2, { ts: 4000 }), 0);
    log.roll();
    for (let i = 0; i < 12; i++) log.appendAsLeader(batch(2, { ts: 5000 + i * 10, pad: 40 }), 0);
    log.roll(); // a segment becoming inactive writes its indexes
    const seg = log.segments[1]!;
    assert.equal(seg.baseOffset, 2);
    const name = String(seg.baseOffset).padStart(20, '0');
    const index = e.disk.readFile(`${DIR}/${name}.index`)!;
    assert.ok(index.length > 0 && index.length % 8 === 0);
    // entry: relative offset of the batch's last offset, file position of the batch
    let prevPos = -1;
    for (let at = 0; at < index.length; at += 8) {
      const rel = index.readInt32BE(at);
      const pos = index.readInt32BE(at + 4);
      assert.ok(pos > prevPos);
      prevPos = pos;
      const header = e.disk.readFile(`${DIR}/${name}.log`)!.subarray(pos, pos + 27);
      assert.equal(Number(header.readBigInt64BE(0)) + header.readInt32BE(23), seg.baseOffset + rel);
    }
    const time = e.disk.readFile(`${DIR}/${name}.timeindex`)!;
    assert.ok(time.length > 0 && time.length % 12 === 0);
    const lastTs = Number(time.readBigInt64BE(time.length - 12));
    const lastRel = time.readInt32BE(time.length - 4);
    assert.equal(lastTs, seg.maxTimestampSoFar()!.timestamp);
    assert.equal(seg.baseOffset + lastRel, seg.maxTimestampSoFar()!.offset);
  });

  it('parses partition directory names with dashes in topics', () => {
    assert.deepEqual(parsePartitionDirName('my-topic-12'), { topic: 'my-topic', partition: 12 });
    assert.equal(parsePartitionDirName('meta.properties'), undefined);
    assert.equal(parsePartitionDirName('topic-x'), undefined);
  });

  it('round-trips offset checkpoints and rejects malformed ones', () => {
    const disk = new SimDisk();
    disk.mkdir('/d');
    writeOffsetCheckpoint(disk, '/d/cp', [[{ topic: 'a-b', partition: 2 }, 42]]);
    assert.equal(disk.readFile('/d/cp')!.toString(), '0\n1\na-b 2 42\n');
    assert.deepEqual([...readOffsetCheckpoint(disk, '/d/cp')], [['a-b-2', 42]]);
    disk.writeFileAtomic('/d/bad', Buffer.from('0\n2\na 1 1\n'));
    assert.throws(() => readOffsetCheckpoint(disk, '/d/bad'), CheckpointFormatError);
  });

  it('answers OffsetForLeaderEpoch from the epoch cache and truncates it', async () => {
    const disk = new SimDisk();
    disk.mkdir('/p');
    const c = new LeaderEpochCache(disk, '/p/leader-epoch-checkpoint');
    c.assign(1, 0);
    c.assign(3, 10);
    c.assign(2, 20); // stale epoch: ignored
    c.assign(5, 30);
    assert.deepEqual(c.endOffsetFor(1, 50), { leaderEpoch: 1, endOffset: 10 });
    assert.deepEqual(c.endOffsetFor(2, 50), { leaderEpoch: 1, endOffset: 10 });
    assert.deepEqual(c.endOffsetFor(3, 50), { leaderEpoch: 3, endOffset: 30 });
    assert.deepEqual(c.endOffsetFor(5, 50), { leaderEpoch: 5, endOffset: 50 });
    assert.deepEqual(c.endOffsetFor(0, 50), { leaderEpoch: 0, endOffset: 0 });
    assert.deepEqual(c.endOffsetFor(6, 50), { leaderEpoch: -1, endOffset: -1 });
    c.truncateFromEnd(25);
    assert.equal(c.latestEpoch(), 3);
    c.truncateFromStart(12);
    assert.deepEqual(c.all(), [{ epoch: 3, startOffset: 12 }]);
    await c.writesDone(); // truncations are written off the event loop
    const reread = new LeaderEpochCache(disk, '/p/leader-epoch-checkpoint');
    assert.deepEqual(reread.all(), [{ epoch: 3, startOffset: 12 }]);
  });

  it('draws segment.jitter.ms per segment from the injected random source', () => {
    const e = env();
    const log = e.open({ segmentMs: 1000, segmentJitterMs: 500 }, { random: () => 0.8 });
    log.appendAsLeader(batch(1, { ts: 0 }), 0);
    log.appendAsLeader(batch(1, { ts: 601 }), 0);
    assert.equal(log.segments.length, 2, 'rolled after segment.ms - jitter (1000 - 400)');
  });
});
