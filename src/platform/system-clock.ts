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

/** Real timers; unref'd so a pending housekeeping timer never keeps the process alive. */
export class SystemScheduler implements Scheduler {
  schedule(delayMs: number, fn: () => void): Cancel {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return () => clearTimeout(t);
  }
}
