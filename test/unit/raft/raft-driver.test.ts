import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Cancel, Scheduler } from '../../../src/common/index.js';
import { KafkaRaftClient, MemoryQuorumStateStore, MemoryRaftLog, RaftDriver } from '../../../src/raft/index.js';
import type { RaftLog } from '../../../src/raft/index.js';
import { SimClock } from '../../../src/testkit/index.js';
import { RecordingListener, captureLogger, stringSerde, turn } from './helpers.js';

/** Runs scheduled callbacks when the test says so, in due order. */
class ManualScheduler implements Scheduler {
  private tasks: Array<{ dueMs: number; fn: () => void; cancelled: boolean }> = [];
  constructor(private readonly clock: SimClock) {}
  schedule(delayMs: number, fn: () => void): Cancel {
    const task = { dueMs: this.clock.monotonicMs() + delayMs, fn, cancelled: false };
    this.tasks.push(task);
    return () => void (task.cancelled = true);
  }
  get pending(): number {
    return this.tasks.filter((t) => !t.cancelled).length;
  }
  runDue(): number {
    let n = 0;
    for (;;) {
      const due = this.tasks.filter((t) => !t.cancelled && t.dueMs <= this.clock.monotonicMs());
      if (due.length === 0) return n;
      this.tasks = this.tasks.filter((t) => !due.includes(t));
      for (const t of due) {
        t.fn();
        n++;
      }
    }
  }
}

function client(log: RaftLog, clock: SimClock, driver: RaftDriver): KafkaRaftClient<string> {
  return new KafkaRaftClient<string>({
    nodeId: 1,
    voters: [1],
    log,
    quorumStateStore: new MemoryQuorumStateStore(),
    serde: stringSerde,
    clock,
    logger: captureLogger(),
    onWake: () => driver.wake(),
  });
}

describe('RaftDriver', () => {
  it('polls at start and after every wake, one poll scheduled at a time', async () => {
    const clock = new SimClock();
    const scheduler = new ManualScheduler(clock);
    const errors: unknown[] = [];
    const driver = new RaftDriver(scheduler, clock, (e) => errors.push(e));
    const log = new MemoryRaftLog();
    const c = client(log, clock, driver);
    const l = new RecordingListener();
    c.register(l);
    c.initialize();
    driver.start(c);
    driver.wake();
    assert.equal(scheduler.pending, 1, 'wakes coalesce');
    for (let i = 0; i < 10 && c.highWatermark() < 1; i++) {
      scheduler.runDue();
      await turn();
    }
    scheduler.runDue();
    assert.equal(c.highWatermark(), 1);
    c.scheduleAtomicAppend(1, ['a']);
    for (let i = 0; i < 10 && l.state.length === 0; i++) {
      await turn();
      scheduler.runDue();
    }
    assert.deepEqual(l.state, ['a']);
    assert.deepEqual(errors, []);
    driver.stop();
    assert.equal(scheduler.pending, 0);
  });

  it('stops and reports when the log cannot flush (the quorum cannot commit on a broken disk)', async () => {
    const clock = new SimClock();
    const scheduler = new ManualScheduler(clock);
    const errors: unknown[] = [];
    const driver = new RaftDriver(scheduler, clock, (e) => errors.push(e));
    const inner = new MemoryRaftLog();
    const broken: RaftLog = Object.create(inner) as RaftLog;
    broken.flush = () => Promise.reject(new Error('EIO: fdatasync failed'));
    const c = client(broken, clock, driver);
    c.initialize();
    driver.start(c);
    for (let i = 0; i < 10 && errors.length === 0; i++) {
      scheduler.runDue();
      await turn();
    }
    scheduler.runDue();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /EIO/);
    assert.equal(c.highWatermark(), 0, 'nothing committed');
    assert.equal(scheduler.pending, 0, 'the driver stopped');
  });
});
