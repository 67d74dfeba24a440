import type { Cancel, Clock, Logger, Scheduler, SocketAddress, Transport, TransportListener, TransportSocket } from '../common/index.js';
import { Connection } from './connection.js';
import type { RequestSink } from './connection.js';
import { normalizeHost, perIpLimit } from './limits.js';
import type { ConnectionQuotaLimits, NetworkLimits } from './limits.js';

export interface ListenerSpec {
  /** Kafka's listener name (PLAINTEXT, INTERNAL, ...). */
  readonly name: string;
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
}

export interface SocketServerOptions {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly limits: NetworkLimits;
  /**
   * The connection quotas now (max.connections, max.connections.per.ip and its overrides are
   * dynamic in Kafka); read on every accept. Without it, `limits` holds them.
   */
  readonly quotas?: () => ConnectionQuotaLimits;
  readonly sink: RequestSink;
}

export interface BoundListener {
  readonly name: string;
  readonly address: SocketAddress;
}

/** How often idle connections are looked for, at most (Kafka checks on every poll; we sweep). */
const IDLE_SWEEP_MAX_INTERVAL_MS = 10_000;

/**
 * Accepts connections on every listener and owns them: enforces max.connections, closes idle
 * connections, and shuts everything down in bounded time.
 */
export class SocketServer {
  private readonly listeners: { name: string; listener: TransportListener }[] = [];
  private readonly connections = new Set<Connection>();
  /** Open connections per remote address (normalized), for max.connections.per.ip. */
  private readonly perIp = new Map<string, number>();
  private nextConnectionIndex = 0;
  private stopping = false;
  private cancelSweep: Cancel | undefined;
  private readonly gone = new Set<() => void>();

  constructor(private readonly options: SocketServerOptions) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  get boundListeners(): BoundListener[] {
    return this.listeners.map((l) => ({ name: l.name, address: l.listener.address }));
  }

  /** Binds every listener; if one fails, the ones already bound are closed and the error is thrown. */
  async start(specs: readonly ListenerSpec[]): Promise<BoundListener[]> {
    try {
      for (const spec of specs) {
        const listener = await this.options.transport.listen({ host: spec.host, port: spec.port }, (s) => this.accept(spec.name, s));
        this.listeners.push({ name: spec.name, listener });
        this.options.logger.info('listening', { listener: spec.name, host: listener.address.host, port: listener.address.port });
      }
    } catch (e) {
      await this.close(0);
      throw e;
    }
    this.scheduleSweep();
    return this.boundListeners;
  }

  /**
   * Stops accepting, closes every connection (flushing responses already complete), and destroys
   * those still open after `graceMs`. Resolves when every socket is gone.
   */
  async close(graceMs = 1_000): Promise<void> {
    if (this.stopping) return this.allGone();
    this.stopping = true;
    this.cancelSweep?.();
    // Listeners stop accepting at once, but (with node:net) report closed only after their
    // accepted sockets are gone, so the connections are closed before that is awaited.
    const listenersClosed = this.closeListeners();
    for (const c of this.connections) c.close({ kind: 'shutdown' });
    const cancel = this.options.scheduler.schedule(graceMs, () => {
      for (const c of this.connections) c.destroy();
    });
    await this.allGone();
    cancel();
    await listenersClosed;
  }

  private allGone(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.gone.add(resolve));
  }

  private async closeListeners(): Promise<void> {
    const ls = this.listeners.splice(0);
    await Promise.all(ls.map((l) => l.listener.close()));
  }

  private accept(listenerName: string, socket: TransportSocket): void {
    const { limits, logger } = this.options;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const quotas = this.options.quotas?.() ?? limits;
    if (this.connections.size >= quotas.maxConnections) {
      // Kafka's acceptor stops accepting at max.connections; closing at once keeps the backlog
      // from filling with sockets nobody will serve, and the client retries with backoff.
      logger.warn('rejecting connection: max.connections reached', {
        listener: listenerName,
        remote: `${socket.remote.host}:${socket.remote.port}`,
        maxConnections: quotas.maxConnections,
      });
      socket.destroy();
      return;
    }
    const ip = normalizeHost(socket.remote.host);
    const fromIp = this.perIp.get(ip) ?? 0;
    const perIp = perIpLimit(quotas, ip);
    if (fromIp >= perIp) {
      // Kafka's ConnectionQuotas.inc throws TooManyConnectionsException; its acceptor logs this and closes.
      logger.info(`Rejected connection from ${ip}, address already has the configured maximum of ${perIp} connections.`, { listener: listenerName });
      socket.destroy();
      return;
    }
    this.perIp.set(ip, fromIp + 1);
    const id = `${socket.local.host}:${socket.local.port}-${socket.remote.host}:${socket.remote.port}-${this.nextConnectionIndex++}`;
    const c = new Connection(id, listenerName, socket, limits, this.options.sink, logger, this.options.clock, (x) => this.forget(x, ip));
    this.connections.add(c);
    c.start();
  }

  private forget(c: Connection, ip: string): void {
    if (!this.connections.delete(c)) return;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
    if (this.connections.size === 0) {
      for (const resolve of this.gone) resolve();
      this.gone.clear();
    }
  }

  private scheduleSweep(): void {
    const idleMs = this.options.limits.connectionsMaxIdleMs;
    if (idleMs <= 0 || this.stopping) return;
    const interval = Math.max(1, Math.min(IDLE_SWEEP_MAX_INTERVAL_MS, Math.ceil(idleMs / 2)));
    this.cancelSweep = this.options.scheduler.schedule(interval, () => {
      this.sweepIdle();
      this.scheduleSweep();
    });
  }

  /** Closes connections that have had no traffic for connections.max.idle.ms and nothing in flight. */
  sweepIdle(): number {
    const now = this.options.clock.monotonicMs();
    let closed = 0;
    for (const c of this.connections) {
      if (c.closed === undefined && c.inFlightCount === 0 && c.idleMs(now) >= this.options.limits.connectionsMaxIdleMs) {
        c.close({ kind: 'idle' });
        closed++;
      }
    }
    return closed;
  }
}
