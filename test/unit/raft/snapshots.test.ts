import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemoryQuorumStateStore,
  MemoryRaftLog,
  RaftControlType,
  SnapshotFormatError,
  controlTypeOf,
  encodeSnapshot,
  openSnapshot,
  parseSnapshotFileName,
  partialSnapshotFileName,
  snapshotFileName,
} from '../../../src/raft/index.js';
import { iterateBatches } from '../../../src/protocol/index.js';
import { RecordingListener, settle, startNode, stringSerde } from './helpers.js';

describe('raft snapshots', () => {
  it("use Kafka's file names", () => {
    assert.equal(snapshotFileName({ offset: 1234, epoch: 5 }), '00000000000000001234-0000000005.checkpoint');
    assert.equal(partialSnapshotFileName({ offset: 1, epoch: 2 }), '00000000000000000001-0000000002.checkpoint.part');
    assert.deepEqual(parseSnapshotFileName('00000000000000001234-0000000005.checkpoint'), { offset: 1234, epoch: 5 });
    assert.equal(parseSnapshotFileName('00000000000000001234-0000000005.checkpoint.part'), undefined);
    assert.equal(parseSnapshotFileName('00000000000000000000.log'), undefined);
  });

  it('are a header control batch, the data batches, and a footer control batch', () => {
    const data = encodeSnapshot(stringSerde, { offset: 10, epoch: 3 }, 1_700_000_000_123, [['a', 'b'], [], ['c']], 1_700_000_000_999);
    const batches = [...iterateBatches(data)];
    assert.equal(batches.length, 4);
    assert.equal(controlTypeOf(batches[0]!).type, RaftControlType.SNAPSHOT_HEADER);
    assert.equal(controlTypeOf(batches[3]!).type, RaftControlType.SNAPSHOT_FOOTER);
    assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset, b.partitionLeaderEpoch]), [
      [0, 0, 3],
      [1, 2, 3],
      [3, 3, 3],
      [4, 4, 3],
    ]);
    const reader = openSnapshot(stringSerde, { offset: 10, epoch: 3 }, data);
    assert.equal(reader.lastContainedLogTimestamp, 1_700_000_000_123);
    // Iterable more than once (one pass per listener).
    for (let i = 0; i < 2; i++) assert.deepEqual([...reader.batches].map((b) => b.records), [['a', 'b'], ['c']]);
  });

  it('without a footer, with a bad CRC, or cut short are rejected', () => {
    const id = { offset: 10, epoch: 3 };
    const data = encodeSnapshot(stringSerde, id, 0, [['a', 'b']], 0);
    const batches = [...iterateBatches(data)];
    const noFooter = data.subarray(0, data.length - batches[2]!.sizeInBytes);
    assert.throws(() => openSnapshot(stringSerde, id, noFooter), SnapshotFormatError);
    assert.throws(() => openSnapshot(stringSerde, id, data.subarray(0, data.length - 3)), SnapshotFormatError);
    const flipped = Buffer.from(data);
    flipped[batches[0]!.sizeInBytes + 70] = flipped[batches[0]!.sizeInBytes + 70]! ^ 0x01;
    assert.throws(() => openSnapshot(stringSerde, id, flipped), /bad-crc/);
    assert.throws(() => openSnapshot(stringSerde, id, Buffer.alloc(0)), SnapshotFormatError);
  });

  it('createSnapshot writes one at a committed batch boundary; a restart loads it, then replays the log after it', async () => {
    const log = new MemoryRaftLog();
    const store = new MemoryQuorumStateStore();
    const n = startNode(log, store);
    const l = new RecordingListener();
    n.client.register(l);
    n.client.initialize();
    n.client.scheduleAtomicAppend(1, ['a', 'b']);
    n.client.scheduleAtomicAppend(1, ['c']);
    await settle(n);
    const hw = n.client.highWatermark();
    assert.equal(hw, 4);
    assert.throws(() => n.client.createSnapshot(2, 1, 0, [['a']]), /inside the batch/);
    assert.throws(() => n.client.createSnapshot(4, 7, 0, [['a']]), /epoch/);
    assert.throws(() => n.client.createSnapshot(5, 1, 0, [['a']]), /high watermark/);
    assert.equal(n.client.createSnapshot(4, 1, 1234, [['a', 'b'], ['c']]), true);
    assert.equal(n.client.createSnapshot(4, 1, 1234, [['a', 'b'], ['c']]), false, 'one exists already');
    assert.deepEqual(log.snapshots(), [{ offset: 4, epoch: 1 }]);
    assert.equal(log.startOffset, 4, 'the log drops what the snapshot covers');
    n.client.scheduleAtomicAppend(1, ['d']);
    await settle(n);
    await n.client.close();

    const again = startNode(log.crash(), store);
    const l2 = new RecordingListener();
    again.client.register(l2);
    again.client.initialize();
    await settle(again);
    assert.equal(l2.events[0], 'snapshot 4-1');
    assert.equal(l2.snapshots[0]!.lastContainedLogTimestamp, 1234);
    assert.deepEqual(l2.state, ['a', 'b', 'c', 'd']);
    assert.deepEqual(l2.events.slice(1), ['commit 4-4', 'commit 5-5', 'leader 1@2']);
  });

  it('an invalid newest snapshot is ignored (logged) and an older one is used', async () => {
    const log = new MemoryRaftLog();
    const store = new MemoryQuorumStateStore();
    const n = startNode(log, store);
    n.client.initialize();
    n.client.scheduleAtomicAppend(1, ['a']);
    await settle(n);
    assert.equal(n.client.createSnapshot(2, 1, 0, [['a']]), true);
    n.client.scheduleAtomicAppend(1, ['b']);
    await settle(n);
    await n.client.close();
    const crashed = log.crash();
    // A newer snapshot that is damaged, and one left without its footer (as a torn write would).
    const newer = encodeSnapshot(stringSerde, { offset: 3, epoch: 1 }, 0, [['a', 'b']], 0);
    crashed.writeSnapshot({ offset: 3, epoch: 1 }, newer);
    crashed.corruptSnapshot({ offset: 3, epoch: 1 }, 40);
    crashed.writeSnapshot({ offset: 4, epoch: 2 }, newer.subarray(0, newer.length - 20));

    const again = startNode(crashed, store);
    const l = new RecordingListener();
    again.client.register(l);
    again.client.initialize();
    await settle(again);
    assert.equal(l.events[0], 'snapshot 2-1');
    assert.deepEqual(l.state, ['a', 'b']);
    assert.equal(again.logger.lines.filter((x) => x.level === 'warn' && /snapshot is invalid/.test(x.message)).length, 2);
  });
});
