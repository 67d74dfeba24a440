import { ErrorCode, KafkaError, ZERO_UUID, type SocketAddress } from '../common/index.js';
import type { MetadataRequest, MetadataResponse } from '../protocol/index.js';
import { Apis, type Api } from './apis.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { delay, type ClientEnv } from './env.js';
import { ClientClosedError, invalidatesMetadata, isRetriable } from './errors.js';

export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  /** -1 when the partition has no leader right now. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
  readonly errorCode: number;
}

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly isInternal: boolean;
  /** Sorted by partition index. */
  readonly partitions: readonly PartitionInfo[];
}

export interface ClusterOptions extends ConnectionOptions {
  readonly bootstrapServers: readonly SocketAddress[];
  /** reconnect.backoff.ms / reconnect.backoff.max.ms: exponential between the two. */
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** retry.backoff.ms between attempts of a retriable operation. */
  readonly retryBackoffMs: number;
  /** metadata.max.age.ms: cached topic metadata older than this is refreshed before use. */
  readonly metadataMaxAgeMs: number;
  /** Attempts of a retriable admin/consumer call (the producer bounds its own by delivery.timeout.ms). */
  readonly retries: number;
}

/** Kafka's Java client uses ids below -1 for bootstrap connections; so do we, to keep them apart. */
function bootstrapId(index: number): number {
  return -(index + 1);
}

interface QueuedRefresh {
  readonly names: Set<string>;
  allowAutoTopicCreation: boolean;
  promise: Promise<void>;
}

/** One broker's connection slot: at most one live or pending connection, reconnect with backoff. */
class NodeConnection {
  private current: Promise<Connection> | undefined;
  private failures = 0;
  private nextAttemptMs = 0;

  constructor(
    public address: SocketAddress,
    private readonly options: ClusterOptions,
    private readonly env: ClientEnv,
  ) {}

  get(): Promise<Connection> {
    if (this.current !== undefined) return this.current;
    const attempt = this.connect();
    this.current = attempt;
    attempt.then(
      (c) => {
        this.failures = 0;
        c.onClose(() => {
          if (this.current === attempt) this.current = undefined;
        });
      },
      () => {
        if (this.current === attempt) this.current = undefined;
        this.failures++;
        const backoff = Math.min(this.options.reconnectBackoffMs * 2 ** (this.failures - 1), this.options.reconnectBackoffMaxMs);
        // Kafka's jitter: ±20 %, so a fleet of clients does not reconnect in lockstep.
        this.nextAttemptMs = this.env.clock.monotonicMs() + backoff * (0.8 + 0.4 * this.env.random());
      },
    );
    return attempt;
  }

  /** The live connection, if one is up (no dialling). */
  async peek(): Promise<Connection | undefined> {
    if (this.current === undefined) return undefined;
    try {
      const c = await this.current;
      return c.closed ? undefined : c;
    } catch {
      return undefined;
    }
  }

  close(): void {
    const c = this.current;
    this.current = undefined;
    c?.then((conn) => conn.close(), () => {});
  }

  private async connect(): Promise<Connection> {
    const wait = this.nextAttemptMs - this.env.clock.monotonicMs();
    if (wait > 0) await delay(this.env, wait);
    return Connection.open(this.address, this.options, this.env);
  }
}

/**
 * What the client knows of the cluster: brokers, controller, topics and their leaders (from
 * Metadata), and one connection per broker. Refreshes are coalesced: concurrent callers share one
 * Metadata request. Errors that mean "stale" (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION,
 * a lost connection, ...) mark the cache for refresh; `withRetries` does that and backs off.
 */
export class Cluster {
  readonly options: ClusterOptions;
  private readonly nodes = new Map<number, NodeConnection>();
  private readonly coordinatorNodes = new Map<number, NodeConnection>();
  private brokerMap = new Map<number, BrokerNode>();
  private readonly topicMap = new Map<string, TopicInfo>();
  private readonly topicFetchedAtMs = new Map<string, number>();
  private readonly topicIdToName = new Map<string, string>();
  private refreshing: Promise<void> | undefined;
  private queued: QueuedRefresh | undefined;
  private closed = false;
  clusterId: string | null = null;
  controllerId = -1;

  constructor(options: ClusterOptions, readonly env: ClientEnv) {
    if (options.bootstrapServers.length === 0) throw new RangeError('bootstrap servers: at least one host:port is needed');
    this.options = options;
    options.bootstrapServers.forEach((a, i) => this.nodes.set(bootstrapId(i), new NodeConnection(a, options, env)));
  }

  get brokers(): ReadonlyMap<number, BrokerNode> {
    return this.brokerMap;
  }

  topic(name: string): TopicInfo | undefined {
    return this.topicMap.get(name);
  }

  topicNameOf(topicId: string): string | undefined {
    return this.topicIdToName.get(topicId);
  }

  /** A connection to the broker with this id (negative ids: bootstrap servers). */
  connection(nodeId: number): Promise<Connection> {
    this.assertOpen();
    const node = this.nodes.get(nodeId);
    if (node === undefined) {
      return Promise.reject(new KafkaError('LEADER_NOT_AVAILABLE', `broker ${nodeId} is not in the cluster metadata`));
    }
    return node.get();
  }

  /**
   * A connection to a group or transaction coordinator, kept apart from the broker's data
   * connection as Kafka's client does: a JoinGroup parked for a rebalance must not hold up the
   * fetches pipelined behind it (a broker answers a connection's requests in order).
   */
  coordinatorConnection(node: { readonly nodeId: number; readonly host: string; readonly port: number }): Promise<Connection> {
    this.assertOpen();
    let slot = this.coordinatorNodes.get(node.nodeId);
    if (slot !== undefined && (slot.address.host !== node.host || slot.address.port !== node.port)) {
      slot.close();
      slot = undefined;
    }
    if (slot === undefined) {
      slot = new NodeConnection({ host: node.host, port: node.port }, this.options, this.env);
      this.coordinatorNodes.set(node.nodeId, slot);
    }
    return slot.get();
  }

  /**
   * A connection to any broker: a live one if there is, else the known brokers and the bootstrap
   * servers in turn. Rejects with NETWORK_EXCEPTION when none answers.
   */
  async anyConnection(): Promise<Connection> {
    this.assertOpen();
    const ids = [...this.brokerMap.keys(), ...[...this.nodes.keys()].filter((id) => id < 0)];
    for (const id of ids) {
      const live = await this.nodes.get(id)?.peek();
      if (live !== undefined) return live;
    }
    let last: unknown;
    for (const id of ids) {
      try {
        return await this.connection(id);
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof KafkaError ? last : new KafkaError('NETWORK_EXCEPTION', 'no broker reachable');
  }

  /** A connection to the controller as the last Metadata named it (any broker in KRaft forwards). */
  async controllerConnection(): Promise<Connection> {
    if (this.controllerId < 0 || !this.brokerMap.has(this.controllerId)) await this.refresh([]);
    if (this.controllerId >= 0 && this.brokerMap.has(this.controllerId)) return this.connection(this.controllerId);
    return this.anyConnection();
  }

  /** Sends to any broker. */
  async sendAny<Req, Res>(api: Api<Req, Res>, build: (version: number) => Req): Promise<Res> {
    const c = await this.anyConnection();
    const version = c.versionOf(api);
    if (version < 0) throw new KafkaError('UNSUPPORTED_VERSION', `${api.name}: broker ${c.describe()} does not support it`);
    return c.send(api, build(version), { version });
  }

  /**
   * Metadata for these topics (cached; fetched when unknown, stale or `force`). Topics that do not
   * exist are absent from the result unless the broker auto-creates them (`allowAutoTopicCreation`).
   */
  async topics(names: readonly string[], options: { force?: boolean; allowAutoTopicCreation?: boolean } = {}): Promise<TopicInfo[]> {
    const now = this.env.clock.monotonicMs();
    const missing = names.filter((n) => {
      const at = this.topicFetchedAtMs.get(n);
      return options.force === true || at === undefined || now - at > this.options.metadataMaxAgeMs;
    });
    if (missing.length > 0) await this.refresh(missing, options.allowAutoTopicCreation ?? false);
    const out: TopicInfo[] = [];
    for (const n of names) {
      const t = this.topicMap.get(n);
      if (t !== undefined) out.push(t);
    }
    return out;
  }

  /** Forgets what is known of a topic's leaders, so the next use refreshes it. */
  invalidate(topic?: string): void {
    if (topic === undefined) this.topicFetchedAtMs.clear();
    else this.topicFetchedAtMs.delete(topic);
  }

  /** All topic names in the cluster (one Metadata for all topics; refreshes the cache for each). */
  async allTopics(): Promise<TopicInfo[]> {
    const response = await this.requestMetadata(null, false);
    this.apply(response, null);
    return [...this.topicMap.values()];
  }

  /**
   * One Metadata round trip for `names` (empty: brokers and controller only). Calls made while a
   * refresh runs are merged into the next one, which starts when it ends.
   */
  refresh(names: readonly string[], allowAutoTopicCreation = false): Promise<void> {
    const queued = this.queued;
    if (queued !== undefined) {
      for (const n of names) queued.names.add(n);
      queued.allowAutoTopicCreation ||= allowAutoTopicCreation;
      return queued.promise;
    }
    const q: QueuedRefresh = { names: new Set(names), allowAutoTopicCreation, promise: Promise.resolve() };
    const previous = this.refreshing ?? Promise.resolve();
    q.promise = previous
      .catch(() => {})
      .then(async () => {
        if (this.queued === q) this.queued = undefined;
        const batch = [...q.names];
        const run = this.requestMetadata(batch, q.allowAutoTopicCreation).then((r) => this.apply(r, batch));
        this.refreshing = run;
        try {
          await run;
        } finally {
          if (this.refreshing === run) this.refreshing = undefined;
        }
      });
    this.queued = q;
    return q.promise;
  }

  /**
   * Runs `op`, retrying retriable KafkaErrors up to `retries` times with retry.backoff.ms between,
   * and invalidating metadata first when the error says it is stale.
   */
  async withRetries<T>(op: () => Promise<T>, retries = this.options.retries): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (this.closed || !isRetriable(e) || attempt >= retries) throw e;
        if (e instanceof KafkaError && invalidatesMetadata(e.code)) this.invalidate();
        await delay(this.env, this.options.retryBackoffMs);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const n of this.nodes.values()) n.close();
    for (const n of this.coordinatorNodes.values()) n.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('the client is closed');
  }

  private async requestMetadata(names: readonly string[] | null, allowAutoTopicCreation: boolean): Promise<MetadataResponse> {
    return this.sendAny(Apis.Metadata, (version): MetadataRequest => ({
      topics: names === null ? null : names.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: version >= 4 ? allowAutoTopicCreation : true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }));
  }

  private apply(response: MetadataResponse, asked: readonly string[] | null): void {
    const now = this.env.clock.monotonicMs();
    const brokers = new Map<number, BrokerNode>();
    for (const b of response.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.brokerMap = brokers;
    for (const b of brokers.values()) {
      const existing = this.nodes.get(b.nodeId);
      if (existing === undefined) {
        this.nodes.set(b.nodeId, new NodeConnection({ host: b.host, port: b.port }, this.options, this.env));
      } else if (existing.address.host !== b.host || existing.address.port !== b.port) {
        existing.close();
        existing.address = { host: b.host, port: b.port };
      }
    }
    this.clusterId = response.clusterId;
    this.controllerId = response.controllerId;
    const seen = new Set<string>();
    for (const t of response.topics) {
      if (t.name === null) continue;
      seen.add(t.name);
      if (t.errorCode !== 0) {
        // UNKNOWN_TOPIC_OR_PARTITION and friends: the topic is (for now) not usable.
        this.forget(t.name);
        this.topicFetchedAtMs.set(t.name, now);
        continue;
      }
      const partitions = t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? -1 : p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition);
      const info: TopicInfo = { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions };
      this.topicMap.set(t.name, info);
      if (t.topicId !== ZERO_UUID) this.topicIdToName.set(t.topicId, t.name);
      this.topicFetchedAtMs.set(t.name, now);
    }
    // A full listing (asked === null) also tells which topics are gone.
    const gone = asked === null ? [...this.topicMap.keys()].filter((n) => !seen.has(n)) : asked.filter((n) => !seen.has(n));
    for (const n of gone) this.forget(n);
  }

  private forget(name: string): void {
    const t = this.topicMap.get(name);
    if (t !== undefined) this.topicIdToName.delete(t.topicId);
    this.topicMap.delete(name);
  }
}
