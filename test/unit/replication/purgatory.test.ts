import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Purgatory } from '../../../src/replication/index.js';
import type { DelayedOperation } from '../../../src/replication/index.js';

class Op implements DelayedOperation {
  ready = false;
  outcome: 'completed' | 'expired' | undefined;
  constructor(
    readonly deadlineMs: number,
    readonly keys: readonly string[],
  ) {}
  tryComplete(): boolean {
    if (this.outcome !== undefined) return true;
    if (!this.ready) return false;
    this.outcome = 'completed';
    return true;
  }
  forceComplete(): void {
    this.outcome ??= 'expired';
  }
}

describe('Purgatory', () => {
  it('completes watched operations on key changes and expires the rest in deadline order', () => {
    const p = new Purgatory();
    const wakeups: number[] = [];
    p.onEarlierDeadline = (d) => wakeups.push(d);
    const a = new Op(100, ['x']);
    const b = new Op(50, ['x', 'y']);
    const c = new Op(200, ['y']);
    for (const op of [a, b, c]) p.tryCompleteElseWatch(op);
    assert.deepEqual(wakeups, [100, 50]);
    assert.equal(p.size, 3);
    b.ready = true;
    assert.equal(p.checkAndComplete('y'), 1);
    assert.equal(b.outcome, 'completed');
    assert.equal(p.checkAndComplete('x'), 0);
    assert.equal(p.poll(99), 100);
    assert.equal(p.poll(150), 200);
    assert.equal(a.outcome, 'expired');
    assert.equal(p.size, 1);
    p.completeAll();
    assert.equal(c.outcome, 'expired');
    assert.equal(p.size, 0);
    assert.equal(p.nextDeadline(), Infinity);
  });

  it('completes at once what is ready, and keeps its heap small when operations complete early', () => {
    const p = new Purgatory();
    const now = new Op(10, ['k']);
    now.ready = true;
    p.tryCompleteElseWatch(now);
    assert.equal(p.size, 0);
    for (let i = 0; i < 5000; i++) {
      const op = new Op(1_000_000 + i, ['k']);
      p.tryCompleteElseWatch(op);
      op.ready = true;
      p.checkAndComplete('k');
    }
    assert.equal(p.size, 0);
    // a completed operation leaves the deadline heap at once: nothing holds it until its deadline
    assert.equal((p as unknown as { heap: unknown[] }).heap.length, 0, 'completed entries leave the heap');
    assert.equal(p.poll(Number.MAX_SAFE_INTEGER), Infinity);
  });

  it('expires exactly the operations past their deadline, in order, whatever completed in between (randomized)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const p = new Purgatory();
      const ops: Op[] = [];
      const expiredOrder: number[] = [];
      let now = 0;
      for (let step = 0; step < 2000; step++) {
        const action = rnd(10);
        if (action < 5) {
          const op = new Op(now + 1 + rnd(500), [`k${rnd(4)}`]);
          const force = op.forceComplete.bind(op);
          op.forceComplete = () => {
            if (op.outcome === undefined) expiredOrder.push(op.deadlineMs);
            force();
          };
          ops.push(op);
          p.tryCompleteElseWatch(op);
        } else if (action < 8) {
          const waiting = ops.filter((o) => o.outcome === undefined);
          if (waiting.length > 0) waiting[rnd(waiting.length)]!.ready = true;
          p.checkAndComplete(`k${rnd(4)}`);
        } else {
          now += rnd(100);
          const before = expiredOrder.length;
          const next = p.poll(now);
          for (const o of ops) if (o.outcome === undefined) assert.ok(o.deadlineMs > now, 'a due operation was left waiting');
          const fresh = expiredOrder.slice(before);
          assert.deepEqual(fresh, [...fresh].sort((a, b) => a - b), 'expired in deadline order');
          const waiting = ops.filter((o) => o.outcome === undefined);
          assert.equal(p.size, waiting.length);
          assert.equal(next, waiting.length === 0 ? Infinity : Math.min(...waiting.map((o) => o.deadlineMs)));
          assert.equal((p as unknown as { heap: unknown[] }).heap.length, waiting.length);
        }
      }
    }
  });

  it('checks every watcher of a key exactly while it waits: several per key, several keys per operation, many keys (randomized)', () => {
    let seed = 777;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const p = new Purgatory();
    const waiting = new Set<Op>();
    let checks = 0;
    // Past 2000 distinct keys, so emptied watcher lists are swept too.
    for (let step = 0; step < 30_000; step++) {
      const key = `k${step < 20_000 ? rnd(3000) : rnd(5)}`;
      if (rnd(2) === 0) {
        const keys = [key, ...(rnd(3) === 0 ? [`k${rnd(5)}`] : [])];
        const op = new Op(Number.MAX_SAFE_INTEGER, [...new Set(keys)]);
        const tryComplete = op.tryComplete.bind(op);
        op.tryComplete = () => {
          assert.equal(op.outcome, undefined, 'a completed operation is not checked again');
          checks++;
          return tryComplete();
        };
        p.tryCompleteElseWatch(op);
        waiting.add(op);
      } else {
        for (const op of waiting) if (rnd(3) === 0) op.ready = true;
        const due = [...waiting].filter((o) => o.ready && o.keys.includes(key));
        const before = checks;
        assert.equal(p.checkAndComplete(key), due.length);
        assert.equal(checks - before, [...waiting].filter((o) => o.keys.includes(key)).length, 'every watcher checked once');
        for (const op of due) {
          assert.equal(op.outcome, 'completed');
          waiting.delete(op);
        }
        assert.equal(p.size, waiting.size);
      }
    }
  });
});
