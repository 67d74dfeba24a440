import { NOOP_LOGGER, randomUuid } from '../common/index.js';
import type { Clock, Logger, Scheduler } from '../common/index.js';
import { BrokerConfig, SECURITY_PROTOCOLS, TopicConfig } from '../config/index.js';
import type { Endpoint } from '../config/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  METADATA_RECORD_SERDE,
  MetadataLoader,
  QuorumController,
  configResourceKey,
  supportedFeatures,
} from '../metadata/index.js';
import type { ApiMessageAndVersion, ControllerRequestContext, MetadataImage } from '../metadata/index.js';
import { NodeFileSystem, SystemClock, SystemScheduler, diskSpace, systemRandom, systemRandomBytes } from '../platform/index.js';
import { KafkaRaftClient, RaftDriver } from '../raft/index.js';
import { ReplicaManager, partitionConfigOf } from '../replication/index.js';
import { LogManager, ProducerStates } from '../storage/index.js';
import type { LogConfig } from '../storage/index.js';
import type { FileSystem } from '../common/index.js';
import type { BrokerContext } from './broker-context.js';
import { createBrokerHandlers } from './handlers/index.js';
import { TxnMarkerWriter } from './txn-markers.js';
import { GroupCoordinatorWiring } from './group-coordinator-wiring.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { TransactionCoordinatorWiring } from './transaction-coordinator-wiring.js';
import { GROUP_METADATA_TOPIC } from './handlers/admin-support.js';
import { MetadataLogStore } from './metadata-log-store.js';
import { startServer } from './server.js';
import { connectionQuotasFromConfig, networkLimitsFromConfig } from '../network/index.js';
import type { ConnectionQuotaLimits } from '../network/index.js';
import type { RunningServer } from './server.js';
import { ensureFormatted } from './storage-format.js';

export interface BrokerOptions {
  /** server.properties (plus overrides), Kafka's names. */
  readonly properties: ReadonlyMap<string, string>;
  readonly logger?: Logger;
  /** Injected for tests; the machine's by default. */
  readonly fs?: FileSystem;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
}

export interface BoundAddress {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerHandle {
  readonly nodeId: number;
  readonly clusterId: string;
  /** Bound addresses of every listener (real ports when 0 was configured). */
  readonly addresses: readonly BoundAddress[];
  /** The broker's view, for tests and embedding. */
  readonly context: BrokerContext;
  /** Stops serving, shuts the quorum and the logs down cleanly. */
  close(): Promise<void>;
}

/** How long startup waits for the quorum, registration and unfencing. */
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * The composition root of a combined-mode (broker + controller) node: storage (auto-formatted on
 * first start), the metadata quorum with its controller and loader, the replica manager, the
 * socket server with every API handler, and the broker's registration and heartbeats.
 */
export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
  const logger = options.logger ?? NOOP_LOGGER;
  const fs = options.fs ?? new NodeFileSystem();
  const clock = options.clock ?? new SystemClock();
  const scheduler = options.scheduler ?? new SystemScheduler();
  const staticConfig = BrokerConfig.fromProperties(options.properties);
  for (const w of staticConfig.warnings) logger.warn(w);
  const newUuid = (): string => randomUuid(systemRandomBytes);
  const storage = ensureFormatted(staticConfig, newUuid, { fs, clock, logger });
  const nodeId = staticConfig.nodeId();
  const clusterId = storage.clusterId;
  if (storage.formattedNow) logger.info(`Formatted storage for new cluster ${clusterId}`, { nodeId });

  let config = staticConfig;
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async (): Promise<void> => {
    while (closers.length > 0) {
      const c = closers.pop()!;
      try {
        await c();
      } catch (err) {
        logger.error('Error during shutdown', { error: String(err) });
      }
    }
  };

  try {
    // ---- storage ------------------------------------------------------------------------------
    let replicaManager: ReplicaManager | undefined;
    const producerStates = new ProducerStates({ clock, logger, producerIdExpirationMs: () => config.get('producer.id.expiration.ms') });
    const logManager = new LogManager({
      fs,
      clock,
      logDirs: staticConfig.logDirs(),
      logger,
      defaultConfig: defaultLogConfig(staticConfig),
      topicConfig: (topic) => replicaManager?.logConfigFor(topic),
      managerConfig: {
        retentionCheckIntervalMs: staticConfig.get('log.retention.check.interval.ms'),
        flushSchedulerIntervalMs: staticConfig.get('log.flush.scheduler.interval.ms'),
        flushOffsetCheckpointIntervalMs: staticConfig.get('log.flush.offset.checkpoint.interval.ms'),
        flushStartOffsetCheckpointIntervalMs: staticConfig.get('log.flush.start.offset.checkpoint.interval.ms'),
        cleanerEnable: staticConfig.get('log.cleaner.enable'),
        cleanerBackoffMs: staticConfig.get('log.cleaner.backoff.ms'),
        cleanerDedupeBufferSize: staticConfig.get('log.cleaner.dedupe.buffer.size'),
      },
      meta: { clusterId, nodeId },
      random: systemRandom,
      producerStateHooks: (tp) => producerStates.hooksFor(tp),
    });
    logManager.startup();
    logManager.start(scheduler);
    closers.push(() => logManager.shutdown());

    replicaManager = new ReplicaManager({
      nodeId,
      clock,
      logger,
      logManager,
      logDirs: staticConfig.logDirs(),
      config: () => config,
      diskSpace,
      random: systemRandom,
      producerStates,
    });
    replicaManager.start(scheduler);
    const rm = replicaManager;
    closers.push(() => rm.shutdown());

    // ---- metadata quorum ----------------------------------------------------------------------
    const store = MetadataLogStore.open({ fs, clock, logger, metadataLogDir: staticConfig.metadataLogDir() });
    let fatal: ((err: unknown) => void) | undefined;
    const raftDriver = new RaftDriver(scheduler, clock, (err) => fatal?.(err));
    const raft = new KafkaRaftClient<ApiMessageAndVersion>({
      nodeId,
      voters: staticConfig.quorumVoters().map((v) => v.id),
      log: store,
      quorumStateStore: store.quorumStateStore(),
      serde: METADATA_RECORD_SERDE,
      clock,
      logger,
      onWake: () => raftDriver.wake(),
    });
    const loader = new MetadataLoader({
      clusterId,
      logger,
      snapshots: {
        raft,
        maxBytesBetweenSnapshots: staticConfig.get('metadata.log.max.record.bytes.between.snapshots'),
        maxIntervalMs: staticConfig.get('metadata.log.max.snapshot.interval.ms'),
      },
    });
    // Publishers run synchronously inside handleCommit, before the controller's promise resolves.
    loader.registerPublisher({
      name: 'DynamicConfigPublisher',
      onMetadataUpdate: (image, previous) => {
        if (brokerConfigsChanged(image, previous, nodeId)) config = withDynamicConfigs(staticConfig, image, nodeId);
      },
    });
    loader.registerPublisher({ name: 'ReplicaManager', onMetadataUpdate: (image, previous) => rm.applyMetadata(image, previous) });
    // ---- group coordinator (after the replica manager's publisher: the logs it loads exist by then)
    const groups = new GroupCoordinatorWiring({ nodeId, clock, scheduler, logger, config: staticConfig, replicaManager: rm, randomBytes: systemRandomBytes });
    loader.registerPublisher({ name: 'GroupCoordinator', onMetadataUpdate: (image) => groups.onMetadataUpdate(image) });
    closers.push(() => groups.close());
    const controller = new QuorumController({
      nodeId,
      clusterId,
      raft,
      config: staticConfig,
      clock,
      newUuid,
      logger,
      bootstrapMetadataVersion: storage.bootstrap.metadataVersionLevel,
    });
    // ---- transaction markers (WriteTxnMarkers; the transaction coordinator writes through it) ----
    const txnMarkerWriter = new TxnMarkerWriter({ replicaManager: rm, logger, timeoutMs: () => config.get('request.timeout.ms') });
    // A committed marker on __consumer_offsets completes the producer's pending transactional offsets.
    txnMarkerWriter.onMarkerCommitted = (topic, partition, producerId, producerEpoch, committed) => {
      if (topic === GROUP_METADATA_TOPIC) groups.coordinator.onTransactionCompleted(partition, producerId, producerEpoch, committed);
    };

    // ---- transaction coordinator (producer ids from the controller; markers written in-process)
    const producerIds = new ProducerIdManager({
      nodeId,
      controller,
      brokerEpoch: () => loader.image().brokers.get(nodeId)?.epoch ?? -1,
      clock,
      logger,
    });
    const txns = new TransactionCoordinatorWiring({
      nodeId,
      clock,
      scheduler,
      logger,
      config: staticConfig,
      replicaManager: rm,
      image: () => loader.image(),
      generateProducerId: () => producerIds.nextProducerId(),
      sendMarkers: (request) => txnMarkerWriter.write(request),
    });
    loader.registerPublisher({ name: 'TransactionCoordinator', onMetadataUpdate: (image) => txns.onMetadataUpdate(image) });
    closers.push(() => txns.close());
    raft.register(loader); // first: the broker's image is updated before a controller write resolves
    raft.register(controller);
    raft.initialize();
    raftDriver.start(raft);
    const controllerDriver = new RaftDriver(scheduler, clock, (err) => fatal?.(err));
    controllerDriver.start({ poll: (now) => controller.poll(now) ?? Number.POSITIVE_INFINITY });
    closers.push(async () => {
      controllerDriver.stop();
      raftDriver.stop();
      await raft.close();
    });

    // ---- network -------------------------------------------------------------------------------
    const context: BrokerContext = {
      nodeId,
      clusterId,
      clock,
      logger,
      config: () => config,
      image: () => loader.image(),
      controller,
      quorum: { quorumInfo: () => raft.quorumInfo(), leaderAndEpoch: () => raft.leaderAndEpoch() },
      logManager,
      replicaManager: rm,
      txnMarkerWriter,
      groupCoordinator: groups.coordinator,
      transactionCoordinator: txns.coordinator,
    };
    // max.connections, max.connections.per.ip(.overrides) are dynamic: re-read when the config changes.
    let quotasOf: BrokerConfig | undefined;
    let quotas: ConnectionQuotaLimits | undefined;
    const connectionQuotas = (): ConnectionQuotaLimits => {
      if (quotasOf !== config) {
        quotasOf = config;
        quotas = connectionQuotasFromConfig(config);
      }
      return quotas!;
    };
    const server: RunningServer = await startServer({
      listeners: staticConfig.listeners().map((l) => ({ name: l.listenerName, host: l.host, port: l.port })),
      handlers: createBrokerHandlers(context, groups.coordinator, { coordinator: txns.coordinator, producerIds }),
      logger,
      limits: networkLimitsFromConfig(staticConfig),
      quotas: connectionQuotas,
      clock,
      scheduler,
    });
    closers.push(() => server.close());
    const addresses = server.listeners.map((l) => ({ listener: l.name, host: l.address.host, port: l.address.port }));

    // ---- registration and heartbeats -----------------------------------------------------------
    const lifecycle = new BrokerLifecycle({
      nodeId,
      clusterId,
      clock,
      scheduler,
      logger,
      controller,
      config: staticConfig,
      advertised: advertisedEndpoints(staticConfig, addresses),
      incarnationId: newUuid(),
      logDirs: [...storage.directoryIds.values()],
      metadataOffset: () => loader.image().provenance.lastContainedOffset,
    });
    closers.push(() => lifecycle.stop());
    const failure = new Promise<never>((_, reject) => {
      fatal = (err) => reject(err instanceof Error ? err : new Error(String(err)));
    });
    failure.catch(() => {});
    await Promise.race([lifecycle.start(STARTUP_TIMEOUT_MS), failure]);
    fatal = (err) => {
      logger.error('Fatal error in the metadata quorum; shutting down', { error: String(err) });
      void closeAll();
    };
    logger.info('Broker registered and unfenced: serving', { nodeId, clusterId });

    let closing: Promise<void> | undefined;
    return {
      nodeId,
      clusterId,
      addresses,
      context,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function defaultLogConfig(config: BrokerConfig): LogConfig {
  return partitionConfigOf(new TopicConfig(config)).log;
}

/** Advertised listeners with the real port where 0 was configured, and a host clients can dial. */
function advertisedEndpoints(config: BrokerConfig, bound: readonly BoundAddress[]): Endpoint[] {
  return config.advertisedBrokerListeners().map((e) => {
    const b = bound.find((x) => x.listener === e.listenerName);
    const port = e.port === 0 && b !== undefined ? b.port : e.port;
    const host = e.host === '' || e.host === '0.0.0.0' || e.host === '::' ? 'localhost' : e.host;
    return { listenerName: e.listenerName, host, port };
  });
}

function brokerConfigsChanged(image: MetadataImage, previous: MetadataImage, nodeId: number): boolean {
  for (const name of ['', String(nodeId)]) {
    const key = configResourceKey({ type: CONFIG_RESOURCE_BROKER, name });
    if (image.configs.get(key) !== previous.configs.get(key)) return true;
  }
  return false;
}

function withDynamicConfigs(staticConfig: BrokerConfig, image: MetadataImage, nodeId: number): BrokerConfig {
  const get = (name: string) => image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_BROKER, name })) ?? new Map<string, string>();
  return BrokerConfig.from({ static: staticConfig.layers.static, clusterDefault: get(''), perBroker: get(String(nodeId)) });
}

interface BrokerLifecycleParams {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly controller: QuorumController;
  readonly config: BrokerConfig;
  readonly advertised: readonly Endpoint[];
  readonly incarnationId: string;
  readonly logDirs: readonly string[];
  readonly metadataOffset: () => number;
}

/**
 * Kafka's BrokerLifecycleManager, in process: registers the broker with the controller, then
 * heartbeats every broker.heartbeat.interval.ms; the controller unfences it once it has caught
 * up with the metadata log. start() resolves when the broker is unfenced.
 */
class BrokerLifecycle {
  private brokerEpoch = -1;
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly p: BrokerLifecycleParams) {}

  async start(timeoutMs: number): Promise<void> {
    const deadline = this.p.clock.monotonicMs() + timeoutMs;
    await this.waitUntil(deadline, () => this.p.controller.isActive(), 'the controller to become active');
    const ctx = (): ControllerRequestContext => ({ deadlineMs: this.p.clock.monotonicMs() + 5_000, requestVersion: 4 });
    for (;;) {
      const features = [...supportedFeatures(false)].map(([name, r]) => ({ name, minSupportedVersion: r.min, maxSupportedVersion: r.max }));
      const res = await this.p.controller.registerBroker(ctx(), {
        brokerId: this.p.nodeId,
        clusterId: this.p.clusterId,
        incarnationId: this.p.incarnationId,
        listeners: this.p.advertised.map((e) => ({
          name: e.listenerName,
          host: e.host,
          port: e.port,
          securityProtocol: SECURITY_PROTOCOLS.indexOf(this.p.config.listenerSecurityProtocolMap().get(e.listenerName) ?? 'PLAINTEXT'),
        })),
        features,
        rack: this.p.config.get('broker.rack') ?? null,
        isMigratingZkBroker: false,
        logDirs: [...this.p.logDirs],
        previousBrokerEpoch: -1,
      });
      if (res.errorCode === 0) {
        this.brokerEpoch = res.brokerEpoch;
        break;
      }
      if (this.p.clock.monotonicMs() > deadline) throw new Error(`broker registration failed with error code ${res.errorCode}`);
      await this.delay(100);
    }
    for (;;) {
      const res = await this.heartbeat(false);
      if (res.errorCode === 0 && !res.isFenced) break;
      if (this.p.clock.monotonicMs() > deadline) throw new Error('the broker was not unfenced in time');
      await this.delay(50);
    }
    this.scheduleHeartbeat();
  }

  private heartbeat(wantShutDown: boolean) {
    return this.p.controller.brokerHeartbeat(
      { deadlineMs: this.p.clock.monotonicMs() + 5_000, requestVersion: 1 },
      {
        brokerId: this.p.nodeId,
        brokerEpoch: this.brokerEpoch,
        currentMetadataOffset: this.p.metadataOffset(),
        wantFence: false,
        wantShutDown,
        offlineLogDirs: [],
      },
    );
  }

  private scheduleHeartbeat(): void {
    if (this.stopped) return;
    this.cancel = this.p.scheduler.schedule(this.p.config.get('broker.heartbeat.interval.ms'), () => {
      this.heartbeat(false).then(
        (res) => {
          if (res.errorCode !== 0) this.p.logger.warn('Broker heartbeat failed', { errorCode: res.errorCode });
          this.scheduleHeartbeat();
        },
        (err) => this.p.logger.error('Broker heartbeat failed', { error: String(err) }),
      );
    });
  }

  private async waitUntil(deadline: number, cond: () => boolean, what: string): Promise<void> {
    while (!cond()) {
      if (this.p.clock.monotonicMs() > deadline) throw new Error(`timed out waiting for ${what}`);
      await this.delay(10);
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.p.scheduler.schedule(ms, resolve));
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }
}
