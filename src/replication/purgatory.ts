import { MAX_DELAYED_OPERATIONS } from './limits.js';

/**
 * An operation waiting for a condition (bytes to fetch, a high watermark to reach) or its
 * deadline, whichever comes first: Kafka's DelayedOperation.
 */
export interface DelayedOperation {
  /** Monotonic deadline. */
  readonly deadlineMs: number;
  /** Keys (partitions) whose changes may complete it. */
  readonly keys: readonly string[];
  /** Checks the condition; completes (and returns true) when met. Called on every change of a key. */
  tryComplete(): boolean;
  /** Completes on expiry (or shutdown), whatever the condition. */
  forceComplete(): void;
}

interface Entry {
  readonly op: DelayedOperation;
  done: boolean;
  /** Index in the deadline heap; -1 once out of it. */
  pos: number;
}

/**
 * Delayed operations keyed by partition, completed when a key's state changes
 * (`checkAndComplete`) or expired by one timer heap (`poll(nowMs)`). Sans-IO: the owner drives
 * `poll` from a Scheduler and re-arms with `nextDeadline()`; `onEarlierDeadline` tells it when a
 * new operation needs an earlier wake-up. A completed operation leaves the heap at once (as Kafka
 * cancels its timer task): kept there until its deadline, every answered long poll would hold its
 * request and results for fetch.max.wait.ms, long enough for the GC to promote them all.
 */
export class Purgatory {
  private readonly byKey = new Map<string, Set<Entry>>();
  private readonly heap: Entry[] = [];
  private pending = 0;
  onEarlierDeadline: ((deadlineMs: number) => void) | undefined;

  /** Operations waiting. */
  get size(): number {
    return this.pending;
  }

  /**
   * Completes `op` at once if its condition holds, otherwise parks it. Past the bound the operation
   * completes at once with whatever it has (never an unbounded queue).
   */
  tryCompleteElseWatch(op: DelayedOperation): void {
    if (op.tryComplete()) return;
    if (this.pending >= MAX_DELAYED_OPERATIONS) {
      op.forceComplete();
      return;
    }
    const entry: Entry = { op, done: false, pos: -1 };
    for (const key of op.keys) {
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, (set = new Set()));
      set.add(entry);
    }
    const earlier = this.heap.length === 0 || op.deadlineMs < this.heap[0]!.op.deadlineMs;
    this.push(entry);
    this.pending++;
    if (earlier) this.onEarlierDeadline?.(op.deadlineMs);
  }

  /** A key changed: tries every operation watching it. Returns how many completed. */
  checkAndComplete(key: string): number {
    const set = this.byKey.get(key);
    if (set === undefined) return 0;
    let n = 0;
    for (const entry of [...set]) {
      if (entry.done) {
        set.delete(entry);
        continue;
      }
      if (entry.op.tryComplete()) {
        this.finish(entry);
        n++;
      }
    }
    if (set.size === 0) this.byKey.delete(key);
    return n;
  }

  /** Expires every operation due at `nowMs`; returns the next deadline (Infinity when none). */
  poll(nowMs: number): number {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return Infinity;
      if (top.op.deadlineMs > nowMs) return top.op.deadlineMs;
      this.finish(top);
      top.op.forceComplete();
    }
  }

  nextDeadline(): number {
    return this.heap[0]?.op.deadlineMs ?? Infinity;
  }

  /** Completes everything now (shutdown). */
  completeAll(): void {
    const live = [...this.heap];
    for (const e of live) {
      this.finish(e);
      e.op.forceComplete();
    }
  }

  private finish(entry: Entry): void {
    if (entry.done) return;
    entry.done = true;
    this.pending--;
    this.remove(entry);
    for (const key of entry.op.keys) {
      const set = this.byKey.get(key);
      if (set === undefined) continue;
      set.delete(entry);
      if (set.size === 0) this.byKey.delete(key);
    }
  }

  // ---- binary min-heap on deadline, entries knowing their index --------------------------------

  private push(e: Entry): void {
    e.pos = this.heap.length;
    this.heap.push(e);
    this.siftUp(e.pos);
  }

  private remove(e: Entry): void {
    const h = this.heap;
    const i = e.pos;
    if (i < 0) return;
    e.pos = -1;
    const last = h.pop()!;
    if (last === e) return;
    h[i] = last;
    last.pos = i;
    this.siftDown(i);
    this.siftUp(last.pos);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.op.deadlineMs <= e.op.deadlineMs) break;
      h[i] = parent;
      parent.pos = i;
      i = p;
    }
    h[i] = e;
    e.pos = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.op.deadlineMs < h[l]!.op.deadlineMs ? r : l;
      const child = h[c]!;
      if (child.op.deadlineMs >= e.op.deadlineMs) break;
      h[i] = child;
      child.pos = i;
      i = c;
    }
    h[i] = e;
    e.pos = i;
  }
}
