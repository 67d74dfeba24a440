import { NOOP_LOGGER, assertNever, type Clock, type Logger } from '../common/index.js';
import type { BrokerConfig } from '../config/index.js';
import type {
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  BrokerRegistrationRequest,
  BrokerRegistrationResponse,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponseCreatePartitionsTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
  ElectLeadersRequest,
  ElectLeadersResponse,
  UpdateFeaturesRequest,
  UpdateFeaturesResponse,
} from '../protocol/index.js';
import { NotLeaderError, type Batch, type LeaderAndEpoch, type RaftClient, type RaftClientListener, type SnapshotReader } from '../raft/index.js';
import { ClusterControlManager } from './cluster-control-manager.js';
import { ConfigurationControlManager } from './configuration-control-manager.js';
import type { ApiError, ControllerApi, ControllerRequestContext, IncrementalConfigChange } from './controller-api.js';
import { ControllerApiException, apiError, type ControllerResult, type ControllerView } from './controller-result.js';
import { FeatureControlManager } from './feature-control-manager.js';
import type { ConfigResource, MetadataImage } from './image.js';
import { MetadataDelta, emptyImage } from './metadata-delta.js';
import { LATEST_PRODUCTION_LEVEL, metadataVersionLevel, supportedFeatures } from './metadata-version.js';
import { ProducerIdControlManager } from './producer-id-control-manager.js';
import type { ApiMessageAndVersion } from './records.js';
import { ReplicationControlManager, failedTopicResult } from './replication-control-manager.js';

export interface QuorumControllerOptions {
  readonly nodeId: number;
  /** From meta.properties; brokers must register with the same id. */
  readonly clusterId: string;
  readonly raft: RaftClient<ApiMessageAndVersion>;
  /** The controller's static configuration (num.partitions, default.replication.factor, broker.session.timeout.ms, ...). */
  readonly config: BrokerConfig;
  /** `monotonicMs()` times broker sessions and request deadlines. */
  readonly clock: Clock;
  /** New topic ids: random 22-char base64url uuids in production, seeded in tests. */
  readonly newUuid: () => string;
  readonly logger?: Logger;
  /**
   * metadata.version level written when this controller first leads an empty log. Default: the
   * level of `inter.broker.protocol.version` when set explicitly, else 3.9-IV0 (21).
   */
  readonly bootstrapMetadataVersion?: number;
}

interface PendingWrite {
  /** The write is answered once everything up to this offset is committed. */
  readonly offset: number;
  readonly deadlineMs: number | undefined;
  complete(): void;
  fail(error: ApiError): void;
}

type BrokerState = 'FENCED' | 'UNFENCED' | 'CONTROLLED_SHUTDOWN' | 'SHUTDOWN_NOW';

/**
 * The metadata controller (Kafka's QuorumController), sans IO and single-threaded: a command
 * validates against the controller's latest state — the committed image plus its own uncommitted
 * records, which it replays as soon as it appends them — produces records, appends them atomically
 * through raft and resolves once raft commits them. On losing leadership or a failed append it
 * drops the uncommitted state and starts again from the committed image.
 *
 * Ordering: raft calls listeners in registration order, so register the broker's MetadataLoader
 * BEFORE this controller; then when a write resolves, the broker's image already shows it.
 * Raft must deliver handleLeaderChange(self) only after this listener has replayed the log up to
 * the new epoch's start (as Kafka's raft client does); the controller also waits for the high
 * watermark it sees then before acting as leader.
 *
 * Time: `poll(nowMs)` (monotonic) fences brokers whose sessions expired and times out writes past
 * their deadline; it returns when it next needs to run. The controller arms no timers itself.
 */
export class QuorumController implements ControllerApi, RaftClientListener<ApiMessageAndVersion> {
  readonly #nodeId: number;
  readonly #raft: RaftClient<ApiMessageAndVersion>;
  readonly #config: BrokerConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #bootstrapLevel: number;
  readonly #cluster: ClusterControlManager;
  readonly #configs: ConfigurationControlManager;
  readonly #replication: ReplicationControlManager;
  readonly #features: FeatureControlManager;
  readonly #producerIds: ProducerIdControlManager;
  #committed: MetadataImage;
  #latest: MetadataImage;
  #pending: PendingWrite[] = [];
  /** Leader epoch while active; -1 otherwise. */
  #epoch = -1;
  /** Leading `epoch` but still replaying up to this offset before acting. */
  #activation: { epoch: number; catchUpTo: number } | undefined;
  /** One past the last offset known to be in the log (Kafka's nextWriteOffset, estimated). */
  #nextWriteOffset = 0;
  #closed = false;

  constructor(options: QuorumControllerOptions) {
    this.#nodeId = options.nodeId;
    this.#raft = options.raft;
    this.#config = options.config;
    this.#clock = options.clock;
    this.#logger = options.logger ?? NOOP_LOGGER;
    this.#bootstrapLevel = options.bootstrapMetadataVersion ?? defaultBootstrapLevel(options.config);
    this.#committed = emptyImage(options.clusterId);
    this.#latest = this.#committed;
    const view: ControllerView = {
      nodeId: options.nodeId,
      clusterId: options.clusterId,
      config: options.config,
      logger: this.#logger,
      latest: () => this.#latest,
    };
    const colocated = options.config.processRoles().includes('broker') ? options.nodeId : undefined;
    this.#cluster = new ClusterControlManager(view, options.config.get('broker.session.timeout.ms'), colocated);
    this.#configs = new ConfigurationControlManager(view);
    this.#replication = new ReplicationControlManager(view, this.#cluster, this.#configs, options.newUuid);
    this.#features = new FeatureControlManager(view, supportedFeatures(options.config.get('unstable.feature.versions.enable')));
    this.#producerIds = new ProducerIdControlManager(view, this.#cluster);
  }

  /** Whether this controller is the active one (leads the quorum and has caught up). */
  isActive(): boolean {
    return this.#epoch >= 0;
  }

  /** The committed state as this controller replayed it. */
  committedImage(): MetadataImage {
    return this.#committed;
  }

  /** The committed state plus this controller's uncommitted writes. */
  latestImage(): MetadataImage {
    return this.#latest;
  }

  // ---- ControllerApi ----

  createTopics(ctx: ControllerRequestContext, request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    return this.#write(ctx, () => this.#replication.createTopics(request), (e) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => failedTopicResult(t.name, e)),
    }));
  }

  findTopicIds(names: readonly string[]): Map<string, { topicId: string } | ApiError> {
    return this.#replication.findTopicIds(this.#committed, names);
  }

  findTopicNames(ids: readonly string[]): Map<string, { name: string } | ApiError> {
    return this.#replication.findTopicNames(this.#committed, ids);
  }

  deleteTopics(ctx: ControllerRequestContext, topicIds: readonly string[]): Promise<Map<string, ApiError>> {
    const all = (e: ApiError): Map<string, ApiError> => new Map(topicIds.map((id) => [id, e]));
    if (!this.#config.get('delete.topic.enable')) return Promise.resolve(all(apiError('TOPIC_DELETION_DISABLED', 'Topic deletion is disabled.')));
    return this.#write(ctx, () => this.#replication.deleteTopics(topicIds), all);
  }

  createPartitions(
    ctx: ControllerRequestContext,
    topics: readonly CreatePartitionsRequestCreatePartitionsTopic[],
    validateOnly: boolean,
  ): Promise<CreatePartitionsResponseCreatePartitionsTopicResult[]> {
    return this.#write(ctx, () => this.#replication.createPartitions(topics, validateOnly), (e) =>
      topics.map((t) => ({ name: t.name, errorCode: e.errorCode, errorMessage: e.errorMessage })),
    );
  }

  incrementalAlterConfigs(
    ctx: ControllerRequestContext,
    changes: ReadonlyMap<ConfigResource, ReadonlyMap<string, IncrementalConfigChange>>,
    validateOnly: boolean,
  ): Promise<Map<ConfigResource, ApiError>> {
    return this.#write(
      ctx,
      () => withoutRecordsIf(validateOnly, this.#configs.incrementalAlterConfigs(changes)),
      (e) => new Map([...changes.keys()].map((r) => [r, e])),
    );
  }

  legacyAlterConfigs(
    ctx: ControllerRequestContext,
    configs: ReadonlyMap<ConfigResource, ReadonlyMap<string, string | null>>,
    validateOnly: boolean,
  ): Promise<Map<ConfigResource, ApiError>> {
    return this.#write(
      ctx,
      () => withoutRecordsIf(validateOnly, this.#configs.legacyAlterConfigs(configs)),
      (e) => new Map([...configs.keys()].map((r) => [r, e])),
    );
  }

  electLeaders(ctx: ControllerRequestContext, request: ElectLeadersRequest): Promise<ElectLeadersResponse> {
    return this.#write(ctx, () => this.#replication.electLeaders(request), (e) => ({
      throttleTimeMs: 0,
      errorCode: e.errorCode,
      replicaElectionResults: [],
    }));
  }

  updateFeatures(ctx: ControllerRequestContext, request: UpdateFeaturesRequest): Promise<UpdateFeaturesResponse> {
    return this.#write(ctx, () => this.#features.updateFeatures(request, ctx.requestVersion), (e) => ({
      throttleTimeMs: 0,
      errorCode: e.errorCode,
      errorMessage: e.errorMessage,
      results: request.featureUpdates.map((u) => ({ feature: u.feature, errorCode: e.errorCode, errorMessage: e.errorMessage })),
    }));
  }

  allocateProducerIds(ctx: ControllerRequestContext, request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return this.#write(ctx, () => this.#producerIds.allocateProducerIds(request), (e) => ({
      throttleTimeMs: 0,
      errorCode: e.errorCode,
      producerIdStart: -1,
      producerIdLen: 0,
    }));
  }

  // ---- Broker lifecycle ----

  /** BrokerRegistration: a new incarnation starts fenced with a new broker epoch. */
  registerBroker(ctx: ControllerRequestContext, request: BrokerRegistrationRequest): Promise<BrokerRegistrationResponse> {
    return this.#write(
      ctx,
      () => {
        const r = this.#cluster.registerBroker(request, this.#nextWriteOffset, this.#latest.features.finalized, this.#clock.monotonicMs());
        return { records: r.records, response: { throttleTimeMs: 0, errorCode: 0, brokerEpoch: r.response.brokerEpoch } };
      },
      (e) => ({ throttleTimeMs: 0, errorCode: e.errorCode, brokerEpoch: -1 }),
    );
  }

  /**
   * BrokerHeartbeat (Kafka's BrokerHeartbeatManager states): a fenced broker is unfenced once its
   * metadata offset reaches its registration record's; wantFence / wantShutDown move it to fenced,
   * controlled shutdown (while it still leads partitions) or shutdown now.
   */
  brokerHeartbeat(ctx: ControllerRequestContext, request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse> {
    return this.#write(
      ctx,
      () => this.#heartbeat(request),
      (e) => ({ throttleTimeMs: 0, errorCode: e.errorCode, isCaughtUp: false, isFenced: true, shouldShutDown: false }),
    );
  }

  #heartbeat(request: BrokerHeartbeatRequest): ControllerResult<BrokerHeartbeatResponse> {
    const { brokerId, brokerEpoch } = request;
    const registerOffset = this.#cluster.registerBrokerRecordOffset(brokerId);
    if (registerOffset === undefined) {
      throw new ControllerApiException('STALE_BROKER_EPOCH', `Receive a heartbeat from broker ${brokerId} before registration`);
    }
    const reg = this.#cluster.checkBrokerEpoch(brokerId, brokerEpoch);
    const current: BrokerState = reg.fenced ? 'FENCED' : reg.inControlledShutdown ? 'CONTROLLED_SHUTDOWN' : 'UNFENCED';
    const caughtUp = request.currentMetadataOffset >= registerOffset;
    const next = nextBrokerState(current, request, caughtUp, () => this.#replication.hasLeaderships(brokerId));
    let records: ApiMessageAndVersion[] = [];
    if (next !== current) {
      switch (next) {
        case 'FENCED':
        case 'SHUTDOWN_NOW':
          if (!reg.fenced) records = this.#replication.brokerFencedRecords(brokerId);
          break;
        case 'UNFENCED':
          records = this.#replication.brokerUnfencedRecords(brokerId, brokerEpoch);
          break;
        case 'CONTROLLED_SHUTDOWN':
          records = this.#replication.brokerControlledShutdownRecords(brokerId, brokerEpoch);
          break;
        default:
          assertNever(next, 'broker state');
      }
    }
    const fenced = next === 'FENCED' || next === 'SHUTDOWN_NOW';
    this.#cluster.touch(brokerId, fenced, this.#clock.monotonicMs());
    return {
      records,
      response: { throttleTimeMs: 0, errorCode: 0, isCaughtUp: caughtUp, isFenced: fenced, shouldShutDown: next === 'SHUTDOWN_NOW' },
    };
  }

  /**
   * Fences brokers whose sessions expired and answers writes past their deadline with
   * REQUEST_TIMED_OUT. Returns the next time (monotonic ms) it needs to run, or undefined.
   */
  poll(nowMs: number): number | undefined {
    if (this.isActive()) {
      for (let stale = this.#cluster.findStaleBroker(nowMs); stale !== undefined; stale = this.#cluster.findStaleBroker(nowMs)) {
        this.#logger.info('fencing broker: session expired', { brokerId: stale });
        const records = this.#replication.brokerFencedRecords(stale);
        this.#cluster.touch(stale, true, nowMs);
        if (records.length > 0 && !this.#append(records, undefined, { complete: () => {}, fail: () => {} })) break;
      }
    }
    const remaining: PendingWrite[] = [];
    for (const p of this.#pending) {
      if (p.deadlineMs !== undefined && p.deadlineMs < nowMs) p.fail(apiError('REQUEST_TIMED_OUT', 'The request timed out.'));
      else remaining.push(p);
    }
    this.#pending = remaining;
    let next = this.isActive() ? this.#cluster.nextSessionDeadlineMs() : undefined;
    for (const p of this.#pending) if (p.deadlineMs !== undefined && (next === undefined || p.deadlineMs < next)) next = p.deadlineMs;
    return next === undefined ? undefined : next + 1;
  }

  // ---- RaftClientListener ----

  handleCommit(batch: Batch<ApiMessageAndVersion>): void {
    if (this.#closed) return;
    this.#committed = this.#replay(this.#committed, batch.records, batch.baseOffset, batch.lastOffset, batch.epoch, batch.appendTimestamp);
    this.#nextWriteOffset = Math.max(this.#nextWriteOffset, batch.lastOffset + 1);
    let done = 0;
    while (done < this.#pending.length && (this.#pending[done] as PendingWrite).offset <= batch.lastOffset) done++;
    const completed = this.#pending.splice(0, done);
    if (this.#pending.length === 0) this.#latest = this.#committed;
    for (const p of completed) p.complete();
    this.#maybeFinishActivation();
  }

  handleLoadSnapshot(snapshot: SnapshotReader<ApiMessageAndVersion>): void {
    if (this.#closed) return;
    this.#resync('snapshot loaded');
    const records: ApiMessageAndVersion[] = [];
    for (const b of snapshot.batches) records.push(...b.records);
    const last = snapshot.offset - 1;
    this.#committed = this.#replay(emptyImage(this.#committed.clusterId), records, last, last, snapshot.epoch, snapshot.lastContainedLogTimestamp);
    this.#latest = this.#committed;
    this.#nextWriteOffset = Math.max(this.#nextWriteOffset, snapshot.offset);
    this.#maybeFinishActivation();
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    if (this.#closed) return;
    if (leader.leaderId === this.#nodeId) {
      if (this.#epoch === leader.epoch || this.#activation?.epoch === leader.epoch) return;
      if (this.#epoch >= 0) this.#resync('new epoch');
      this.#activation = { epoch: leader.epoch, catchUpTo: this.#raft.highWatermark() };
      this.#maybeFinishActivation();
    } else {
      this.#activation = undefined;
      if (this.#epoch >= 0) {
        this.#logger.info('controller no longer active', { leaderId: leader.leaderId, epoch: leader.epoch });
        this.#resync('lost leadership');
      }
    }
  }

  beginShutdown(): void {
    this.#closed = true;
    this.#resync('shutting down');
  }

  #maybeFinishActivation(): void {
    const a = this.#activation;
    if (a === undefined || this.#committed.provenance.lastContainedOffset + 1 < a.catchUpTo) return;
    this.#activation = undefined;
    this.#epoch = a.epoch;
    this.#latest = this.#committed;
    this.#cluster.activate(this.#clock.monotonicMs());
    this.#logger.info('controller active', { epoch: a.epoch, offset: this.#committed.provenance.lastContainedOffset });
    if (this.#committed.features.metadataVersion === 0) {
      this.#logger.info('metadata log is empty: writing bootstrap records', { metadataVersion: this.#bootstrapLevel });
      this.#append(this.#features.bootstrapRecords(this.#bootstrapLevel), undefined, { complete: () => {}, fail: () => {} });
    }
  }

  /** Drops uncommitted state: pending writes answer NOT_CONTROLLER, the latest state is the committed one. */
  #resync(why: string): void {
    const pending = this.#pending;
    this.#pending = [];
    this.#latest = this.#committed;
    if (this.#epoch >= 0) this.#cluster.deactivate();
    this.#epoch = -1;
    if (pending.length > 0) this.#logger.warn('controller dropping uncommitted writes', { why, count: pending.length });
    for (const p of pending) p.fail(apiError('NOT_CONTROLLER', 'This is not the correct controller for this cluster.'));
  }

  #write<T>(ctx: ControllerRequestContext, generate: () => ControllerResult<T>, fail: (e: ApiError) => T): Promise<T> {
    if (!this.isActive()) return Promise.resolve(fail(apiError('NOT_CONTROLLER', 'This is not the correct controller for this cluster.')));
    if (this.#clock.monotonicMs() > ctx.deadlineMs) return Promise.resolve(fail(apiError('REQUEST_TIMED_OUT', 'The request timed out.')));
    let result: ControllerResult<T>;
    try {
      result = generate();
    } catch (e) {
      if (e instanceof ControllerApiException) return Promise.resolve(fail(e.error));
      return Promise.reject(e);
    }
    return new Promise<T>((resolve) => {
      const callbacks = { complete: () => resolve(result.response), fail: (e: ApiError) => resolve(fail(e)) };
      if (result.records.length === 0) {
        // Nothing to write, but the answer may rest on uncommitted writes: wait for the last one.
        const last = this.#pending[this.#pending.length - 1];
        if (last === undefined) callbacks.complete();
        else this.#pending.push({ offset: last.offset, deadlineMs: ctx.deadlineMs, ...callbacks });
        return;
      }
      this.#append(result.records, ctx.deadlineMs, callbacks);
    });
  }

  /** Appends, replays into the latest state and waits for the commit. False when raft refused. */
  #append(
    records: readonly ApiMessageAndVersion[],
    deadlineMs: number | undefined,
    callbacks: { complete(): void; fail(e: ApiError): void },
  ): boolean {
    let lastOffset: number;
    try {
      lastOffset = this.#raft.scheduleAtomicAppend(this.#epoch, records);
    } catch (e) {
      if (e instanceof NotLeaderError) {
        this.#resync('not leader');
        callbacks.fail(apiError('NOT_CONTROLLER', 'This is not the correct controller for this cluster.'));
      } else {
        // Raft refused the batch (e.g. too large) and appended nothing: only this command fails.
        this.#logger.warn('metadata append refused', { error: String(e) });
        callbacks.fail(apiError('UNKNOWN_SERVER_ERROR', `Unable to write the metadata records: ${e instanceof Error ? e.message : String(e)}`));
      }
      return false;
    }
    const baseOffset = lastOffset - records.length + 1;
    this.#latest = this.#replay(this.#latest, records, baseOffset, lastOffset, this.#epoch, this.#clock.nowMs());
    this.#nextWriteOffset = Math.max(this.#nextWriteOffset, lastOffset + 1);
    this.#pending.push({ offset: lastOffset, deadlineMs, ...callbacks });
    return true;
  }

  #replay(
    image: MetadataImage,
    records: readonly ApiMessageAndVersion[],
    baseOffset: number,
    lastOffset: number,
    epoch: number,
    timeMs: number,
  ): MetadataImage {
    const delta = new MetadataDelta(image);
    records.forEach((r, i) => {
      delta.replay(r);
      if (r.apiKey === 0) this.#cluster.noteRegisterBrokerOffset(r.message.brokerId, Math.min(baseOffset + i, lastOffset));
    });
    return delta.apply({ lastContainedOffset: lastOffset, lastContainedEpoch: epoch, lastContainedLogTimeMs: timeMs });
  }
}

function nextBrokerState(current: BrokerState, r: BrokerHeartbeatRequest, caughtUp: boolean, hasLeaderships: () => boolean): BrokerState {
  switch (current) {
    case 'FENCED':
      if (r.wantShutDown) return 'SHUTDOWN_NOW';
      if (!r.wantFence && caughtUp) return 'UNFENCED';
      return 'FENCED';
    case 'UNFENCED':
      if (r.wantFence) return r.wantShutDown ? 'SHUTDOWN_NOW' : 'FENCED';
      if (r.wantShutDown) return hasLeaderships() ? 'CONTROLLED_SHUTDOWN' : 'SHUTDOWN_NOW';
      return 'UNFENCED';
    case 'CONTROLLED_SHUTDOWN':
      return hasLeaderships() ? 'CONTROLLED_SHUTDOWN' : 'SHUTDOWN_NOW';
    case 'SHUTDOWN_NOW':
      return 'SHUTDOWN_NOW';
    default:
      return assertNever(current, 'broker state');
  }
}

function withoutRecordsIf<T>(validateOnly: boolean, r: ControllerResult<T>): ControllerResult<T> {
  return validateOnly ? { records: [], response: r.response } : r;
}

function defaultBootstrapLevel(config: BrokerConfig): number {
  if (config.isSet('inter.broker.protocol.version')) {
    const level = metadataVersionLevel(config.get('inter.broker.protocol.version'));
    if (level !== undefined) return level;
  }
  return LATEST_PRODUCTION_LEVEL;
}
