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
    assert.ok((p as unknown as { heap: unknown[] }).heap.length <= 2048, 'completed entries are compacted away');
    assert.equal(p.poll(Number.MAX_SAFE_INTEGER), Infinity);
  });
});
