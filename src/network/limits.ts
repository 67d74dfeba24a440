import { parseConnectionsPerIpOverrides } from '../config/index.js';
import type { BrokerConfig } from '../config/index.js';

/** Per-connection bounds (all in one place, DESIGN.md §1.7). */
export interface ConnectionLimits {
  /** Largest request frame (socket.request.max.bytes); larger closes the connection. */
  readonly maxFrameBytes: number;
  /** Requests being handled at once on one connection; 1 is Kafka's mute-while-in-flight. */
  readonly maxInFlightRequests: number;
  /** Complete frames read ahead and waiting to be handled before reading stops. */
  readonly maxQueuedRequests: number;
  /** Bytes of such frames before reading stops. */
  readonly maxQueuedBytes: number;
}

/** Kafka's ConnectionQuotas: checked on every accept; dynamic (cluster-wide) in Kafka, so read anew each time. */
export interface ConnectionQuotaLimits {
  /** Open connections across all listeners (max.connections); more are closed on accept. */
  readonly maxConnections: number;
  /** Open connections from one address (max.connections.per.ip); more are closed on accept. */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides: per-address exceptions, keyed by the address as written. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
}

export interface NetworkLimits extends ConnectionLimits, ConnectionQuotaLimits {
  /** Connections with nothing in flight and no traffic for this long are closed (connections.max.idle.ms). */
  readonly connectionsMaxIdleMs: number;
}

/** Kafka's max.connections defaults to unbounded; every connection costs buffers, so we cap it. */
export const MAX_CONNECTIONS_CEILING = 100_000;

/**
 * Defaults. maxInFlightRequests is 5 because Kafka's Java producer keeps at most 5 requests in
 * flight per connection (max.in.flight.requests.per.connection), librdkafka pipelines more, and the
 * measurements in README.md show that answering a pipelined burst in one write pays; 5 keeps the
 * responses held back for ordering small.
 */
export const DEFAULT_NETWORK_LIMITS: NetworkLimits = Object.freeze({
  maxFrameBytes: 104_857_600,
  maxInFlightRequests: 5,
  maxQueuedRequests: 100,
  maxQueuedBytes: 1_048_576,
  maxConnections: 10_000,
  maxConnectionsPerIp: 0x7fffffff,
  maxConnectionsPerIpOverrides: new Map<string, number>(),
  connectionsMaxIdleMs: 600_000,
});

/** A remote address as the quotas count it: IPv4-mapped IPv6 (::ffff:a.b.c.d) as its IPv4 form, names lower-case. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('::ffff:') && h.includes('.') ? h.slice(7) : h;
}

/** The quota of one address: its override if any (by address, or 'localhost' for loopback), else max.connections.per.ip. */
export function perIpLimit(q: ConnectionQuotaLimits, host: string): number {
  const h = normalizeHost(host);
  const o = q.maxConnectionsPerIpOverrides;
  if (o.size > 0) {
    const direct = o.get(h);
    if (direct !== undefined) return direct;
    if ((h === '127.0.0.1' || h === '::1') && o.has('localhost')) return o.get('localhost')!;
  }
  return q.maxConnectionsPerIp;
}

/** The connection quotas of a (possibly dynamically updated) broker configuration. */
export function connectionQuotasFromConfig(config: BrokerConfig): ConnectionQuotaLimits {
  return {
    maxConnections: Math.min(config.get('max.connections'), MAX_CONNECTIONS_CEILING),
    maxConnectionsPerIp: config.get('max.connections.per.ip'),
    maxConnectionsPerIpOverrides: parseConnectionsPerIpOverrides(config.get('max.connections.per.ip.overrides')),
  };
}

/**
 * Limits from a broker's configuration, by Kafka's names. queued.max.requests bounds the requests
 * read ahead on one connection (Kafka bounds its shared request queue with it; Node has one thread
 * and no shared queue).
 */
export function networkLimitsFromConfig(config: BrokerConfig, overrides: Partial<NetworkLimits> = {}): NetworkLimits {
  return {
    ...DEFAULT_NETWORK_LIMITS,
    ...connectionQuotasFromConfig(config),
    maxFrameBytes: config.get('socket.request.max.bytes'),
    maxQueuedRequests: config.get('queued.max.requests'),
    connectionsMaxIdleMs: config.get('connections.max.idle.ms'),
    ...overrides,
  };
}
