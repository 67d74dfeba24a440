import { MAX_DELAYED_OPERATIONS } from './limits.js';

/** Empty watcher lists kept for reuse (one per partition that had a waiting request, at most). */
const EMPTY_LISTS_KEPT = 1024;

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
 *
 * Watchers of a key are an array, not a Set: a consumer at the log end parks and completes once per
 * record, and a Set cost a hash table per park plus a shrunk copy on every delete. Removal is a
 * linear search of the key's watchers, which `checkAndComplete` (the path that completes many at
 * once) avoids by compacting its key's list in one pass. A key's list stays when it empties (a
 * Map delete shrinks the table, the next park grows it again), up to EMPTY_LISTS_KEPT of them.
 */
export class Purgatory {
  /** Operations watching each key, oldest first. */
  private readonly byKey = new Map<string, Entry[]>();
  /** Lists in `byKey` that are empty. */
  private emptyLists = 0;
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
      const list = this.byKey.get(key);
      if (list === undefined) {
        this.byKey.set(key, [entry]);
        continue;
      }
      if (list.length === 0) this.emptyLists--;
      list.push(entry);
    }
    const earlier = this.heap.length === 0 || op.deadlineMs < this.heap[0]!.op.deadlineMs;
    this.push(entry);
    this.pending++;
    if (earlier) this.onEarlierDeadline?.(op.deadlineMs);
  }

  /** A key changed: tries every operation watching it. Returns how many completed. */
  checkAndComplete(key: string): number {
    const list = this.byKey.get(key);
    if (list === undefined || list.length === 0) return 0;
    if (list.length === 1) {
      // The common case (one consumer or follower per partition), without a copy.
      const entry = list[0]!;
      if (entry.done || !entry.op.tryComplete()) return 0;
      this.finish(entry);
      return 1;
    }
    let n = 0;
    // A copy: completing an operation may add watchers of this key or remove them.
    for (const entry of list.slice()) {
      if (entry.done || !entry.op.tryComplete()) continue;
      this.finish(entry, key);
      n++;
    }
    if (n > 0) this.dropCompleted(key);
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

  /** Takes `entry` out of the heap and its keys' watchers (except `compactedLater`'s: see dropCompleted). */
  private finish(entry: Entry, compactedLater?: string): void {
    if (entry.done) return;
    entry.done = true;
    this.pending--;
    this.remove(entry);
    for (const key of entry.op.keys) {
      if (key === compactedLater) continue;
      const list = this.byKey.get(key);
      const i = list === undefined ? -1 : list.indexOf(entry);
      if (i < 0) continue;
      // Not splice(): it returns an array of what it removed.
      list!.copyWithin(i, i + 1);
      list!.pop();
      if (list!.length === 0) this.listEmptied();
    }
  }

  /** Removes the completed operations from `key`'s watchers in one pass. */
  private dropCompleted(key: string): void {
    const list = this.byKey.get(key);
    if (list === undefined) return;
    let kept = 0;
    for (const entry of list) if (!entry.done) list[kept++] = entry;
    if (kept === list.length) return;
    list.length = kept;
    if (kept === 0) this.listEmptied();
  }

  private listEmptied(): void {
    if (++this.emptyLists <= EMPTY_LISTS_KEPT) return;
    for (const [key, list] of this.byKey) if (list.length === 0) this.byKey.delete(key);
    this.emptyLists = 0;
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
