import { NOOP_LOGGER, type SocketAddress } from '../common/index.js';
import { Admin } from './admin.js';
import { Cluster, type ClusterOptions } from './cluster.js';
import { defaultConnectionOptions } from './connection.js';
import { Consumer, type ConsumerConfig } from './consumer.js';
import type { ClientEnv } from './env.js';
import { Producer, type ProducerConfig } from './producer.js';

/** Settings shared by every admin, producer and consumer made from one `Kafka`. */
export interface KafkaConfig {
  /** bootstrap.servers: 'host:port' strings (IPv6 as '[::1]:9092'). */
  readonly bootstrapServers: string | readonly string[];
  /** client.id, sent in every request header. Default 'gregor'. */
  readonly clientId?: string;
  /** request.timeout.ms. Default 30000. */
  readonly requestTimeoutMs?: number;
  /** socket.connection.setup.timeout.ms. Default 10000. */
  readonly connectionTimeoutMs?: number;
  /** retry.backoff.ms. Default 100. */
  readonly retryBackoffMs?: number;
  /** reconnect.backoff.ms / reconnect.backoff.max.ms. Defaults 50 / 1000. */
  readonly reconnectBackoffMs?: number;
  readonly reconnectBackoffMaxMs?: number;
  /** metadata.max.age.ms. Default 300000. */
  readonly metadataMaxAgeMs?: number;
  /** Attempts of a retriable admin or consumer call. Default 5. */
  readonly retries?: number;
  /** max.in.flight.requests.per.connection. Default 5. */
  readonly maxInFlightRequests?: number;
  /** Per api key, the highest version to speak (below what both sides support). */
  readonly maxVersions?: Readonly<Record<number, number>>;
}

/** Parses 'host:port' (or '[v6]:port'). */
export function parseBroker(s: string): SocketAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s.trim()) ?? /^([^:]+):(\d+)$/.exec(s.trim());
  if (m === null) throw new RangeError(`bootstrap server "${s}" is not host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new RangeError(`bootstrap server "${s}": port out of range`);
  return { host: m[1]!, port };
}

export function clusterOptions(config: KafkaConfig): ClusterOptions {
  const servers = typeof config.bootstrapServers === 'string' ? config.bootstrapServers.split(',') : config.bootstrapServers;
  const maxVersions = new Map<number, number>(Object.entries(config.maxVersions ?? {}).map(([k, v]) => [Number(k), v]));
  return {
    ...defaultConnectionOptions,
    clientId: config.clientId ?? defaultConnectionOptions.clientId,
    requestTimeoutMs: config.requestTimeoutMs ?? defaultConnectionOptions.requestTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs ?? defaultConnectionOptions.connectionTimeoutMs,
    maxInFlightRequests: config.maxInFlightRequests ?? defaultConnectionOptions.maxInFlightRequests,
    maxVersions,
    bootstrapServers: servers.filter((s) => s.trim() !== '').map(parseBroker),
    retryBackoffMs: config.retryBackoffMs ?? 100,
    reconnectBackoffMs: config.reconnectBackoffMs ?? 50,
    reconnectBackoffMaxMs: config.reconnectBackoffMaxMs ?? 1000,
    metadataMaxAgeMs: config.metadataMaxAgeMs ?? 300_000,
    retries: config.retries ?? 5,
  };
}

/**
 * The client's entry point: holds the shared settings and makes admins, producers and consumers,
 * each with its own connections (as Kafka's clients do). The outside world comes in through `env`;
 * the package entry (`import { Kafka } from 'gregor'`) supplies real sockets and clocks.
 */
export class KafkaClient {
  private readonly options: ClusterOptions;

  constructor(config: KafkaConfig, private readonly env: ClientEnv) {
    this.options = clusterOptions(config);
    if (this.options.bootstrapServers.length === 0) throw new RangeError('bootstrapServers: at least one host:port is needed');
  }

  admin(): Admin {
    return new Admin(this.cluster());
  }

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(this.cluster(), config);
  }

  consumer(config: ConsumerConfig = {}): Consumer {
    return new Consumer(this.cluster(), config);
  }

  private cluster(): Cluster {
    return new Cluster(this.options, this.env);
  }
}

export function clientEnv(parts: Partial<ClientEnv> & Pick<ClientEnv, 'connector' | 'clock' | 'scheduler' | 'random'>): ClientEnv {
  return { logger: NOOP_LOGGER, ...parts };
}
