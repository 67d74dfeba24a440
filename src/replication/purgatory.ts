import { assert } from '../common/index.js';
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
}

/**
 * Delayed operations keyed by partition, completed when a key's state changes
 * (`checkAndComplete`) or expired by one timer heap (`poll(nowMs)`). Sans-IO: the owner drives
 * `poll` from a Scheduler and re-arms with `nextDeadline()`; `onEarlierDeadline` tells it when a
 * new operation needs an earlier wake-up.
 */
export class Purgatory {
  private readonly byKey = new Map<string, Set<Entry>>();
  private readonly heap: Entry[] = [];
  private pending = 0;
  /** Completed entries still in the heap (removed lazily; compacted when they are most of it). */
  private doneInHeap = 0;
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
    const entry: Entry = { op, done: false };
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
    if (this.doneInHeap > 1024 && this.doneInHeap * 2 > this.heap.length) this.compact();
    return n;
  }

  /** Drops completed entries from the heap and restores the heap order. */
  private compact(): void {
    const live = this.heap.filter((e) => !e.done);
    this.heap.length = 0;
    this.doneInHeap = 0;
    for (const e of live) this.push(e);
  }

  /** Expires every operation due at `nowMs`; returns the next deadline (Infinity when none). */
  poll(nowMs: number): number {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return Infinity;
      if (top.done) {
        this.pop();
        continue;
      }
      if (top.op.deadlineMs > nowMs) return top.op.deadlineMs;
      this.finish(top);
      this.pop();
      top.op.forceComplete();
    }
  }

  nextDeadline(): number {
    while (this.heap[0]?.done === true) this.pop();
    return this.heap[0]?.op.deadlineMs ?? Infinity;
  }

  /** Completes everything now (shutdown). */
  completeAll(): void {
    const live = this.heap.filter((e) => !e.done);
    this.heap.length = 0;
    this.doneInHeap = 0;
    for (const e of live) {
      this.finish(e);
      e.op.forceComplete();
    }
    this.doneInHeap = 0;
  }

  private finish(entry: Entry): void {
    if (entry.done) return;
    entry.done = true;
    this.pending--;
    this.doneInHeap++;
    for (const key of entry.op.keys) {
      const set = this.byKey.get(key);
      if (set === undefined) continue;
      set.delete(entry);
      if (set.size === 0) this.byKey.delete(key);
    }
  }

  // ---- binary min-heap on deadline -------------------------------------------------------------

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.op.deadlineMs <= h[i]!.op.deadlineMs) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    assert(top !== undefined, 'pop from an empty heap');
    if (top.done) this.doneInHeap--;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.op.deadlineMs < h[m]!.op.deadlineMs) m = l;
        if (r < h.length && h[r]!.op.deadlineMs < h[m]!.op.deadlineMs) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
