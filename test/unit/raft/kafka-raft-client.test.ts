import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemoryRaftLog,
  MemoryQuorumStateStore,
  NotLeaderError,
  NO_DEADLINE,
  RaftControlType,
  RecordBatchTooLargeError,
  controlTypeOf,
  parseLeaderChange,
} from '../../../src/raft/index.js';
import { iterateBatches } from '../../../src/protocol/index.js';
import { RecordingListener, settle, startNode, turn } from './helpers.js';

describe('KafkaRaftClient, single voter', () => {
  it('elects itself leader of epoch 1 at startup, persisting candidate then leader, and writes a LeaderChange record', async () => {
    const n = startNode();
    n.client.initialize();
    assert.equal(n.client.stateName(), 'Leader');
    assert.deepEqual(n.client.leaderAndEpoch(), { leaderId: 1, epoch: 1 });
    assert.deepEqual(n.store.writes, [
      { epoch: 1, leaderId: -1, votedId: 1, voters: [1] },
      { epoch: 1, leaderId: 1, votedId: -1, voters: [1] },
    ]);
    assert.equal(n.client.epochStartOffset(), 0);
    const [first, ...rest] = [...iterateBatches(n.log.read(0, 1 << 20))];
    assert.equal(rest.length, 0);
    assert.ok(first!.isControl);
    assert.equal(first!.partitionLeaderEpoch, 1);
    assert.equal(first!.producerId, -1);
    const control = controlTypeOf(first!);
    assert.equal(control.type, RaftControlType.LEADER_CHANGE);
    assert.deepEqual(parseLeaderChange(control.value!), { leaderId: 1, voters: [1], grantingVoters: [1] });

    const l = new RecordingListener();
    n.client.register(l);
    await settle(n);
    assert.equal(n.client.highWatermark(), 1);
    // Nothing precedes the epoch start: the leadership is announced at once; the control batch
    // is handed over with no records.
    assert.deepEqual(l.events, ['leader 1@1', 'commit 0-0']);
    assert.deepEqual(l.batches[0]!.records, []);
  });

  it('commits an append only after the flush, then hands it to every listener once, in registration order', async () => {
    const log = new MemoryRaftLog({ manualFlush: true });
    const n = startNode(log);
    const journal: string[] = [];
    const a = new RecordingListener('a', journal);
    const b = new RecordingListener('b', journal);
    n.client.register(a);
    n.client.register(b);
    n.client.initialize();
    assert.equal(n.client.poll(0), NO_DEADLINE);
    assert.equal(n.client.highWatermark(), 0);
    const last = n.client.scheduleAtomicAppend(1, ['x', 'y']);
    assert.equal(last, 2);
    n.client.poll(0);
    assert.deepEqual(journal, [], 'nothing is committed before an fdatasync');
    log.completeFlushes();
    await turn();
    assert.ok(n.wakes >= 1, 'the driver is woken when the flush completes');
    n.client.poll(0);
    // The LeaderChange flush covered offset 0 only; the append waits for the next round.
    assert.equal(n.client.highWatermark(), 1);
    log.completeFlushes();
    await turn();
    n.client.poll(0);
    n.client.poll(0);
    assert.equal(n.client.highWatermark(), 3);
    assert.deepEqual(journal, ['a commit 0', 'b commit 0', 'a commit 1', 'b commit 1']);
    assert.deepEqual(a.state, ['x', 'y']);
    assert.deepEqual(b.state, ['x', 'y']);
    assert.deepEqual(a.events, ['leader 1@1', 'commit 0-0', 'commit 1-2']);
  });

  it('group-commits: appends made while an fdatasync is in flight share the next one', async () => {
    const log = new MemoryRaftLog({ manualFlush: true });
    const n = startNode(log);
    n.client.initialize();
    for (let i = 0; i < 10; i++) n.client.scheduleAtomicAppend(1, [`r${i}`]);
    assert.equal(log.pendingFlushes, 1, 'one flush in flight');
    log.completeFlushes();
    await turn();
    assert.equal(log.pendingFlushes, 1, 'the next round was started for the later appends');
    log.completeFlushes();
    await turn();
    n.client.poll(0);
    assert.equal(log.flushCount, 2);
    assert.equal(n.client.highWatermark(), 11);
  });

  it('rejects appends for another epoch, when not leading, and batches over 8 MiB', async () => {
    const n = startNode();
    n.client.initialize();
    assert.throws(() => n.client.scheduleAtomicAppend(2, ['x']), (e: unknown) => e instanceof NotLeaderError && e.leader.epoch === 1);
    assert.throws(() => n.client.scheduleAtomicAppend(1, ['x'.repeat(9 * 1024 * 1024)]), RecordBatchTooLargeError);
    await n.client.close();
    assert.equal(n.client.stateName(), 'Resigned');
    assert.throws(() => n.client.scheduleAtomicAppend(1, ['x']), NotLeaderError);
  });

  it('restarts: replays the committed records, bumps the epoch, and loses nothing committed in a crash', async () => {
    const store = new MemoryQuorumStateStore();
    const first = startNode(new MemoryRaftLog(), store);
    first.client.initialize();
    const l1 = new RecordingListener();
    first.client.register(l1);
    await settle(first);
    first.client.scheduleAtomicAppend(1, ['a', 'b']);
    first.client.scheduleAtomicAppend(1, ['c']);
    await settle(first);
    assert.deepEqual(l1.state, ['a', 'b', 'c']);
    // Appended but never flushed: not committed, may be lost.
    first.client.scheduleAtomicAppend(1, ['lost?']);
    const crashed = (first.log as MemoryRaftLog).crash();

    const second = startNode(crashed, store);
    const l2 = new RecordingListener();
    second.client.register(l2);
    second.client.initialize();
    assert.deepEqual(second.client.leaderAndEpoch(), { leaderId: 1, epoch: 2 });
    await settle(second);
    assert.deepEqual(l2.state, ['a', 'b', 'c']);
    // Its own leadership is announced only once the listener replayed everything before the epoch start.
    assert.deepEqual(l2.events, ['commit 0-0', 'commit 1-2', 'commit 3-3', 'commit 4-4', 'leader 1@2']);
    assert.equal(second.client.epochStartOffset(), 4, 'the unflushed append was lost, never committed');
    // The new epoch's LeaderChange follows the old records.
    assert.deepEqual(l2.batches.map((b) => b.epoch), [1, 1, 1, 2]);
    second.client.scheduleAtomicAppend(2, ['d']);
    await settle(second);
    assert.deepEqual(l2.state, ['a', 'b', 'c', 'd']);
  });

  it('quorumInfo reports the leader as the only voter, caught up now', async () => {
    const n = startNode();
    n.client.initialize();
    n.client.scheduleAtomicAppend(1, ['x']);
    await settle(n);
    const info = n.client.quorumInfo();
    assert.deepEqual(info, {
      leaderId: 1,
      leaderEpoch: 1,
      highWatermark: 2,
      currentVoters: [
        {
          replicaId: 1,
          replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
          logEndOffset: 2,
          lastFetchTimestamp: n.clock.nowMs(),
          lastCaughtUpTimestamp: n.clock.nowMs(),
        },
      ],
      observers: [],
    });
  });

  it('a listener registered late catches up from the start; an unregistered one hears nothing more', async () => {
    const n = startNode();
    n.client.initialize();
    const early = new RecordingListener('early');
    n.client.register(early);
    n.client.scheduleAtomicAppend(1, ['a']);
    await settle(n);
    n.client.unregister(early);
    n.client.scheduleAtomicAppend(1, ['b']);
    await settle(n);
    const late = new RecordingListener('late');
    n.client.register(late);
    n.client.poll(0);
    assert.deepEqual(early.state, ['a']);
    assert.deepEqual(late.state, ['a', 'b']);
    await n.client.close();
    assert.equal(late.shutdown, true);
    assert.equal(early.shutdown, false);
  });

  it('refuses a multi-voter configuration for now', () => {
    const n = startNode();
    const other = new (n.client.constructor as typeof import('../../../src/raft/index.js').KafkaRaftClient<string>)({
      nodeId: 1,
      voters: [1, 2, 3],
      log: new MemoryRaftLog(),
      quorumStateStore: new MemoryQuorumStateStore(),
      serde: { size: () => 0, write: () => 0, read: () => '' },
      clock: n.clock,
      logger: n.logger,
    });
    assert.throws(() => other.initialize(), /single-voter/);
  });
});
