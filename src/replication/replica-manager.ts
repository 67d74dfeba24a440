import { dirname } from 'node:path';
import { RECORDS_BUFFER_POOL } from '../protocol/index.js';
import { ErrorCode, NOOP_LOGGER } from '../common/index.js';
import type { Cancel, Clock, Logger, Scheduler } from '../common/index.js';
import { TopicConfig } from '../config/index.js';
import type { BrokerConfig } from '../config/index.js';
import { CONFIG_RESOURCE_TOPIC, configResourceKey } from '../metadata/index.js';
import { ControlRecordType, buildControlBatch } from '../protocol/index.js';
import type { MetadataImage, PartitionRegistration, TopicImage } from '../metadata/index.js';
import {
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  isCompacted,
  isDeleteEnabled,
  isStorageError,
  readSliceInto,
} from '../storage/index.js';
import type { AppendOptions, FileSlice, Log, LogManager, LogConfig, ProducerStateManager, ProducerStates } from '../storage/index.js';
import { FetchSessionCache } from './fetch-session.js';
import type { FetchPartitionSpec } from './fetch-session.js';
import { MAX_FETCH_WAIT_MS } from './limits.js';
import { Partition, partitionKey } from './partition.js';
import { partitionConfigOf } from './partition-config.js';
import type { PartitionConfig } from './partition-config.js';
import { validateProducedRecords } from './produce-validator.js';
import type { RecordError } from './produce-validator.js';
import { Purgatory } from './purgatory.js';
import type { DelayedOperation } from './purgatory.js';

/** A log dir's capacity, from the platform (statfs); unknown → -1 in DescribeLogDirs. */
export interface DiskSpace {
  readonly totalBytes: number;
  readonly usableBytes: number;
}

export interface ReplicaManagerParams {
  readonly nodeId: number;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly logManager: LogManager;
  /** Every configured log dir, online or not (DescribeLogDirs lists them all). */
  readonly logDirs: readonly string[];
  /** The broker's effective configuration (static + dynamic), read when metadata is applied. */
  readonly config: () => BrokerConfig;
  readonly diskSpace?: (logDir: string) => DiskSpace | undefined;
  /** Uniform in [0, 1): fetch session ids. */
  readonly random?: () => number;
  /**
   * Producer state of every log (the same registry that backs LogManager's `producerStateHooks`):
   * idempotent and transactional batches are checked against it. Without it they are appended unchecked.
   */
  readonly producerStates?: ProducerStates;
}

/** Consumers' replica id; ListOffsets' debugging id may read from any replica. */
export const CONSUMER_REPLICA_ID = -1;
export const DEBUGGING_REPLICA_ID = -2;
export const READ_COMMITTED = 1;

export interface LeaderHint {
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

// ---- produce ---------------------------------------------------------------------------------------

export interface ProduceEntry {
  readonly topic: string;
  readonly partition: number;
  readonly records: Buffer | null;
}

export interface ProduceRequestInfo {
  readonly acks: number;
  readonly timeoutMs: number;
  readonly apiVersion: number;
  readonly entries: readonly ProduceEntry[];
}

export interface ProducePartitionResult {
  readonly topic: string;
  readonly partition: number;
  errorCode: number;
  errorMessage: string | null;
  recordErrors: readonly RecordError[];
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

/** One COMMIT/ABORT marker for one partition, written by a transaction coordinator (WriteTxnMarkers). */
export interface TxnMarkerEntry {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
}

export interface TxnMarkerOutcome {
  /** One error code per entry, in order; final once `done` (if any) has resolved. */
  readonly results: ReadonlyArray<{ readonly errorCode: number }>;
  /** Set while some marker waits for the high watermark (or durability). Never rejects. */
  readonly done: Promise<void> | null;
}

export interface ProduceOutcome {
  /** One per entry, in order; final once `done` (if any) has resolved. */
  readonly results: readonly ProducePartitionResult[];
  /** Set when the answer waits for durability (flush.messages) or replication (acks=-1). Never rejects. */
  readonly done: Promise<void> | null;
}

/** One producer of a partition, as DescribeProducers reports it. */
export interface ActiveProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  readonly coordinatorEpoch: number;
  readonly currentTxnStartOffset: number;
}

// ---- fetch -----------------------------------------------------------------------------------------

export interface FetchParams {
  /** -1 for consumers, the follower's id for replicas. */
  readonly replicaId: number;
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: number;
  readonly apiVersion: number;
}

export interface FetchPartitionResult {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
  readonly abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
  readonly records: Buffer;
  readonly currentLeader: LeaderHint;
}

/**
 * One partition's read: the file slice to send, whose bytes `materialize` reads into `records` when
 * the fetch answers. The same object is then the partition's result (no copy per fetch).
 */
interface LogRead extends FetchPartitionResult {
  readonly slice: FileSlice | undefined;
  records: Buffer;
}

// ---- other APIs ----------------------------------------------------------------------------------

export interface ListOffsetQuery {
  readonly topic: string;
  readonly partition: number;
  readonly timestamp: number;
  readonly currentLeaderEpoch: number;
  readonly isolationLevel: number;
  readonly replicaId: number;
  readonly apiVersion: number;
  readonly maxNumOffsets: number;
}

export interface ListOffsetResult {
  readonly errorCode: number;
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly oldStyleOffsets: number[];
}

export interface EpochEndOffsetResult {
  readonly errorCode: number;
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

export interface LogDirDescription {
  readonly logDir: string;
  readonly errorCode: number;
  readonly totalBytes: number;
  readonly usableBytes: number;
  readonly topics: Map<string, Array<{ partition: number; size: number; offsetLag: number }>>;
}

type Lookup = { readonly partition: Partition; readonly errorCode?: undefined } | { readonly partition?: undefined; readonly errorCode: number };

const NO_LEADER: LeaderHint = Object.freeze({ leaderId: -1, leaderEpoch: -1 });

const NO_RECORD_ERRORS: readonly RecordError[] = Object.freeze([]);

/** The produce path checked every batch's CRC (validateProducedRecords): storage skips its pass. */
const CRC_VERIFIED: AppendOptions = Object.freeze({ crcVerified: true });

/**
 * The partitions this broker hosts and the paths through them: Kafka's ReplicaManager. Metadata
 * images decide leadership (`applyMetadata`); produce appends through the leader and waits, when it
 * must, in the purgatory; fetch reads whole batches up to the high watermark (or last stable offset)
 * and long-polls there; ListOffsets, OffsetForLeaderEpoch, DeleteRecords and DescribeLogDirs read
 * the logs. Outcomes are Kafka error codes, never exceptions (storage errors are mapped here, the
 * one boundary). Follower replication (a fetcher per leader, ISR changes) plugs into `Partition`
 * (`makeFollower`, follower fetch state) in the next step.
 *
 * Lifecycle: construct → applyMetadata(image, previous) on every published image →
 * start(scheduler) (or drive poll(nowMs)) → shutdown().
 */
export class ReplicaManager {
  readonly nodeId: number;
  readonly purgatory = new Purgatory();
  readonly fetchSessions: FetchSessionCache;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly logManager: LogManager;
  private readonly partitions = new Map<string, Partition>();
  /**
   * The same partitions by topic, then index: fetches look a partition up several times per request,
   * and building its "topic-index" key string each time was garbage. Kept in step with `partitions`.
   */
  private readonly byTopic = new Map<string, Map<number, Partition>>();
  private readonly topicConfigs = new Map<string, { overrides: ReadonlyMap<string, string> | undefined; broker: BrokerConfig; config: PartitionConfig }>();
  private image: MetadataImage | undefined;
  private scheduler: Scheduler | undefined;
  private timer: { cancel: Cancel; atMs: number } | undefined;
  private cancelExpiry: Cancel | undefined;
  private stopped = false;

  constructor(private readonly params: ReplicaManagerParams) {
    this.nodeId = params.nodeId;
    this.clock = params.clock;
    this.logger = params.logger ?? NOOP_LOGGER;
    this.logManager = params.logManager;
    this.fetchSessions = new FetchSessionCache(
      () => params.config().get('max.incremental.fetch.session.cache.slots'),
      () => params.clock.monotonicMs(),
      params.random,
    );
    this.purgatory.onEarlierDeadline = (deadline) => this.arm(deadline);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Expires delayed operations with the scheduler's timers. */
  start(scheduler: Scheduler): void {
    this.scheduler = scheduler;
    this.arm(this.purgatory.nextDeadline());
    this.scheduleProducerExpiry(scheduler);
  }

  /** producer.id.expiration.check.interval.ms: forgets idle producer ids (Kafka's PeriodicProducerExpirationCheck). */
  private scheduleProducerExpiry(scheduler: Scheduler): void {
    const states = this.params.producerStates;
    if (states === undefined || this.stopped) return;
    const interval = this.params.config().get('producer.id.expiration.check.interval.ms');
    this.cancelExpiry = scheduler.schedule(interval, () => {
      const n = states.removeExpiredProducers(this.clock.nowMs());
      if (n > 0) this.logger.info(`expired ${n} producer id state(s)`);
      this.scheduleProducerExpiry(scheduler);
    });
  }

  /** Expires due operations; returns the next deadline (Infinity when none). */
  poll(nowMs = this.clock.monotonicMs()): number {
    return this.purgatory.poll(nowMs);
  }

  private arm(deadlineMs: number): void {
    const scheduler = this.scheduler;
    if (scheduler === undefined || this.stopped || !Number.isFinite(deadlineMs)) return;
    if (this.timer !== undefined && this.timer.atMs <= deadlineMs) return;
    this.timer?.cancel();
    const delay = Math.max(0, deadlineMs - this.clock.monotonicMs());
    const cancel = scheduler.schedule(delay, () => {
      this.timer = undefined;
      this.arm(this.poll());
    });
    this.timer = { cancel, atMs: deadlineMs };
  }

  /** Answers every waiting request now (expiry semantics) and stops the timer. */
  shutdown(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.cancelExpiry?.();
    this.cancelExpiry = undefined;
    this.purgatory.completeAll();
  }

  // ---- metadata --------------------------------------------------------------------------------

  /**
   * Applies a newly published image, synchronously: creates and opens logs for partitions this
   * broker replicates, becomes leader (at the image's leader epoch) or follower, applies topic
   * config changes to the logs, and deletes the logs of deleted topics and of partitions moved
   * away. Waiting requests on changed partitions are re-checked (a lost leadership answers them).
   */
  applyMetadata(image: MetadataImage, previous: MetadataImage): void {
    this.image = image;
    const broker = this.params.config();
    for (const [id, old] of previous.topics.byId) {
      if (image.topics.byId.has(id)) continue;
      for (const index of old.partitions.keys()) this.removePartition(old.name, index);
      this.topicConfigs.delete(old.name);
    }
    const now = this.clock.monotonicMs();
    for (const topic of image.topics.byName.values()) {
      const prevTopic = previous.topics.byId.get(topic.topicId);
      const config = this.partitionConfigFor(topic.name, image, broker);
      for (const [index, reg] of topic.partitions) {
        this.applyPartition(topic, index, reg, prevTopic?.partitions.get(index), config, now);
      }
    }
  }

  private applyPartition(
    topic: TopicImage,
    index: number,
    reg: PartitionRegistration,
    prevReg: PartitionRegistration | undefined,
    config: PartitionConfig,
    nowMs: number,
  ): void {
    const key = partitionKey(topic.name, index);
    let partition = this.partitions.get(key);
    if (!reg.replicas.includes(this.nodeId)) {
      if (partition !== undefined) this.removePartition(topic.name, index);
      return;
    }
    if (partition !== undefined && partition.topicId !== topic.topicId) {
      this.removePartition(topic.name, index);
      partition = undefined;
    }
    if (partition !== undefined && prevReg === reg && partition.config === config) return;
    try {
      if (partition === undefined) {
        const log = this.openLog(topic, index);
        partition = new Partition(this.nodeId, topic.name, index, topic.topicId, log, config);
        partition.producerState = this.loadProducerState(log);
        this.partitions.set(key, partition);
        let indexes = this.byTopic.get(topic.name);
        if (indexes === undefined) this.byTopic.set(topic.name, (indexes = new Map()));
        indexes.set(index, partition);
      }
      if (partition.config !== config) {
        partition.config = config;
        partition.log.updateConfig(config.log);
      } else if (partition.log.config !== config.log) {
        partition.log.updateConfig(config.log);
      }
      if (reg.leader === this.nodeId) partition.makeLeader(reg, nowMs);
      else partition.makeFollower(reg);
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.logger.error(`cannot host ${key}: ${err.message}`, { partition: key, code: err.code });
    }
    // Leadership or the high watermark may have changed: waiting requests re-check.
    this.purgatory.checkAndComplete(key);
  }

  private openLog(topic: TopicImage, index: number): Log {
    const tp = { topic: topic.name, partition: index };
    let log = this.logManager.getOrCreateLog(tp, topic.topicId);
    if (log.topicId !== undefined && log.topicId !== topic.topicId) {
      // A log left from an earlier topic of the same name: Kafka treats it as stray and deletes it.
      this.logger.warn(`deleting stray log ${topic.name}-${index} of topic id ${log.topicId} (now ${topic.topicId})`);
      this.logManager.deleteLog(tp);
      log = this.logManager.getOrCreateLog(tp, topic.topicId);
    }
    return log;
  }

  /** The log's producer state, rebuilt from its snapshot and the batches after it (once per log). */
  private loadProducerState(log: Log): ProducerStateManager | undefined {
    const psm = this.params.producerStates?.get(log.topicPartition);
    if (psm === undefined) return undefined;
    psm.load(log);
    return psm;
  }

  private removePartition(topic: string, index: number): void {
    const key = partitionKey(topic, index);
    const existed = this.partitions.delete(key);
    const indexes = this.byTopic.get(topic);
    if (indexes?.delete(index) === true && indexes.size === 0) this.byTopic.delete(topic);
    this.logManager.deleteLog({ topic, partition: index });
    this.params.producerStates?.forget({ topic, partition: index });
    if (existed) this.purgatory.checkAndComplete(key);
  }

  private partitionConfigFor(topic: string, image: MetadataImage, broker: BrokerConfig): PartitionConfig {
    const overrides = image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: topic }));
    const cached = this.topicConfigs.get(topic);
    if (cached !== undefined && cached.overrides === overrides && cached.broker === broker) return cached.config;
    let config: PartitionConfig;
    try {
      config = partitionConfigOf(new TopicConfig(broker, overrides ?? new Map()));
    } catch (err) {
      // The controller validates overrides before committing them; a bad one here is logged and ignored.
      this.logger.error(`invalid config for topic ${topic}, using the broker defaults: ${String(err)}`, { topic });
      config = partitionConfigOf(new TopicConfig(broker));
    }
    this.topicConfigs.set(topic, { overrides, broker, config });
    return config;
  }

  /** Storage settings of a hosted topic (for LogManager's `topicConfig`), if known. */
  logConfigFor(topic: string): LogConfig | undefined {
    return this.topicConfigs.get(topic)?.config.log;
  }

  // ---- lookups ---------------------------------------------------------------------------------

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  /** Topic name of a topic id in the current image. */
  topicName(topicId: string): string | undefined {
    return this.image?.topics.byId.get(topicId)?.name;
  }

  topicId(topic: string): string | undefined {
    return this.image?.topics.byName.get(topic)?.topicId;
  }

  /** Leader and epoch of a partition as the current image has them (KIP-951 hints in errors). */
  leaderHint(topic: string, partition: number): LeaderHint {
    const reg = this.image?.topics.byName.get(topic)?.partitions.get(partition);
    return reg === undefined ? NO_LEADER : { leaderId: reg.leader, leaderEpoch: reg.leaderEpoch };
  }

  /**
   * KIP-951: endpoints of the given brokers on `listenerName`, for responses that name a new
   * leader (Produce v10+, Fetch v16+). Brokers without that listener are left out.
   */
  nodeEndpoints(nodeIds: Iterable<number>, listenerName: string): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
    const out: Array<{ nodeId: number; host: string; port: number; rack: string | null }> = [];
    for (const id of new Set(nodeIds)) {
      const b = this.image?.brokers.get(id);
      const ep = b?.listeners.find((l) => l.name === listenerName);
      if (b !== undefined && ep !== undefined) out.push({ nodeId: id, host: ep.host, port: ep.port, rack: b.rack });
    }
    return out;
  }

  /** Kafka's getPartitionOrError, requiring leadership unless `anyReplica`. */
  private lookup(topic: string, index: number, anyReplica = false): Lookup {
    const found = this.partitionOrError(topic, index, anyReplica);
    return typeof found === 'number' ? { errorCode: found } : { partition: found };
  }

  /** `lookup` without a result object (the produce path runs it once per partition per request). */
  private partitionOrError(topic: string, index: number, anyReplica = false): Partition | number {
    const p = this.getPartition(topic, index);
    if (p !== undefined) {
      if (p.log.isOffline) return ErrorCode.KAFKA_STORAGE_ERROR;
      if (!anyReplica && !p.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      return p;
    }
    if (this.logManager.partitionState({ topic, partition: index }) === 'offline') return ErrorCode.KAFKA_STORAGE_ERROR;
    const known = this.image?.topics.byName.get(topic)?.partitions.has(index) === true;
    return known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }

  // ---- produce ---------------------------------------------------------------------------------

  /**
   * Appends every entry synchronously (the caller keeps request order by calling this before any
   * await). The outcome's `done` resolves when the answer may go out: after the flush policy's
   * fdatasync (acks 1 and -1) and, for acks=-1, once the high watermark covers the append, or at
   * the timeout with REQUEST_TIMED_OUT.
   */
  appendRecords(req: ProduceRequestInfo): ProduceOutcome {
    const nowWall = this.clock.nowMs();
    // Sized up front: a push onto [] allocates room for 16 elements.
    const results = new Array<ProducePartitionResult>(req.entries.length);
    // Only acks=-1, or an append that waits for its fdatasync, waits at all.
    let waits: ProduceWait[] | undefined;
    const validAcks = req.acks === -1 || req.acks === 0 || req.acks === 1;
    for (let i = 0; i < req.entries.length; i++) {
      const e = req.entries[i]!;
      const r = emptyPartitionResult(e.topic, e.partition);
      results[i] = r;
      if (!validAcks) {
        r.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
        continue;
      }
      const p = this.partitionOrError(e.topic, e.partition);
      if (typeof p === 'number') {
        r.errorCode = p;
        continue;
      }
      const check = validateProducedRecords(e.records, {
        apiVersion: req.apiVersion,
        config: p.config,
        nowMs: nowWall,
        partitionName: p.key,
      });
      if (!check.ok) {
        r.errorCode = check.errorCode;
        r.errorMessage = check.errorMessage;
        r.recordErrors = check.recordErrors;
        continue;
      }
      if (req.acks === -1 && p.isr.length < p.config.minInsyncReplicas) {
        r.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS;
        r.errorMessage = `The size of the current ISR ${p.isr.length} is insufficient to satisfy the min.isr requirement of ${p.config.minInsyncReplicas} for partition ${p.key}`;
        continue;
      }
      // Producer state is checked and updated synchronously with the append (nothing runs in
      // between): a pipelined retry sees the state its predecessor left.
      if (check.producerIdBatches > 0 && p.producerState !== undefined) {
        const ps = p.producerState.checkClientAppend(e.records!, p.log.logEndOffset);
        if (ps.kind === 'error') {
          r.errorCode = ErrorCode[ps.error];
          r.errorMessage = ps.message;
          continue;
        }
        if (ps.kind === 'duplicate') {
          // Kafka answers a retried batch with its original offsets and appends nothing.
          r.baseOffset = ps.firstOffset;
          r.logAppendTimeMs = ps.timestamp;
          r.logStartOffset = p.log.logStartOffset;
          // Nothing to wait for with acks=1 (see produceCompletion): no wait is recorded then.
          if (req.acks === -1) (waits ??= []).push(this.produceWait(p, r, ps.lastOffset + 1, null));
          continue;
        }
      }
      try {
        const info = p.appendAsLeader(e.records!, CRC_VERIFIED);
        r.baseOffset = info.firstOffset;
        r.logAppendTimeMs = info.logAppendTime;
        r.logStartOffset = info.logStartOffset;
        if (p.maybeIncrementHighWatermark()) this.purgatory.checkAndComplete(p.key);
        if (req.acks === -1 || (req.acks === 1 && info.durable !== null)) (waits ??= []).push(this.produceWait(p, r, info.lastOffset + 1, info.durable));
      } catch (err) {
        if (!isStorageError(err)) throw err;
        r.errorCode = ErrorCode[err.code];
        r.errorMessage = err.code === 'KAFKA_STORAGE_ERROR' ? null : err.message;
      }
    }
    return { results, done: this.produceCompletion(req.acks, req.timeoutMs, waits) };
  }

  /**
   * Kafka's appendRecords with origin COORDINATOR and acks=-1, for WriteTxnMarkers: each entry
   * becomes one control batch appended as the leader, synchronously (call before any await). A
   * partition not hosted or offline → UNKNOWN_TOPIC_OR_PARTITION (Kafka's onlinePartition check), not
   * leading → NOT_LEADER_OR_FOLLOWER; producer state refuses a marker of an older producer epoch
   * (INVALID_PRODUCER_EPOCH) or coordinator epoch (TRANSACTION_COORDINATOR_FENCED). An entry is
   * answered once the high watermark covers its marker, or at the timeout (REQUEST_TIMED_OUT).
   */
  appendTxnMarkers(entries: readonly TxnMarkerEntry[], timeoutMs: number): TxnMarkerOutcome {
    const now = this.clock.nowMs();
    const results: ProducePartitionResult[] = [];
    const waits: ProduceWait[] = [];
    for (const e of entries) {
      const r = emptyPartitionResult(e.topic, e.partition);
      results.push(r);
      const p = this.partitions.get(partitionKey(e.topic, e.partition));
      if (p === undefined || p.log.isOffline) {
        r.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      if (!p.isLeader) {
        r.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        continue;
      }
      if (p.isr.length < p.config.minInsyncReplicas) {
        r.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS;
        continue;
      }
      const batch = buildControlBatch({
        type: e.committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        coordinatorEpoch: e.coordinatorEpoch,
        timestamp: now,
      });
      if (p.producerState !== undefined) {
        const check = p.producerState.checkMarkerAppend(batch);
        if (check.kind === 'error') {
          r.errorCode = ErrorCode[check.error];
          r.errorMessage = check.message;
          continue;
        }
      }
      try {
        const info = p.appendAsLeader(batch, { crcVerified: true });
        r.baseOffset = info.firstOffset;
        r.logStartOffset = info.logStartOffset;
        if (p.maybeIncrementHighWatermark()) this.purgatory.checkAndComplete(p.key);
        waits.push(this.produceWait(p, r, info.lastOffset + 1, info.durable));
      } catch (err) {
        if (!isStorageError(err)) throw err;
        r.errorCode = ErrorCode[err.code];
        r.errorMessage = err.message;
      }
    }
    return { results, done: this.produceCompletion(-1, timeoutMs, waits) };
  }

  private produceWait(p: Partition, r: ProducePartitionResult, requiredOffset: number, durable: Promise<void> | null): ProduceWait {
    const w: ProduceWait = { partition: p, result: r, requiredOffset, durable: durable === null ? 'done' : 'pending', settled: false };
    if (durable !== null) {
      durable.then(
        () => {
          w.durable = 'done';
          this.purgatory.checkAndComplete(p.key);
        },
        () => {
          w.durable = 'failed';
          this.purgatory.checkAndComplete(p.key);
        },
      );
    }
    return w;
  }

  /**
   * Kafka flushes inside the append, so durability (flush.messages) is part of the append for acks 1
   * and -1 and is not bounded by the request timeout; replication (acks=-1) is, measured from now.
   */
  private produceCompletion(acks: number, timeoutMs: number, waits: ProduceWait[] | undefined): Promise<void> | null {
    if (acks === 0 || waits === undefined || waits.length === 0) return null;
    const deadline = this.clock.monotonicMs() + Math.max(0, timeoutMs);
    let pending: ProduceWait[] | undefined;
    for (const w of waits) if (w.durable === 'pending') (pending ??= []).push(w);
    // The usual case at acks=-1: nothing to fsync first, no promise or closure unless replication waits.
    if (pending === undefined) return acks === -1 ? this.awaitReplication(waits, deadline) : null;
    const durable = pending;
    return new Promise<void>((resolve) => {
      this.purgatory.tryCompleteElseWatch(new DelayedProduce(durable, Infinity, 'durable', this, resolve));
    }).then(() => (acks === -1 ? (this.awaitReplication(waits, deadline) ?? undefined) : undefined));
  }

  private awaitReplication(waits: ProduceWait[], deadline: number): Promise<void> | null {
    let resolveFn: () => void = () => {};
    const promise = new Promise<void>((resolve) => (resolveFn = resolve));
    const op = new DelayedProduce(waits, deadline, 'replicated', this, () => resolveFn());
    this.purgatory.tryCompleteElseWatch(op);
    if (!op.completed) this.purgatory.poll(this.clock.monotonicMs());
    return op.completed ? null : promise;
  }

  /** Whether `p` is still the hosted leader (used by waiting produces). */
  isCurrentLeader(p: Partition): boolean {
    return this.partitions.get(p.key) === p && p.isLeader && !p.log.isOffline;
  }

  // ---- fetch -----------------------------------------------------------------------------------

  /**
   * Reads every partition (whole batches, bounded by the request's and each partition's max bytes,
   * at least one batch for the first partition with data), and answers at once when there is
   * enough (min bytes), an error, a diverging epoch, or no wait; otherwise waits in the purgatory
   * until a high watermark moves far enough or max wait passes. `respond` turns the results into
   * the caller's answer: returned as is when the fetch is answered at once, otherwise through a
   * promise (a throw in `respond` rejects it). Kafka's fetchMessages takes a callback likewise: a
   * consumer at the log end fetches once per record, so the answer-now path should cost no promise.
   */
  fetchMessages(params: FetchParams, specs: readonly FetchPartitionSpec[]): Promise<FetchPartitionResult[]>;
  fetchMessages<R>(params: FetchParams, specs: readonly FetchPartitionSpec[], respond: (results: FetchPartitionResult[]) => R): R | Promise<R>;
  fetchMessages<R>(params: FetchParams, specs: readonly FetchPartitionSpec[], respond?: (results: FetchPartitionResult[]) => R): R | Promise<R> | Promise<FetchPartitionResult[]> {
    if (respond === undefined) return Promise.resolve(this.fetchMessages(params, specs, (results) => results));
    if (params.replicaId >= 0) this.updateFollowers(params.replicaId, specs);
    const first = this.readAll(params, specs);
    const canAnswer = params.maxWaitMs <= 0 || specs.length === 0 || first.bytes >= params.minBytes || first.interrupt;
    if (canAnswer) return respond(materialize(first.reads));
    return new Promise<R>((resolve, reject) => {
      const deadline = this.clock.monotonicMs() + Math.min(params.maxWaitMs, MAX_FETCH_WAIT_MS);
      this.purgatory.tryCompleteElseWatch(new DelayedFetch(this, params, specs, deadline, respond, resolve, reject));
    });
  }

  private updateFollowers(replicaId: number, specs: readonly FetchPartitionSpec[]): void {
    const now = this.clock.monotonicMs();
    for (const s of specs) {
      const p = this.getPartition(s.topic, s.partition);
      if (p?.isLeader === true && p.updateFollowerFetchState(replicaId, s.fetchOffset, now)) this.purgatory.checkAndComplete(p.key);
    }
  }

  /** @internal Reads all partitions once (also DelayedFetch's check). */
  readAll(params: FetchParams, specs: readonly FetchPartitionSpec[]): { reads: LogRead[]; bytes: number; interrupt: boolean } {
    const hardLimit = params.apiVersion <= 2;
    let minOneMessage = !hardLimit;
    let left = params.maxBytes;
    let bytes = 0;
    let interrupt = false;
    // Sized up front: growing from [] allocates room for 17.
    const reads = new Array<LogRead>(specs.length);
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const read = this.readOne(params, spec, Math.max(0, Math.min(spec.partitionMaxBytes, left)), minOneMessage);
      const size = read.slice?.size ?? 0;
      if (size > 0) minOneMessage = false;
      left = Math.max(0, left - size);
      bytes += size;
      if (read.errorCode !== ErrorCode.NONE || read.divergingEpoch !== null) interrupt = true;
      reads[i] = read;
    }
    return { reads, bytes, interrupt };
  }

  /** Whether any partition has something new past its fetch offset (cheap pre-check for long polls). */
  hasNewData(params: FetchParams, specs: readonly FetchPartitionSpec[]): boolean {
    for (const spec of specs) {
      const found = this.lookup(spec.topic, spec.partition);
      if (found.partition === undefined) return true;
      const p = found.partition;
      if (p.checkLeaderEpoch(spec.currentLeaderEpoch) !== ErrorCode.NONE) return true;
      if (this.upperBound(p, params) > spec.fetchOffset) return true;
      if (spec.fetchOffset < p.log.logStartOffset) return true;
    }
    return false;
  }

  private upperBound(p: Partition, params: FetchParams): number {
    if (params.replicaId >= 0) return p.log.logEndOffset;
    return params.isolationLevel === READ_COMMITTED ? p.lastStableOffset : p.highWatermark;
  }

  private readOne(params: FetchParams, spec: FetchPartitionSpec, maxBytes: number, minOneMessage: boolean): LogRead {
    const found = this.lookup(spec.topic, spec.partition);
    if (found.partition === undefined) return this.failedRead(spec, found.errorCode);
    const p = found.partition;
    const epochError = p.checkLeaderEpoch(spec.currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) return this.failedRead(spec, epochError);
    const log = p.log;
    try {
      if (params.apiVersion >= 12 && spec.lastFetchedEpoch >= 0) {
        const end = log.endOffsetForEpoch(spec.lastFetchedEpoch);
        if (end.leaderEpoch < 0 || end.endOffset < 0) return this.failedRead(spec, ErrorCode.OFFSET_OUT_OF_RANGE);
        if (end.leaderEpoch < spec.lastFetchedEpoch || end.endOffset < spec.fetchOffset) {
          return logRead(p, undefined, { epoch: end.leaderEpoch, endOffset: end.endOffset }, null);
        }
      }
      const upper = this.upperBound(p, params);
      const data = log.read(spec.fetchOffset, maxBytes, upper, minOneMessage);
      // Kafka: read_committed answers carry a list (empty when nothing was read), others none.
      let aborted: LogRead['abortedTransactions'] = null;
      if (params.isolationLevel === READ_COMMITTED && params.replicaId < 0) {
        if (data.slice === undefined) aborted = [];
        else {
          const found = log.collectAbortedTransactions(spec.fetchOffset, log.fetchUpperBoundOffset(spec.fetchOffset, data.slice));
          aborted = found.length === 0 ? found : found.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
        }
      }
      return logRead(p, data.slice, null, aborted);
    } catch (err) {
      if (!isStorageError(err)) throw err;
      return this.failedRead(spec, ErrorCode[err.code]);
    }
  }

  /** A read that failed with `errorCode`, with the KIP-951 leader hint the response may carry. */
  private failedRead(spec: FetchPartitionSpec, errorCode: number): LogRead {
    return {
      errorCode,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
      slice: undefined,
      divergingEpoch: null,
      abortedTransactions: null,
      currentLeader: this.leaderHint(spec.topic, spec.partition),
      records: EMPTY,
    };
  }

  // ---- DescribeProducers -------------------------------------------------------------------------

  /** Kafka's activeProducerState: the producers of a partition this broker leads. */
  describeProducers(topic: string, partition: number): { errorCode: number; producers: ActiveProducer[] } {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, producers: [] };
    const producers = found.partition.producerState?.describeProducers() ?? [];
    return { errorCode: ErrorCode.NONE, producers };
  }

  // ---- ListOffsets -------------------------------------------------------------------------------

  listOffset(q: ListOffsetQuery): ListOffsetResult {
    const none = (errorCode: number): ListOffsetResult => ({ errorCode, timestamp: -1, offset: -1, leaderEpoch: -1, oldStyleOffsets: [] });
    const found = this.lookup(q.topic, q.partition, q.replicaId === DEBUGGING_REPLICA_ID);
    if (found.partition === undefined) return none(found.errorCode);
    const p = found.partition;
    const epochError = p.checkLeaderEpoch(q.currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) return none(epochError);
    const log = p.log;
    const fromConsumer = q.replicaId === CONSUMER_REPLICA_ID;
    const lastFetchable = !fromConsumer ? log.logEndOffset : q.isolationLevel === READ_COMMITTED ? p.lastStableOffset : p.highWatermark;
    try {
      if (q.apiVersion === 0) return { ...none(ErrorCode.NONE), oldStyleOffsets: legacyOffsets(log, q.timestamp, q.maxNumOffsets, fromConsumer ? p.highWatermark : undefined) };
      if (q.timestamp === LATEST_TIMESTAMP) return { errorCode: ErrorCode.NONE, timestamp: -1, offset: lastFetchable, leaderEpoch: p.leaderEpoch, oldStyleOffsets: [] };
      const found = log.fetchOffsetByTimestamp(q.timestamp);
      const allowed = q.timestamp === EARLIEST_TIMESTAMP || q.timestamp === EARLIEST_LOCAL_TIMESTAMP || (found !== undefined && found.offset < lastFetchable);
      if (found === undefined || !allowed) return none(ErrorCode.NONE);
      return { errorCode: ErrorCode.NONE, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch ?? -1, oldStyleOffsets: [] };
    } catch (err) {
      if (!isStorageError(err)) throw err;
      return none(ErrorCode[err.code]);
    }
  }

  // ---- OffsetForLeaderEpoch ------------------------------------------------------------------------

  lastOffsetForLeaderEpoch(topic: string, partition: number, currentLeaderEpoch: number, leaderEpoch: number, replicaId: number): EpochEndOffsetResult {
    const found = this.lookup(topic, partition, replicaId === DEBUGGING_REPLICA_ID);
    if (found.partition === undefined) return { errorCode: found.errorCode, leaderEpoch: -1, endOffset: -1 };
    const p = found.partition;
    const epochError = p.checkLeaderEpoch(currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) return { errorCode: epochError, leaderEpoch: -1, endOffset: -1 };
    return { errorCode: ErrorCode.NONE, ...p.log.endOffsetForEpoch(leaderEpoch) };
  }

  // ---- DeleteRecords ---------------------------------------------------------------------------

  /** Moves the log start offset up to `offset` (-1: the high watermark). Returns the new low watermark. */
  deleteRecords(topic: string, partition: number, offset: number): { errorCode: number; lowWatermark: number } {
    const found = this.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, lowWatermark: -1 };
    const p = found.partition;
    const log = p.log;
    if (!isDeleteEnabled(log.config.cleanupPolicy) && isCompacted(log.config.cleanupPolicy)) {
      return { errorCode: ErrorCode.POLICY_VIOLATION, lowWatermark: -1 };
    }
    const target = offset === -1 ? p.highWatermark : offset;
    if (target < 0 || target > p.highWatermark) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 };
    try {
      log.maybeIncrementLogStartOffset(target);
    } catch (err) {
      if (!isStorageError(err)) throw err;
      return { errorCode: ErrorCode[err.code], lowWatermark: -1 };
    }
    // Long polls whose fetch offset fell below the new start must now answer OFFSET_OUT_OF_RANGE.
    this.purgatory.checkAndComplete(p.key);
    return { errorCode: ErrorCode.NONE, lowWatermark: log.logStartOffset };
  }

  // ---- DescribeLogDirs -------------------------------------------------------------------------

  /** Every log dir with its partitions (all of them, or those in `filter`: topic → partitions). */
  describeLogDirs(filter: ReadonlyMap<string, ReadonlySet<number>> | null): LogDirDescription[] {
    const offline = new Set(this.logManager.offlineLogDirs());
    const byDir = new Map<string, Map<string, Array<{ partition: number; size: number; offsetLag: number }>>>();
    for (const dir of this.params.logDirs) byDir.set(dir, new Map());
    for (const log of this.logManager.allLogs()) {
      const { topic, partition } = log.topicPartition;
      if (filter !== null && filter.get(topic)?.has(partition) !== true) continue;
      const dir = dirname(log.dir);
      const topics = byDir.get(dir) ?? new Map();
      byDir.set(dir, topics);
      if (offline.has(dir) || log.isOffline) continue;
      const hosted = this.partitions.get(partitionKey(topic, partition));
      // Kafka: max(HW - LEO, 0) for current replicas, -1 when the partition is not online here.
      const offsetLag = hosted === undefined ? -1 : Math.max(0, hosted.highWatermark - log.logEndOffset);
      let list = topics.get(topic);
      if (list === undefined) topics.set(topic, (list = []));
      list.push({ partition, size: log.size, offsetLag });
    }
    return [...byDir].map(([logDir, topics]) => {
      const isOffline = offline.has(logDir);
      const space = isOffline ? undefined : this.params.diskSpace?.(logDir);
      return {
        logDir,
        errorCode: isOffline ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NONE,
        totalBytes: space?.totalBytes ?? -1,
        usableBytes: space?.usableBytes ?? -1,
        topics: isOffline ? new Map() : topics,
      };
    });
  }
}

// ---- delayed operations --------------------------------------------------------------------------

interface ProduceWait {
  readonly partition: Partition;
  readonly result: ProducePartitionResult;
  readonly requiredOffset: number;
  durable: 'pending' | 'done' | 'failed';
  settled: boolean;
}

/**
 * A produce waiting for its fdatasync ('durable': acks 1 and -1 with flush.messages) or for the high
 * watermark to cover it ('replicated': acks=-1): Kafka's DelayedProduce.
 */
class DelayedProduce implements DelayedOperation {
  readonly keys: readonly string[];
  completed = false;

  constructor(
    private readonly waits: readonly ProduceWait[],
    readonly deadlineMs: number,
    private readonly phase: 'durable' | 'replicated',
    private readonly rm: ReplicaManager,
    private readonly onDone: () => void,
  ) {
    this.keys = [...new Set(waits.map((w) => w.partition.key))];
  }

  tryComplete(): boolean {
    if (this.completed) return true;
    let all = true;
    for (const w of this.waits) {
      if (w.settled) continue;
      if (w.durable === 'failed') this.settle(w, ErrorCode.KAFKA_STORAGE_ERROR);
      else if (w.durable === 'pending') all = false;
      else if (this.phase === 'durable') continue;
      else if (!this.rm.isCurrentLeader(w.partition)) this.settle(w, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      else if (w.partition.highWatermark >= w.requiredOffset) w.settled = true;
      else all = false;
    }
    if (all) this.finish();
    return all;
  }

  forceComplete(): void {
    if (this.completed) return;
    for (const w of this.waits) if (!w.settled && (this.phase === 'replicated' || w.durable !== 'done')) this.settle(w, ErrorCode.REQUEST_TIMED_OUT);
    this.finish();
  }

  private settle(w: ProduceWait, errorCode: number): void {
    w.settled = true;
    w.result.errorCode = errorCode;
    if (errorCode !== ErrorCode.REQUEST_TIMED_OUT) w.result.baseOffset = -1;
  }

  private finish(): void {
    this.completed = true;
    this.onDone();
  }
}

/** A fetch long poll: Kafka's DelayedFetch. Settles the fetch's promise with `respond`'s answer. */
class DelayedFetch<R> implements DelayedOperation {
  readonly keys: readonly string[];
  private done = false;

  constructor(
    private readonly rm: ReplicaManager,
    private readonly params: FetchParams,
    private readonly specs: readonly FetchPartitionSpec[],
    readonly deadlineMs: number,
    private readonly respond: (results: FetchPartitionResult[]) => R,
    private readonly resolve: (answer: R) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.keys = specs.length === 1 ? [watchKey(rm, specs[0]!)] : [...new Set(specs.map((s) => watchKey(rm, s)))];
  }

  tryComplete(): boolean {
    if (this.done) return true;
    if (!this.rm.hasNewData(this.params, this.specs)) return false;
    const read = this.rm.readAll(this.params, this.specs);
    if (read.bytes < this.params.minBytes && !read.interrupt) return false;
    this.finish(read.reads);
    return true;
  }

  forceComplete(): void {
    if (this.done) return;
    this.finish(this.rm.readAll(this.params, this.specs).reads);
  }

  /** Runs inside whatever completed the fetch (often a produce's append): a throw must not escape there. */
  private finish(reads: LogRead[]): void {
    this.done = true;
    let answer: R;
    try {
      answer = this.respond(materialize(reads));
    } catch (e) {
      this.reject(e);
      return;
    }
    this.resolve(answer);
  }
}

/** The purgatory key of a fetched partition (a hosted partition has its key string already). */
function watchKey(rm: ReplicaManager, s: FetchPartitionSpec): string {
  return rm.getPartition(s.topic, s.partition)?.key ?? partitionKey(s.topic, s.partition);
}

/** A partition's produce result before its append: no error, no offsets yet. */
function emptyPartitionResult(topic: string, partition: number): ProducePartitionResult {
  return {
    topic,
    partition,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    recordErrors: NO_RECORD_ERRORS,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
  };
}

/**
 * A fetch's bytes are read synchronously, as Kafka's network threads sendfile() them: the data is
 * nearly always in the page cache, and a thread-pool read cost a hand-off each way (1.4-2.2 ms per
 * 1 MiB fetch on a loaded 2-core machine against 0.3-0.6 ms read here), which bounded a consumer
 * with one fetch in flight and added to the end-to-end latency tail. A cold read blocks the event
 * loop for its duration, as sendfile blocks a Kafka network thread.
 */
function readSliceNow(slice: FileSlice): Buffer {
  // Lent from the records pool; the network layer gives it back once the response is written.
  const buf = RECORDS_BUFFER_POOL.acquire(slice.size);
  const n = readSliceInto(slice, buf);
  return n === slice.size ? buf : buf.subarray(0, n);
}

/** A successful read of `p` (the leader hint only matters for errors). */
function logRead(p: Partition, slice: FileSlice | undefined, divergingEpoch: LogRead['divergingEpoch'], aborted: LogRead['abortedTransactions']): LogRead {
  return {
    errorCode: ErrorCode.NONE,
    highWatermark: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    logStartOffset: p.log.logStartOffset,
    slice,
    divergingEpoch,
    abortedTransactions: aborted,
    currentLeader: NO_LEADER,
    records: EMPTY,
  };
}

/**
 * The reads' slices as buffers (read now: see readSliceNow), in place; a failed read answers
 * KAFKA_STORAGE_ERROR. The reads are the results from then on.
 */
function materialize(reads: LogRead[]): FetchPartitionResult[] {
  for (let i = 0; i < reads.length; i++) {
    const r = reads[i]!;
    if (r.slice === undefined) continue;
    try {
      r.records = readSliceNow(r.slice);
    } catch {
      reads[i] = { ...r, slice: undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null };
    }
  }
  return reads;
}

const EMPTY = Buffer.alloc(0);


/**
 * ListOffsets v0 (Kafka's legacyFetchOffsetsBefore): segment base offsets (and the log end) at or
 * before `timestamp`, newest first, at most `maxNumOffsets`. Segment times are their largest record
 * timestamps here (Kafka uses file modification times). Consumers see nothing past the HW.
 */
function legacyOffsets(log: Log, timestamp: number, maxNumOffsets: number, highWatermark: number | undefined): number[] {
  const points: Array<{ offset: number; time: number }> = log.segments.map((s) => ({ offset: s.baseOffset, time: s.size === 0 ? -1 : s.largestTimestamp() }));
  if (log.activeSegment.size > 0) points.push({ offset: log.logEndOffset, time: Number.MAX_SAFE_INTEGER });
  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = points.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
  else {
    start = -1;
    for (let i = points.length - 1; i >= 0; i--) {
      if (points[i]!.time <= timestamp) {
        start = i;
        break;
      }
    }
  }
  const out: number[] = [];
  for (let i = start; i >= 0 && out.length < Math.max(0, maxNumOffsets); i--) out.push(Math.max(points[i]!.offset, log.logStartOffset));
  if (timestamp === EARLIEST_TIMESTAMP) return out.length > 0 ? [log.logStartOffset] : out;
  if (highWatermark !== undefined && timestamp === LATEST_TIMESTAMP) {
    const capped = out.filter((o) => o <= highWatermark);
    if (capped[0] !== highWatermark) capped.unshift(highWatermark);
    return capped.slice(0, Math.max(0, maxNumOffsets));
  }
  return out;
}
