interface Task {
  readonly deadlineMs: number;
  readonly seq: number;
  readonly run: () => void;
}

/** A heap entry: the task of `key` scheduled as number `seq` (stale once the key is cancelled or rescheduled). */
interface Entry {
  readonly deadlineMs: number;
  readonly seq: number;
  readonly key: string;
}

const before = (a: Entry, b: Entry): boolean => a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.seq < b.seq);

/**
 * Kafka's coordinator Timer, sans IO: tasks by key (scheduling a key again replaces its task,
 * cancel removes it), run by `poll(nowMs)` in deadline order (ties: scheduling order).
 * `onEarlierDeadline` tells the driver to re-arm its one real timer when a task is due before the
 * current earliest.
 *
 * Tasks sit in a min-heap by (deadline, scheduling order), so scheduling (every heartbeat does) and
 * finding the earliest task cost O(log n). Cancelled and replaced tasks leave their entries behind,
 * dropped when they surface; the heap is rebuilt when they outnumber the live tasks.
 */
export class KeyedTimer {
  private readonly tasks = new Map<string, Task>();
  private heap: Entry[] = [];
  private seq = 0;
  onEarlierDeadline: ((deadlineMs: number) => void) | undefined;

  schedule(key: string, deadlineMs: number, run: () => void): void {
    const earliest = this.nextDeadline();
    const seq = this.seq++;
    this.tasks.set(key, { deadlineMs, seq, run });
    this.push({ deadlineMs, seq, key });
    if (deadlineMs < earliest) this.onEarlierDeadline?.(deadlineMs);
  }

  cancel(key: string): void {
    this.tasks.delete(key);
  }

  has(key: string): boolean {
    return this.tasks.has(key);
  }

  /** Cancels every task whose key starts with `prefix`. */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.tasks.keys()]) if (key.startsWith(prefix)) this.tasks.delete(key);
  }

  get size(): number {
    return this.tasks.size;
  }

  nextDeadline(): number {
    return this.top()?.deadlineMs ?? Number.POSITIVE_INFINITY;
  }

  /** Runs due tasks (ones they schedule for `nowMs` or earlier run too); returns the next deadline. */
  poll(nowMs: number): number {
    for (;;) {
      const due = this.top();
      if (due === undefined || due.deadlineMs > nowMs) return due?.deadlineMs ?? Number.POSITIVE_INFINITY;
      this.pop();
      const task = this.tasks.get(due.key)!;
      this.tasks.delete(due.key);
      task.run();
    }
  }

  /** The earliest live entry (stale entries above it are dropped). */
  private top(): Entry | undefined {
    for (;;) {
      const e = this.heap[0];
      if (e === undefined || this.tasks.get(e.key)?.seq === e.seq) return e;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    if (this.heap.length >= 2 * this.tasks.size + 32) {
      // Mostly stale entries: rebuild from the live tasks, `entry`'s among them (a sorted array is a heap).
      this.heap = [...this.tasks].map(([key, t]) => ({ deadlineMs: t.deadlineMs, seq: t.seq, key })).sort((x, y) => (before(x, y) ? -1 : 1));
      return;
    }
    const h = this.heap;
    let i = h.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < h.length && before(h[l]!, h[min]!)) min = l;
      if (r < h.length && before(h[r]!, h[min]!)) min = r;
      if (min === i) return;
      [h[i], h[min]] = [h[min]!, h[i]!];
      i = min;
    }
  }
}
