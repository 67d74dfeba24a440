import type { Clock, Logger, Scheduler, SocketAddress, TransportSocket } from '../common/index.js';

/**
 * Opens outbound sockets. The client never touches node:net itself: the real connector
 * (src/platform's TcpTransport) is wired in by the package entry, a simulated one by tests.
 */
export interface Connector {
  /** Resolves with an unstarted socket; rejects on refusal or after `timeoutMs`. */
  connect(address: SocketAddress, timeoutMs: number): Promise<TransportSocket>;
}

/** Everything the client needs from the outside world, injected. */
export interface ClientEnv {
  readonly connector: Connector;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Uniform in [0, 1): the sticky partitioner's choices, backoff jitter. */
  readonly random: () => number;
}

/** Resolves after `ms` on the injected scheduler. */
export function delay(env: ClientEnv, ms: number): Promise<void> {
  return new Promise((resolve) => {
    env.scheduler.schedule(ms, resolve);
  });
}
