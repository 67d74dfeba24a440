import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, FileSystem } from '../../../src/common/index.js';
import { NodeFileSystem } from '../../../src/platform/index.js';
import { KafkaRaftClient, encodeSnapshot } from '../../../src/raft/index.js';
import { MetadataLogStore } from '../../../src/server/metadata-log-store.js';
import { Prng, SimClock, SimDisk } from '../../../src/testkit/index.js';
import { RecordingListener, captureLogger, stringSerde, turn } from '../raft/helpers.js';

interface Broker {
  store: MetadataLogStore;
  client: KafkaRaftClient<string>;
  listener: RecordingListener;
  logger: ReturnType<typeof captureLogger>;
  /** Resolves at the client's next onWake (a flush completed). */
  woken(): Promise<void>;
}

function start(fs: FileSystem, clock: Clock, dir: string, segmentBytes?: number): Broker {
  const logger = captureLogger();
  const store = MetadataLogStore.open({ fs, clock, logger, metadataLogDir: dir, ...(segmentBytes === undefined ? {} : { config: { segmentBytes } }) });
  let wake: (() => void) | undefined;
  const onWake = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const client = new KafkaRaftClient<string>({ nodeId: 1, voters: [1], log: store, quorumStateStore: store.quorumStateStore(), serde: stringSerde, clock, logger, onWake });
  const listener = new RecordingListener();
  client.register(listener);
  client.initialize();
  return { store, client, listener, logger, woken: () => new Promise<void>((resolve) => (wake = resolve)) };
}

/**
 * Polls until the high watermark reaches the log end, waiting for the client's onWake between
 * polls (real fdatasyncs finish on libuv's thread pool); bounded by 10 s of real time.
 */
async function settle(b: Broker): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    b.client.poll(0);
    if (b.client.highWatermark() === b.store.endOffset) {
      b.client.poll(0);
      return;
    }
    if (Date.now() > deadline) throw new Error(`not settled: hw ${b.client.highWatermark()} end ${b.store.endOffset}`);
    const woken = b.woken();
    // The flush may already have completed between the poll and now: check again after one turn.
    await Promise.race([woken, turn()]);
  }
}

describe('MetadataLogStore (raft log over storage)', () => {
  it("keeps Kafka's layout in a real directory and replays after a clean restart", async () => {
    const root = mkdtempSync(join(tmpdir(), 'gregor-metalog-'));
    try {
      const fs = new NodeFileSystem();
      const clock = new SimClock();
      const a = start(fs, clock, root);
      a.client.scheduleAtomicAppend(1, ['topic foo', 'partition foo-0']);
      await settle(a);
      await a.client.close();
      const dir = join(root, '__cluster_metadata-0');
      const names = readdirSync(dir).sort();
      for (const f of ['00000000000000000000.log', '00000000000000000000.index', 'leader-epoch-checkpoint', 'quorum-state']) {
        assert.ok(names.includes(f), `${f} in ${names.join(',')}`);
      }
      assert.equal(
        readFileSync(join(dir, 'quorum-state'), 'utf8'),
        '{"clusterId":"","leaderId":1,"leaderEpoch":1,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1}],"data_version":0}',
      );
      assert.equal(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n1 0\n');

      const b = start(fs, clock, root);
      assert.deepEqual(b.client.leaderAndEpoch(), { leaderId: 1, epoch: 2 });
      await settle(b);
      assert.deepEqual(b.listener.state, ['topic foo', 'partition foo-0']);
      assert.deepEqual(b.listener.events, ['commit 0-0', 'commit 1-2', 'commit 3-3', 'leader 1@2']);

      // A snapshot: Kafka's file name, segments below it dropped, a restart starts from it.
      b.client.scheduleAtomicAppend(2, ['config x']);
      await settle(b);
      // A stale partial snapshot from a crash is removed at the next open.
      writeFileSync(join(dir, '00000000000000000001-0000000001.checkpoint.part'), 'torn');
      assert.equal(b.client.createSnapshot(5, 2, clock.nowMs(), [['topic foo', 'partition foo-0', 'config x']]), true);
      assert.ok(readdirSync(dir).includes('00000000000000000005-0000000002.checkpoint'));
      await b.client.close();

      const c = start(fs, clock, root);
      await settle(c);
      assert.ok(!readdirSync(dir).some((n) => n.endsWith('.part')));
      assert.equal(c.listener.events[0], 'snapshot 5-2');
      assert.deepEqual(c.listener.state, ['topic foo', 'partition foo-0', 'config x']);
      await c.client.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('loses nothing committed at a power cut, whatever survives of the unflushed tail (seeded)', async () => {
    const tailKept: number[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const disk = new SimDisk();
      const clock = new SimClock();
      const a = start(disk, clock, '/meta', 2048);
      const appended: string[] = [];
      let committed: string[] = [];
      for (let i = 0; i < 30; i++) {
        const rec = `r${i}-${'x'.repeat(i * 7)}`;
        a.client.scheduleAtomicAppend(1, [rec]);
        appended.push(rec);
        if (i % 4 === 0) {
          await settle(a);
          committed = [...a.listener.state];
          assert.deepEqual(committed, appended);
        }
      }
      if (seed % 2 === 0) {
        assert.equal(a.client.createSnapshot(a.client.highWatermark(), 1, 0, [committed]), true);
      }
      // Appends after the last commit point, never flushed, crossing segment rolls: the power cut
      // may keep any prefix of each file (even a later segment without the end of an earlier one).
      for (let i = 0; i < 12; i++) {
        a.client.scheduleAtomicAppend(1, [`tail${i}`.padEnd(300, 'y')]);
        appended.push(`tail${i}`.padEnd(300, 'y'));
      }
      disk.powerCut(new Prng(seed));

      const b = start(disk, clock, '/meta', 2048);
      await settle(b);
      assert.equal(b.client.leaderAndEpoch().epoch, 2, `seed ${seed}`);
      assert.deepEqual(b.listener.state.slice(0, committed.length), committed, `seed ${seed}`);
      const extra = b.listener.state.slice(committed.length);
      assert.deepEqual(extra, appended.slice(committed.length, committed.length + extra.length), `seed ${seed}: only a prefix of the tail`);
      assert.ok(!b.logger.lines.some((l) => l.level === 'error'), `seed ${seed}`);
      tailKept.push(extra.length);
      await b.client.close();
    }
    // The seeds cover both outcomes: unflushed appends lost, and some surviving.
    assert.ok(tailKept.some((n) => n === 0) && tailKept.some((n) => n > 0), `tail kept per seed: ${tailKept.join(',')}`);
  });

  it('ignores a snapshot without its footer and replays the log instead', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const a = start(disk, clock, '/meta');
    a.client.scheduleAtomicAppend(1, ['a']);
    await settle(a);
    await a.client.close();
    const whole = encodeSnapshot(stringSerde, { offset: 2, epoch: 1 }, 0, [['a']], 0);
    a.store.writeSnapshot({ offset: 2, epoch: 1 }, whole.subarray(0, whole.length - 10));
    const b = start(disk, clock, '/meta');
    await settle(b);
    assert.deepEqual(b.listener.state, ['a']);
    assert.equal(b.listener.snapshots.length, 0);
    assert.ok(b.logger.lines.some((l) => l.level === 'warn' && /snapshot is invalid/.test(l.message)));
  });

  it("writes a snapshot as Kafka's <name>.checkpoint.part first: a write that fails leaves only that, and reopening removes it", async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    const a = start(disk, clock, '/meta');
    await settle(a);
    await a.client.close();
    const write = disk.write.bind(disk);
    disk.write = () => {
      disk.write = write;
      throw Object.assign(new Error('injected'), { code: 'EIO' });
    };
    const snapshot = encodeSnapshot(stringSerde, { offset: 1, epoch: 1 }, 0, [['a']], 0);
    assert.throws(() => a.store.writeSnapshot({ offset: 1, epoch: 1 }, snapshot), { code: 'EIO' });
    const dir = '/meta/__cluster_metadata-0';
    assert.deepEqual(disk.readdir(dir).filter((n) => n.includes('.checkpoint')), ['00000000000000000001-0000000001.checkpoint.part']);
    assert.deepEqual(a.store.snapshots(), []);
    const b = start(disk, clock, '/meta');
    assert.deepEqual(disk.readdir(dir).filter((n) => n.includes('.checkpoint')), []);
    assert.ok(b.logger.lines.some((l) => /partial snapshot/.test(l.message)));
    await b.client.close();
  });
});
