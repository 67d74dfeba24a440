/**
 * Bounded waits for the integration and compat tests (no sleeps: wait on a condition, fail after a
 * bound with what was awaited and, where given, the state that did not satisfy it).
 */

/** Polls `cond` every 50 ms; fails after `timeoutMs` with `what` and the `details()` snapshot. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, details?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${details === undefined ? '' : `: ${details()}`}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Like waitFor for an async probe (errors count as "not yet"). Returns the probe's last value. */
export async function waitForAsync<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await within(what, Math.max(1000, deadline - Date.now()), probe());
      if (ok(v)) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `p`, or a clear failure if it takes longer than `ms` (a client call that hangs must not hang the
 * test). `what` may be a function, read when the time is up (e.g. "got 3 of 5 records").
 */
export async function within<T>(what: string | (() => string), ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === 'string' ? what : what()} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True if `cond` stays true for `ms` (an observation window, e.g. "no rebalance happens"). */
export async function holdsFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!cond()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}
