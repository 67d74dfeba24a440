import type { Cancel, Scheduler } from '../../../src/common/index.js';
import { NOOP_LOGGER } from '../../../src/common/index.js';
import { BrokerConfig } from '../../../src/config/index.js';
import { CONFIG_RESOURCE_TOPIC, configResourceKey } from '../../../src/metadata/index.js';
import type { BrokerRegistration, MetadataImage, PartitionRegistration, TopicImage } from '../../../src/metadata/index.js';
import { buildRecordBatch, encodeMessageToBuffer, Reader } from '../../../src/protocol/index.js';
import type { MessageDescriptor, RequestHeader } from '../../../src/protocol/index.js';
import { ReplicaManager } from '../../../src/replication/index.js';
import type { ApiHandler, ClientConnection, RequestContext } from '../../../src/server/handler.js';
import type { BrokerContext } from '../../../src/server/broker-context.js';
import { LogManager, ProducerStates, logConfig } from '../../../src/storage/index.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';

export const NODE = 1;
export const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
export const TOPIC_ID_2 = 'AAAAAAAAAAAAAAAAAAAAAg';

export interface TopicSpec {
  name: string;
  id: string;
  partitions?: number;
  leader?: number;
  leaderEpoch?: number;
  replicas?: number[];
  isr?: number[];
}

export function registration(p: Partial<PartitionRegistration> = {}): PartitionRegistration {
  return {
    replicas: [NODE],
    directories: [],
    isr: [NODE],
    removingReplicas: [],
    addingReplicas: [],
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    leader: NODE,
    leaderRecoveryState: 0,
    leaderEpoch: 0,
    partitionEpoch: 0,
    ...p,
  };
}

function broker(id: number, port: number): BrokerRegistration {
  return {
    id,
    epoch: 1,
    incarnationId: TOPIC_ID,
    listeners: [{ name: 'PLAINTEXT', host: 'localhost', port, securityProtocol: 0 }],
    supportedFeatures: new Map(),
    rack: null,
    fenced: false,
    inControlledShutdown: false,
    isMigratingZkBroker: false,
    logDirs: [],
  };
}

/** A hand-built image: the given topics and per-topic config overrides, brokers 1..3. */
export function image(topics: TopicSpec[], configs: Record<string, Record<string, string>> = {}, offset = 1): MetadataImage {
  const byName = new Map<string, TopicImage>();
  const byId = new Map<string, TopicImage>();
  for (const t of topics) {
    const partitions = new Map<number, PartitionRegistration>();
    for (let i = 0; i < (t.partitions ?? 1); i++) {
      partitions.set(
        i,
        registration({
          leader: t.leader ?? NODE,
          leaderEpoch: t.leaderEpoch ?? 0,
          replicas: t.replicas ?? [NODE],
          isr: t.isr ?? t.replicas ?? [NODE],
        }),
      );
    }
    const ti: TopicImage = { name: t.name, topicId: t.id, partitions };
    byName.set(t.name, ti);
    byId.set(t.id, ti);
  }
  const cfg = new Map<string, ReadonlyMap<string, string>>();
  for (const [topic, values] of Object.entries(configs)) cfg.set(configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: topic }), new Map(Object.entries(values)));
  return {
    provenance: { lastContainedOffset: offset, lastContainedEpoch: 1, lastContainedLogTimeMs: 0 },
    clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
    features: { metadataVersion: 21, finalized: new Map() },
    brokers: new Map([1, 2, 3].map((id) => [id, broker(id, 9091 + id)])),
    topics: { byName, byId },
    configs: cfg,
    nextProducerId: 0,
  };
}

export const EMPTY_IMAGE = image([], {}, -1);

/** A scheduler driven by the test: `advance(ms)` moves the clock and runs what is due. */
export class ManualScheduler implements Scheduler {
  private tasks: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  constructor(private readonly clock: SimClock) {}
  schedule(delayMs: number, fn: () => void): Cancel {
    const task = { at: this.clock.monotonicMs() + delayMs, fn, cancelled: false };
    this.tasks.push(task);
    return () => {
      task.cancelled = true;
    };
  }
  advance(ms: number): void {
    this.clock.advance(ms);
    const now = this.clock.monotonicMs();
    for (;;) {
      const due = this.tasks.filter((t) => !t.cancelled && t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.cancelled = true;
      due.fn();
    }
    this.tasks = this.tasks.filter((t) => !t.cancelled);
  }
  get pending(): number {
    return this.tasks.filter((t) => !t.cancelled).length;
  }
}

/** A valid combined-mode broker config plus `props`. */
export function brokerConfig(props: Record<string, string> = {}): BrokerConfig {
  return BrokerConfig.from(
    new Map(
      Object.entries({
        'node.id': String(NODE),
        'process.roles': 'broker,controller',
        'controller.quorum.voters': `${NODE}@localhost:9093`,
        listeners: 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
        'controller.listener.names': 'CONTROLLER',
        ...props,
      }),
    ),
  );
}

export interface Env {
  disk: SimDisk;
  clock: SimClock;
  scheduler: ManualScheduler;
  logManager: LogManager;
  rm: ReplicaManager;
  broker: BrokerContext;
  current: MetadataImage;
  apply(next: MetadataImage): void;
}

export function env(props: Record<string, string> = {}, disk = new SimDisk()): Env {
  const clock = new SimClock();
  const scheduler = new ManualScheduler(clock);
  const config = brokerConfig(props);
  const logManager = new LogManager({
    fs: disk,
    clock,
    logDirs: ['/d1', '/d2'],
    logger: NOOP_LOGGER,
    defaultConfig: logConfig({ fileDeleteDelayMs: 0 }),
  });
  logManager.startup();
  const rm = new ReplicaManager({
    nodeId: NODE,
    clock,
    logManager,
    logDirs: ['/d1', '/d2'],
    config: () => config,
    diskSpace: (dir) => (dir === '/d1' ? { totalBytes: 1000, usableBytes: 400 } : undefined),
  });
  rm.start(scheduler);
  const e: Env = {
    disk,
    clock,
    scheduler,
    logManager,
    rm,
    current: EMPTY_IMAGE,
    broker: {
      nodeId: NODE,
      clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
      clock,
      logger: NOOP_LOGGER,
      config: () => config,
      image: () => e.current,
      logManager,
      replicaManager: rm,
    } as unknown as BrokerContext,
    apply(next) {
      const prev = e.current;
      e.current = next;
      rm.applyMetadata(next, prev);
    },
  };
  return e;
}

/** A v2 batch of `n` records k<i>/v<i> with timestamps from `ts`. */
export function records(n: number, opts: { ts?: number; key?: (i: number) => string | null; compression?: 0 | 1 | 2 | 3 | 4 } = {}): Buffer {
  const ts = opts.ts ?? 1_700_000_000_000;
  const list = [];
  for (let i = 0; i < n; i++) list.push({ key: opts.key ? opts.key(i) : `k${i}`, value: `v${i}`, timestamp: ts + i });
  return buildRecordBatch({ records: list, ...(opts.compression === undefined ? {} : { compression: opts.compression }) });
}

const CONNECTION: ClientConnection = {
  id: 'c1',
  listenerName: 'PLAINTEXT',
  remote: { host: '127.0.0.1', port: 5555 } as never,
  clientSoftwareName: '',
  clientSoftwareVersion: '',
};

/**
 * Calls a handler the way the pipeline does, through the codec both ways: the request is encoded
 * and decoded at `version`, the response encoded and decoded at `version` too.
 */
export async function call<Req, Res>(handler: ApiHandler<Req, Res>, version: number, request: Req): Promise<Res | symbol> {
  const decoded = roundTrip(handler.request, request, version);
  const header: RequestHeader = { requestApiKey: handler.apiKey, requestApiVersion: version, correlationId: 1, clientId: 'test' } as RequestHeader;
  const ctx: RequestContext = { header, apiVersion: version, connection: CONNECTION, apiVersions: [] };
  const reply = await handler.handle(decoded, ctx);
  if (typeof reply === 'symbol') return reply;
  return roundTrip(handler.response, reply, version);
}

export function roundTrip<T>(desc: MessageDescriptor<T>, value: T, version: number): T {
  const buf = encodeMessageToBuffer(desc, value, version);
  return desc.read(new Reader(buf), version);
}

/**
 * A ReplicaManager with producer state (ProducerStates wired into LogManager and ReplicaManager as the
 * broker wires them) hosting topic 't' with 2 partitions on one log dir.
 */
export function producerStateEnv(props: Record<string, string> = {}, disk = new SimDisk(), clock = new SimClock()) {
  const scheduler = new ManualScheduler(clock);
  const config = brokerConfig(props);
  const states = new ProducerStates({ clock, producerIdExpirationMs: () => config.get('producer.id.expiration.ms') });
  const logManager = new LogManager({
    fs: disk,
    clock,
    logDirs: ['/d1'],
    logger: NOOP_LOGGER,
    defaultConfig: logConfig({ fileDeleteDelayMs: 0 }),
    producerStateHooks: (tp) => states.hooksFor(tp),
  });
  logManager.startup();
  const rm = new ReplicaManager({ nodeId: NODE, clock, logManager, logDirs: ['/d1'], config: () => config, producerStates: states });
  rm.start(scheduler);
  let current: MetadataImage = EMPTY_IMAGE;
  const apply = (next: MetadataImage): void => {
    const prev = current;
    current = next;
    rm.applyMetadata(next, prev);
  };
  apply(image([{ name: 't', id: TOPIC_ID, partitions: 2 }]));
  const broker = { nodeId: NODE, clock, logger: NOOP_LOGGER, config: () => config, image: () => current, logManager, replicaManager: rm } as unknown as BrokerContext;
  return { disk, clock, scheduler, states, logManager, rm, apply, broker };
}
