import { performance } from 'node:perf_hooks';
import type { Cancel, Clock, Scheduler } from '../common/index.js';

/** The machine's clocks. */
export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
  monotonicMs(): number {
    return performance.now();
  }
}

/**
 * Real timers; unref'd by default so a pending housekeeping timer never keeps the process alive.
 * Clients pass `keepAlive: true`: a retry backoff or linger wait is work the caller awaits.
 */
export class SystemScheduler implements Scheduler {
  constructor(private readonly options: { keepAlive?: boolean } = {}) {}

  schedule(delayMs: number, fn: () => void): Cancel {
    const t = setTimeout(fn, Math.max(0, delayMs));
    if (this.options.keepAlive !== true) t.unref();
    return () => clearTimeout(t);
  }
}
