import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedTimer } from '../../../src/coordinator/index.js';
import { Prng } from '../../../src/testkit/index.js';

/** The plain model: every lookup scans all tasks for the earliest (deadline, scheduling order). */
class ScanTimer {
  private readonly tasks = new Map<string, { deadlineMs: number; seq: number; run: () => void }>();
  private seq = 0;
  onEarlierDeadline: ((deadlineMs: number) => void) | undefined;

  schedule(key: string, deadlineMs: number, run: () => void): void {
    const before = this.nextDeadline();
    this.tasks.set(key, { deadlineMs, seq: this.seq++, run });
    if (deadlineMs < before) this.onEarlierDeadline?.(deadlineMs);
  }

  cancel(key: string): void {
    this.tasks.delete(key);
  }

  cancelPrefix(prefix: string): void {
    for (const key of [...this.tasks.keys()]) if (key.startsWith(prefix)) this.tasks.delete(key);
  }

  get size(): number {
    return this.tasks.size;
  }

  nextDeadline(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const t of this.tasks.values()) if (t.deadlineMs < min) min = t.deadlineMs;
    return min;
  }

  poll(nowMs: number): number {
    for (;;) {
      let due: [string, { deadlineMs: number; seq: number; run: () => void }] | undefined;
      for (const entry of this.tasks) {
        const t = entry[1];
        if (t.deadlineMs > nowMs) continue;
        if (due === undefined || t.deadlineMs < due[1].deadlineMs || (t.deadlineMs === due[1].deadlineMs && t.seq < due[1].seq)) due = entry;
      }
      if (due === undefined) return this.nextDeadline();
      this.tasks.delete(due[0]);
      due[1].run();
    }
  }
}

type AnyTimer = KeyedTimer | ScanTimer;

test('KeyedTimer runs, replaces and cancels tasks exactly as a full scan would', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const prng = new Prng(seed);
    const logs: string[][] = [[], []];
    const timers: AnyTimer[] = [new KeyedTimer(), new ScanTimer()];
    timers.forEach((t, i) => (t.onEarlierDeadline = (d) => logs[i]!.push(`earlier ${d}`)));
    let now = 0;
    // A task may schedule another (due now or later), as coordinator tasks do.
    const task = (timer: AnyTimer, log: string[], key: string, follow: number) => () => {
      log.push(`run ${key}`);
      if (follow >= 0) timer.schedule(`${key}+`, now + follow, task(timer, log, `${key}+`, -1));
    };
    for (let step = 0; step < 2000; step++) {
      const op = prng.nextInt(10);
      const key = `k${prng.nextInt(3)}-${prng.nextInt(12)}`;
      const deadline = now + prng.nextInt(1000);
      const follow = prng.chance(0.2) ? prng.nextInt(3) : -1;
      const prefix = `k${prng.nextInt(3)}-`;
      const cancelMany = prng.chance(0.1);
      const advance = prng.nextInt(60);
      const results = timers.map((t, i) => {
        const log = logs[i]!;
        if (op < 6) t.schedule(key, deadline, task(t, log, key, follow));
        else if (op === 6) t.cancel(key);
        else if (op === 7 && cancelMany) t.cancelPrefix(prefix);
        else if (op >= 8) log.push(`next ${t.poll(now + advance)}`);
        return [t.size, t.nextDeadline()];
      });
      if (op >= 8) now += advance;
      assert.deepEqual(results[0], results[1], `seed ${seed} step ${step}`);
    }
    assert.deepEqual(logs[0], logs[1], `seed ${seed}`);
  }
});
