/**
 * Kafka's coordinator Timer, sans IO: tasks by key (scheduling a key again replaces its task,
 * cancel removes it), run by `poll(nowMs)` in deadline order. `onEarlierDeadline` tells the driver
 * to re-arm its one real timer when a task is due before the current earliest.
 */
export class KeyedTimer {
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
    let min = Number.POSITIVE_INFINITY;
    for (const t of this.tasks.values()) if (t.deadlineMs < min) min = t.deadlineMs;
    return min;
  }

  /** Runs due tasks (ones they schedule for `nowMs` or earlier run too); returns the next deadline. */
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
