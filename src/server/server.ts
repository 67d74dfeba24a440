import { NOOP_LOGGER } from '../common/index.js';
import type { Clock, Logger, Scheduler, SocketAddress, Transport } from '../common/index.js';
import { DEFAULT_NETWORK_LIMITS, SocketServer } from '../network/index.js';
import type { BoundListener, ConnectionQuotaLimits, NetworkLimits } from '../network/index.js';
import { SystemClock, SystemScheduler, TcpTransport } from '../platform/index.js';
import type { ApiHandler } from './handler.js';
import { HandlerRegistry } from './handler-registry.js';
import { RequestPipeline } from './request-pipeline.js';

export interface ServerListener {
  /** Kafka's listener name; PLAINTEXT when omitted. */
  readonly name?: string;
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
}

export interface ServerOptions {
  readonly listeners: readonly ServerListener[];
  readonly handlers: readonly ApiHandler[];
  readonly logger?: Logger;
  /** socket.request.max.bytes; overrides `limits.maxFrameBytes`. */
  readonly maxFrameBytes?: number;
  readonly limits?: Partial<NetworkLimits>;
  /** The connection quotas now (dynamic broker configs); `limits` holds them when absent. */
  readonly quotas?: () => ConnectionQuotaLimits;
  /** How long close() lets connections flush before destroying them. */
  readonly shutdownGraceMs?: number;
  /** Injected for simulation; real TCP, clocks and timers by default. */
  readonly transport?: Transport;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
}

export interface RunningServer {
  /** Bound addresses, in the order of `listeners` (real ports when 0 was asked for). */
  readonly addresses: readonly SocketAddress[];
  readonly listeners: readonly BoundListener[];
  readonly registry: HandlerRegistry;
  readonly connectionCount: number;
  /** Stops accepting and closes every connection; resolves when all are gone. */
  close(): Promise<void>;
}

/** Starts a Kafka-protocol server running the given handlers on the given listeners. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? NOOP_LOGGER;
  const registry = new HandlerRegistry(options.handlers);
  const limits: NetworkLimits = {
    ...DEFAULT_NETWORK_LIMITS,
    ...options.limits,
    ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
  };
  const socketServer = new SocketServer({
    transport: options.transport ?? new TcpTransport(),
    clock: options.clock ?? new SystemClock(),
    scheduler: options.scheduler ?? new SystemScheduler(),
    logger,
    limits,
    ...(options.quotas === undefined ? {} : { quotas: options.quotas }),
    sink: new RequestPipeline(registry, logger),
  });
  const bound = await socketServer.start(
    options.listeners.map((l) => ({ name: l.name ?? 'PLAINTEXT', host: l.host, port: l.port })),
  );
  const graceMs = options.shutdownGraceMs ?? 1_000;
  return {
    addresses: bound.map((b) => b.address),
    listeners: bound,
    registry,
    get connectionCount() {
      return socketServer.connectionCount;
    },
    close: () => socketServer.close(graceMs),
  };
}
