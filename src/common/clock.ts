/**
 * Time, injected: only src/platform reads the real clock or arms real timers, so simulation
 * can run the same code on a SimClock.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (record timestamps, retention). */
  nowMs(): number;
  /** Monotonic milliseconds from an arbitrary origin (durations, deadlines). */
  monotonicMs(): number;
}

/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

export interface Scheduler {
  /** Runs `fn` once after `delayMs` (monotonic). */
  schedule(delayMs: number, fn: () => void): Cancel;
}
