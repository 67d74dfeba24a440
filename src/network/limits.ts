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

export interface NetworkLimits extends ConnectionLimits {
  /** Open connections across all listeners (max.connections); more are closed on accept. */
  readonly maxConnections: number;
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
  connectionsMaxIdleMs: 600_000,
});

/**
 * Limits from a broker's configuration, by Kafka's names. queued.max.requests bounds the requests
 * read ahead on one connection (Kafka bounds its shared request queue with it; Node has one thread
 * and no shared queue).
 */
export function networkLimitsFromConfig(config: BrokerConfig, overrides: Partial<NetworkLimits> = {}): NetworkLimits {
  const maxConnections = config.get('max.connections');
  return {
    ...DEFAULT_NETWORK_LIMITS,
    maxFrameBytes: config.get('socket.request.max.bytes'),
    maxQueuedRequests: config.get('queued.max.requests'),
    maxConnections: Math.min(maxConnections, MAX_CONNECTIONS_CEILING),
    connectionsMaxIdleMs: config.get('connections.max.idle.ms'),
    ...overrides,
  };
}
