import type { Cancel, Clock, Scheduler } from '../common/index.js';

/** What the driver runs: KafkaRaftClient.poll, or anything polled the same way. */
export interface Pollable {
  /** Does pending work; returns the next deadline (monotonic ms), Infinity for none. */
  poll(nowMs: number): number;
}

/**
 * Runs a poll-driven core on a Scheduler: polls when its deadline comes and soon after wake()
 * (pass `onWake: () => driver.wake()` to the client). At most one poll is scheduled at a time;
 * an exception from poll() stops the driver and goes to `onError` (the process should stop).
 */
export class RaftDriver {
  private target: Pollable | undefined;
  private cancel: Cancel | undefined;
  private scheduledAtMs = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts driving `target` with an immediate poll. */
  start(target: Pollable): void {
    this.target = target;
    this.wake();
  }

  /** Asks for a poll as soon as possible (coalesced with one already due). */
  wake(): void {
    this.scheduleAt(this.clock.monotonicMs());
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private scheduleAt(atMs: number): void {
    if (this.stopped || this.target === undefined || atMs >= this.scheduledAtMs) return;
    this.cancel?.();
    this.scheduledAtMs = atMs;
    this.cancel = this.scheduler.schedule(Math.max(0, atMs - this.clock.monotonicMs()), () => this.run());
  }

  private run(): void {
    this.cancel = undefined;
    this.scheduledAtMs = Number.POSITIVE_INFINITY;
    if (this.stopped || this.target === undefined) return;
    let next: number;
    try {
      next = this.target.poll(this.clock.monotonicMs());
    } catch (err) {
      this.stop();
      this.onError(err);
      return;
    }
    if (Number.isFinite(next)) this.scheduleAt(next);
  }
}
