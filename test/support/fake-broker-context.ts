/**
 * An in-memory BrokerContext for handler unit tests: a hand-built MetadataImage that a fake
 * controller mutates (publishing a new immutable image per change, as the real one does once
 * records are committed and replayed), a SimClock, a settable quorum, and a log of every
 * controller call. The fake controller validates roughly like Kafka's (names, partition counts,
 * replication factors, topic configs) — enough for handlers' tests, not a reference.
 */
import { ErrorCode, ZERO_UUID, invalidTopicReason, uuidToString, type Logger, type LogFields } from '../../src/common/index.js';
import { BrokerConfig, ConfigException, parseTopicOverrides } from '../../src/config/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_TOPIC,
  NO_ERROR,
  OP_APPEND,
  OP_DELETE,
  OP_SET,
  OP_SUBTRACT,
  configResourceKey,
  type ApiError,
  type BrokerEndpoint,
  type BrokerRegistration,
  type ConfigResource,
  type ControllerApi,
  type ControllerRequestContext,
  type IncrementalConfigChange,
  type MetadataImage,
  type PartitionRegistration,
  type TopicImage,
} from '../../src/metadata/index.js';
import {
  createAllocateProducerIdsResponse,
  createCreateTopicsResponse,
  createElectLeadersResponse,
  createUpdateFeaturesResponse,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
  type CreatePartitionsRequestCreatePartitionsTopic,
  type CreatePartitionsResponseCreatePartitionsTopicResult,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
  type ElectLeadersRequest,
  type ElectLeadersResponse,
  type UpdateFeaturesRequest,
  type UpdateFeaturesResponse,
} from '../../src/protocol/index.js';
import type { LeaderAndEpoch, QuorumInfo } from '../../src/raft/index.js';
import type { BrokerContext } from '../../src/server/broker-context.js';
import type { ApiHandler, ClientConnection, RequestContext } from '../../src/server/index.js';
import { decodeBody, encodeMessageToBuffer } from '../../src/protocol/index.js';
import type { LogManager } from '../../src/storage/index.js';
import type { ReplicaManager } from '../../src/replication/index.js';
import { SimClock } from '../../src/testkit/index.js';

export interface FakeBrokerOptions {
  nodeId?: number;
  clusterId?: string;
  /** Static broker properties (server.properties). */
  props?: Record<string, string>;
  /** Register this node as an unfenced broker on PLAINTEXT://localhost:9092 (default true). */
  registerSelf?: boolean;
}

export interface AddBrokerOptions {
  listeners?: ReadonlyArray<Pick<BrokerEndpoint, 'name' | 'host' | 'port'>>;
  rack?: string | null;
  fenced?: boolean;
}

export interface AddTopicOptions {
  partitions?: number;
  /** Replica lists per partition; default: round robin over registered brokers, `replicationFactor` wide. */
  replicas?: number[][];
  replicationFactor?: number;
  /** Leader per partition (default: first replica); -1 for none. */
  leaders?: number[];
  isr?: number[][];
  leaderEpoch?: number;
  topicId?: string;
  configs?: Record<string, string>;
}

export interface LoggedLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

interface MutableTopic {
  name: string;
  topicId: string;
  partitions: Map<number, PartitionRegistration>;
}

export class FakeBrokerContext implements BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly clock = new SimClock();
  readonly logged: LoggedLine[] = [];
  readonly logger: Logger;
  readonly controller: FakeController;
  /** Not used by the admin handlers: absent. */
  readonly logManager = undefined as unknown as LogManager;
  readonly replicaManager = undefined as unknown as ReplicaManager;
  readonly staticProps: Map<string, string>;
  quorumInfo: QuorumInfo;
  leaderAndEpoch: LeaderAndEpoch;
  readonly quorum = {
    quorumInfo: (): QuorumInfo => this.quorumInfo,
    leaderAndEpoch: (): LeaderAndEpoch => this.leaderAndEpoch,
  };

  readonly brokers = new Map<number, BrokerRegistration>();
  readonly topics = new Map<string, MutableTopic>();
  readonly configs = new Map<string, Map<string, string>>();
  readonly finalized = new Map<string, number>([['metadata.version', 21]]);
  #image: MetadataImage | undefined;
  #config: { image: MetadataImage; config: BrokerConfig } | undefined;
  #nextUuid = 1;
  #offset = 0;

  constructor(options: FakeBrokerOptions = {}) {
    this.nodeId = options.nodeId ?? 1;
    this.clusterId = options.clusterId ?? 'test-cluster-id-00000A';
    this.staticProps = new Map(
      Object.entries({
        'node.id': String(this.nodeId),
        'process.roles': 'broker,controller',
        'controller.quorum.voters': `${this.nodeId}@localhost:9093`,
        'controller.listener.names': 'CONTROLLER',
        listeners: 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
        'log.dirs': '/tmp/fake-logs',
        ...options.props,
      }),
    );
    const line = (level: LoggedLine['level']) => (message: string, fields?: LogFields) => {
      this.logged.push({ level, message, fields });
    };
    this.logger = { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') };
    this.controller = new FakeController(this);
    this.leaderAndEpoch = { leaderId: this.nodeId, epoch: 1 };
    this.quorumInfo = {
      leaderId: this.nodeId,
      leaderEpoch: 1,
      highWatermark: 10,
      currentVoters: [
        { replicaId: this.nodeId, replicaDirectoryId: ZERO_UUID, logEndOffset: 10, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1 },
      ],
      observers: [],
    };
    if (options.registerSelf ?? true) this.addBroker(this.nodeId);
  }

  config(): BrokerConfig {
    const image = this.image();
    if (this.#config?.image !== image) {
      const layers = {
        static: this.staticProps,
        clusterDefault: image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_BROKER, name: '' })) ?? new Map(),
        perBroker: image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_BROKER, name: String(this.nodeId) })) ?? new Map(),
      };
      this.#config = { image, config: BrokerConfig.from(layers) };
    }
    return this.#config.config;
  }

  image(): MetadataImage {
    if (this.#image === undefined) {
      const topics = [...this.topics.values()].map(
        (t): TopicImage => ({ name: t.name, topicId: t.topicId, partitions: new Map(t.partitions) }),
      );
      this.#image = {
        provenance: { lastContainedOffset: this.#offset, lastContainedEpoch: 1, lastContainedLogTimeMs: this.clock.nowMs() },
        clusterId: this.clusterId,
        features: { metadataVersion: this.finalized.get('metadata.version') ?? 0, finalized: new Map(this.finalized) },
        brokers: new Map(this.brokers),
        topics: { byName: new Map(topics.map((t) => [t.name, t])), byId: new Map(topics.map((t) => [t.topicId, t])) },
        configs: new Map([...this.configs].map(([k, v]) => [k, new Map(v)])),
        nextProducerId: 0,
      };
    }
    return this.#image;
  }

  /** Call after changing the mutable state: the next image() is a new snapshot. */
  publish(): void {
    this.#image = undefined;
    this.#offset++;
  }

  newUuid(): string {
    const bytes = Buffer.alloc(16);
    bytes.writeUInt32BE(0x1234, 0);
    bytes.writeUInt32BE(this.#nextUuid++, 12);
    return uuidToString(bytes);
  }

  addBroker(id: number, options: AddBrokerOptions = {}): this {
    const listeners = (options.listeners ?? [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 + (id - this.nodeId) * 10 }]).map(
      (l) => ({ ...l, securityProtocol: 0 }),
    );
    this.brokers.set(id, {
      id,
      epoch: 1,
      incarnationId: this.newUuid(),
      listeners,
      supportedFeatures: new Map([['metadata.version', { minVersion: 1, maxVersion: 21 }]]),
      rack: options.rack ?? null,
      fenced: options.fenced ?? false,
      inControlledShutdown: false,
      isMigratingZkBroker: false,
      logDirs: [],
    });
    this.publish();
    return this;
  }

  setFenced(id: number, fenced: boolean): this {
    const b = this.brokers.get(id);
    if (b === undefined) throw new Error(`no broker ${id}`);
    this.brokers.set(id, { ...b, fenced });
    this.publish();
    return this;
  }

  addTopic(name: string, options: AddTopicOptions = {}): TopicImage {
    const count = options.partitions ?? options.replicas?.length ?? 1;
    const rf = options.replicationFactor ?? 1;
    const brokerIds = [...this.brokers.keys()].sort((a, b) => a - b);
    const partitions = new Map<number, PartitionRegistration>();
    for (let p = 0; p < count; p++) {
      const replicas = options.replicas?.[p] ?? Array.from({ length: rf }, (_, i) => brokerIds[(p + i) % brokerIds.length] ?? this.nodeId);
      partitions.set(p, partition(replicas, options.leaders?.[p] ?? replicas[0] ?? -1, options.isr?.[p] ?? replicas, options.leaderEpoch ?? 0));
    }
    const topic: MutableTopic = { name, topicId: options.topicId ?? this.newUuid(), partitions };
    this.topics.set(name, topic);
    if (options.configs !== undefined) this.configs.set(topicKey(name), new Map(Object.entries(options.configs)));
    this.publish();
    return this.image().topics.byName.get(name) as TopicImage;
  }

  setConfig(resource: ConfigResource, name: string, value: string | null): this {
    const key = configResourceKey(resource);
    const map = this.configs.get(key) ?? new Map<string, string>();
    if (value === null) map.delete(name);
    else map.set(name, value);
    if (map.size === 0) this.configs.delete(key);
    else this.configs.set(key, map);
    this.publish();
    return this;
  }
}

function partition(replicas: number[], leader: number, isr: number[], leaderEpoch: number): PartitionRegistration {
  return {
    replicas,
    directories: replicas.map(() => ZERO_UUID),
    isr,
    removingReplicas: [],
    addingReplicas: [],
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    leader,
    leaderRecoveryState: 0,
    leaderEpoch,
    partitionEpoch: 0,
  };
}

function topicKey(name: string): string {
  return configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name });
}

function apiError(name: keyof typeof ErrorCode, message: string | null = null): ApiError {
  return { errorCode: ErrorCode[name], errorMessage: message };
}

export interface ControllerCall {
  readonly method: string;
  readonly ctx: ControllerRequestContext | undefined;
  readonly args: readonly unknown[];
}

/**
 * The fake controller: records each call; applies it at once (or when `release()`d, while `hold`
 * is set, so tests can see what a handler does before the controller answers).
 */
export class FakeController implements ControllerApi {
  readonly calls: ControllerCall[] = [];
  hold = false;
  readonly #held: Array<() => void> = [];
  /** Overrides the next createTopics result (after recording the call). */
  createTopicsResult: ((request: CreateTopicsRequest) => CreateTopicsResponse) | undefined;

  constructor(private readonly broker: FakeBrokerContext) {}

  release(): void {
    for (const run of this.#held.splice(0)) run();
  }

  get heldCount(): number {
    return this.#held.length;
  }

  #answer<T>(method: string, ctx: ControllerRequestContext | undefined, args: unknown[], apply: () => T): Promise<T> {
    this.calls.push({ method, ctx, args });
    if (!this.hold) return Promise.resolve(apply());
    return new Promise<T>((resolve, reject) => {
      this.#held.push(() => {
        try {
          resolve(apply());
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }

  #timedOut(ctx: ControllerRequestContext): boolean {
    return ctx.deadlineMs < this.broker.clock.monotonicMs();
  }

  createTopics(ctx: ControllerRequestContext, request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    return this.#answer('createTopics', ctx, [request], () => {
      const override = this.createTopicsResult;
      if (override !== undefined) {
        this.createTopicsResult = undefined;
        return override(request);
      }
      return createCreateTopicsResponse({ topics: request.topics.map((t) => this.#createTopic(ctx, t, request.validateOnly)) });
    });
  }

  #createTopic(
    ctx: ControllerRequestContext,
    t: CreateTopicsRequest['topics'][number],
    validateOnly: boolean,
  ): CreateTopicsResponseCreatableTopicResult {
    const result = (code: keyof typeof ErrorCode, message: string | null): CreateTopicsResponseCreatableTopicResult => ({
      name: t.name,
      topicId: ZERO_UUID,
      errorCode: ErrorCode[code],
      errorMessage: message,
      topicConfigErrorCode: 0,
      numPartitions: -1,
      replicationFactor: -1,
      configs: [],
    });
    const b = this.broker;
    if (this.#timedOut(ctx)) return result('REQUEST_TIMED_OUT', null);
    const invalid = invalidTopicReason(t.name);
    if (invalid !== undefined) return result('INVALID_TOPIC_EXCEPTION', invalid);
    if (b.topics.has(t.name)) return result('TOPIC_ALREADY_EXISTS', `Topic '${t.name}' already exists.`);
    const alive = [...b.brokers.values()].filter((x) => !x.fenced).map((x) => x.id).sort((x, y) => x - y);
    let replicas: number[][];
    if (t.assignments.length > 0) {
      replicas = t.assignments.map((a) => a.brokerIds);
    } else {
      const count = t.numPartitions === -1 ? b.config().get('num.partitions') : t.numPartitions;
      if (count <= 0) return result('INVALID_PARTITIONS', 'Number of partitions was set to an invalid non-positive value.');
      const rf = t.replicationFactor === -1 ? b.config().get('default.replication.factor') : t.replicationFactor;
      if (rf <= 0 || rf > alive.length) {
        return result('INVALID_REPLICATION_FACTOR', `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${alive.length} broker(s) are registered.`);
      }
      replicas = Array.from({ length: count }, (_, p) => Array.from({ length: rf }, (_, i) => alive[(p + i) % alive.length] as number));
    }
    const overrides = new Map<string, string>();
    for (const c of t.configs) if (c.value !== null) overrides.set(c.name, c.value);
    try {
      parseTopicOverrides(overrides);
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      return result('INVALID_CONFIG', e.message);
    }
    const topicId = b.newUuid();
    if (!validateOnly) {
      b.addTopic(t.name, { replicas, topicId });
      if (overrides.size > 0) b.configs.set(topicKey(t.name), overrides);
      b.publish();
    }
    return { ...result('NONE', null), topicId, numPartitions: replicas.length, replicationFactor: replicas[0]?.length ?? 0 };
  }

  findTopicIds(names: readonly string[]): Map<string, { topicId: string } | ApiError> {
    this.calls.push({ method: 'findTopicIds', ctx: undefined, args: [names] });
    const image = this.broker.image();
    return new Map(
      names.map((n) => {
        const t = image.topics.byName.get(n);
        return [n, t === undefined ? apiError('UNKNOWN_TOPIC_OR_PARTITION') : { topicId: t.topicId }];
      }),
    );
  }

  findTopicNames(ids: readonly string[]): Map<string, { name: string } | ApiError> {
    this.calls.push({ method: 'findTopicNames', ctx: undefined, args: [ids] });
    const image = this.broker.image();
    return new Map(
      ids.map((id) => {
        const t = image.topics.byId.get(id);
        return [id, t === undefined ? apiError('UNKNOWN_TOPIC_ID') : { name: t.name }];
      }),
    );
  }

  deleteTopics(ctx: ControllerRequestContext, topicIds: readonly string[]): Promise<Map<string, ApiError>> {
    return this.#answer('deleteTopics', ctx, [topicIds], () => {
      const b = this.broker;
      const out = new Map<string, ApiError>();
      for (const id of topicIds) {
        const t = [...b.topics.values()].find((x) => x.topicId === id);
        if (this.#timedOut(ctx)) out.set(id, apiError('REQUEST_TIMED_OUT'));
        else if (t === undefined) out.set(id, apiError('UNKNOWN_TOPIC_ID'));
        else {
          b.topics.delete(t.name);
          b.configs.delete(topicKey(t.name));
          out.set(id, NO_ERROR);
        }
      }
      b.publish();
      return out;
    });
  }

  createPartitions(
    ctx: ControllerRequestContext,
    topics: readonly CreatePartitionsRequestCreatePartitionsTopic[],
    validateOnly: boolean,
  ): Promise<CreatePartitionsResponseCreatePartitionsTopicResult[]> {
    return this.#answer('createPartitions', ctx, [topics, validateOnly], () => {
      const b = this.broker;
      const results = topics.map((t) => {
        const r = (code: keyof typeof ErrorCode, message: string | null) => ({ name: t.name, errorCode: ErrorCode[code], errorMessage: message });
        const topic = b.topics.get(t.name);
        if (topic === undefined) return r('UNKNOWN_TOPIC_OR_PARTITION', null);
        const current = topic.partitions.size;
        if (t.count < current) return r('INVALID_PARTITIONS', `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
        if (t.count === current) return r('INVALID_PARTITIONS', `Topic already has ${current} partition(s).`);
        if (!validateOnly) {
          const template = topic.partitions.get(0);
          for (let p = current; p < t.count; p++) {
            const replicas = t.assignments?.[p - current]?.brokerIds ?? template?.replicas ?? [b.nodeId];
            topic.partitions.set(p, partition([...replicas], replicas[0] ?? -1, [...replicas], 0));
          }
        }
        return r('NONE', null);
      });
      b.publish();
      return results;
    });
  }

  incrementalAlterConfigs(
    ctx: ControllerRequestContext,
    changes: ReadonlyMap<ConfigResource, ReadonlyMap<string, IncrementalConfigChange>>,
    validateOnly: boolean,
  ): Promise<Map<ConfigResource, ApiError>> {
    return this.#answer('incrementalAlterConfigs', ctx, [changes, validateOnly], () => {
      const out = new Map<ConfigResource, ApiError>();
      for (const [resource, ops] of changes) {
        const current = new Map(this.broker.configs.get(configResourceKey(resource)) ?? []);
        for (const [name, change] of ops) {
          const list = (current.get(name) ?? '').split(',').filter((s) => s !== '');
          if (change.op === OP_SET) current.set(name, change.value ?? '');
          else if (change.op === OP_DELETE) current.delete(name);
          else if (change.op === OP_APPEND) current.set(name, [...list, ...(change.value ?? '').split(',')].join(','));
          else if (change.op === OP_SUBTRACT) {
            const minus = new Set((change.value ?? '').split(','));
            current.set(name, list.filter((s) => !minus.has(s)).join(','));
          }
        }
        out.set(resource, this.#storeConfigs(resource, current, validateOnly));
      }
      return out;
    });
  }

  legacyAlterConfigs(
    ctx: ControllerRequestContext,
    configs: ReadonlyMap<ConfigResource, ReadonlyMap<string, string | null>>,
    validateOnly: boolean,
  ): Promise<Map<ConfigResource, ApiError>> {
    return this.#answer('legacyAlterConfigs', ctx, [configs, validateOnly], () => {
      const out = new Map<ConfigResource, ApiError>();
      for (const [resource, values] of configs) {
        const next = new Map<string, string>();
        for (const [k, v] of values) if (v !== null) next.set(k, v);
        out.set(resource, this.#storeConfigs(resource, next, validateOnly));
      }
      return out;
    });
  }

  #storeConfigs(resource: ConfigResource, values: Map<string, string>, validateOnly: boolean): ApiError {
    const b = this.broker;
    if (resource.type === CONFIG_RESOURCE_TOPIC) {
      if (!b.topics.has(resource.name)) return apiError('UNKNOWN_TOPIC_OR_PARTITION', `The topic '${resource.name}' does not exist.`);
      try {
        parseTopicOverrides(values);
      } catch (e) {
        if (!(e instanceof ConfigException)) throw e;
        return apiError('INVALID_CONFIG', e.message);
      }
    }
    if (!validateOnly) {
      const key = configResourceKey(resource);
      if (values.size === 0) b.configs.delete(key);
      else b.configs.set(key, values);
      b.publish();
    }
    return NO_ERROR;
  }

  electLeaders(ctx: ControllerRequestContext, request: ElectLeadersRequest): Promise<ElectLeadersResponse> {
    return this.#answer('electLeaders', ctx, [request], () => {
      const image = this.broker.image();
      const wanted =
        request.topicPartitions ??
        [...image.topics.byName.values()].map((t) => ({ topic: t.name, partitions: [...t.partitions.keys()] }));
      return createElectLeadersResponse({
        errorCode: 0,
        replicaElectionResults: wanted.map((tp) => ({
          topic: tp.topic,
          partitionResult: tp.partitions.map((p) => {
            const reg = image.topics.byName.get(tp.topic)?.partitions.get(p);
            if (reg === undefined) return { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
            if (reg.leader === reg.replicas[0]) return { partitionId: p, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
            return { partitionId: p, errorCode: 0, errorMessage: null };
          }),
        })),
      });
    });
  }

  updateFeatures(ctx: ControllerRequestContext, request: UpdateFeaturesRequest): Promise<UpdateFeaturesResponse> {
    return this.#answer('updateFeatures', ctx, [request], () => {
      const b = this.broker;
      if (!request.validateOnly) {
        for (const u of request.featureUpdates) {
          if (u.maxVersionLevel === 0) b.finalized.delete(u.feature);
          else b.finalized.set(u.feature, u.maxVersionLevel);
        }
        b.publish();
      }
      return createUpdateFeaturesResponse({
        errorCode: 0,
        errorMessage: null,
        results: request.featureUpdates.map((u) => ({ feature: u.feature, errorCode: 0, errorMessage: null })),
      });
    });
  }

  allocateProducerIds(ctx: ControllerRequestContext, request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return this.#answer('allocateProducerIds', ctx, [request], () =>
      createAllocateProducerIdsResponse({ errorCode: 0, producerIdStart: 0, producerIdLen: 1000 }),
    );
  }
}

export interface CallOptions {
  listenerName?: string;
  /** Check that the request round-trips the codec at this version first (default true). */
  roundTripRequest?: boolean;
}

/**
 * Runs a handler as the pipeline would, through the codec both ways: the request is encoded and
 * decoded at `version` (so fields the version lacks take their defaults), the response is encoded
 * and decoded at `version` (so a test sees exactly what a client would).
 */
export async function callHandler<Req, Res>(
  handler: ApiHandler<Req, Res>,
  request: Req,
  version: number,
  options: CallOptions = {},
): Promise<Res> {
  const wireRequest = decodeBody(handler.request, encodeMessageToBuffer(handler.request, request, version), 0, version);
  const connection: ClientConnection = {
    id: 'test-connection',
    listenerName: options.listenerName ?? 'PLAINTEXT',
    remote: { host: '127.0.0.1', port: 50000 } as ClientConnection['remote'],
    clientSoftwareName: 'test',
    clientSoftwareVersion: '1',
  };
  const ctx: RequestContext = {
    header: { requestApiKey: handler.apiKey, requestApiVersion: version, correlationId: 1, clientId: 'test' } as RequestContext['header'],
    apiVersion: version,
    connection,
    apiVersions: [],
  };
  const reply = await handler.handle(wireRequest, ctx);
  if (typeof reply === 'symbol') throw new Error(`handler answered ${String(reply)}`);
  const bytes = encodeMessageToBuffer(handler.response, reply, version);
  return decodeBody(handler.response, bytes, 0, version);
}
