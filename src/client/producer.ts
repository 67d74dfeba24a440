import { ErrorCode, KafkaError, type Cancel } from '../common/index.js';
import {
  BATCH_HEADER_SIZE,
  buildRecordBatch,
  CompressionType,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  type ProduceRequest,
  type ProduceResponsePartitionProduceResponse,
  type RecordInput,
} from '../protocol/index.js';
import { Apis } from './apis.js';
import type { Cluster, TopicInfo } from './cluster.js';
import { delay } from './env.js';
import { CoordinatorCache, isCoordinatorMoved } from './coordinator.js';
import { ClientClosedError, IllegalStateError, TransactionAbortedError, invalidatesMetadata, responseError } from './errors.js';
import type { ConsumerGroupMetadata, OffsetAndMetadata } from './group.js';
import { groupByTopic, tpKey } from './offsets.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';

export type CompressionName = keyof typeof CompressionType;
export type Acks = 0 | 1 | -1 | 'all';
export type HeaderValue = Buffer | string | null;

/** One record to send. Strings are UTF-8 encoded. */
export interface ProducerRecord {
  readonly topic: string;
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  /** An object (one header per property) or a list (repeated keys allowed, order kept). */
  readonly headers?: Readonly<Record<string, HeaderValue>> | readonly { readonly key: string; readonly value: HeaderValue }[];
  /** Skips the partitioner. */
  readonly partition?: number;
  /** CreateTime in epoch ms; now when absent. */
  readonly timestamp?: number;
}

/** Where a record landed. `offset` is -1 with acks=0 (the broker does not say). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's CreateTime, or the broker's LogAppendTime when the topic uses it. */
  readonly timestamp: number;
}

/** The producer's settings, named after Kafka's producer configs (camelCase, units last). */
export interface ProducerConfig {
  /** acks: 0 (no answer), 1 (leader), -1/'all' (all in-sync replicas). Default 'all'. */
  readonly acks?: Acks;
  /** linger.ms: how long a batch waits for more records before it is sent. Default 0. */
  readonly lingerMs?: number;
  /** batch.size: bytes per partition batch. Default 16384. */
  readonly batchSize?: number;
  /** compression.type. Default 'none'. */
  readonly compression?: CompressionName;
  readonly compressionLevel?: number;
  /** retries: resends of a failed batch (bounded by deliveryTimeoutMs). Default unbounded. */
  readonly retries?: number;
  /** delivery.timeout.ms: from send() to success or failure. Default 120000. */
  readonly deliveryTimeoutMs?: number;
  /** max.block.ms: how long send() waits for a topic's metadata. Default 60000. */
  readonly maxBlockMs?: number;
  /** max.request.size: bound on a record and on a produce request. Default 1048576. */
  readonly maxRequestSize?: number;
  /** enable.idempotence: default true (requires acks=all; off silently when acks is set otherwise). */
  readonly idempotent?: boolean;
  /** Picks partitions for records that name none (default: murmur2 of the key, sticky for null keys). */
  readonly partitioner?: Partitioner;
  /** The broker waits this long for replication with acks=all (the request's timeout). Default request.timeout.ms. */
  readonly ackTimeoutMs?: number;
  /** transactional.id: enables transactions (initTransactions, beginTransaction, ...); implies idempotence. */
  readonly transactionalId?: string;
  /** transaction.timeout.ms: the coordinator aborts a transaction open longer than this. Default 60000. */
  readonly transactionTimeoutMs?: number;
}

/** Kafka's TransactionManager states, reduced to what the client acts on. */
type TxnState = 'uninitialized' | 'initializing' | 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'abortable-error' | 'fatal-error';

interface Pending {
  readonly resolve: (m: RecordMetadata) => void;
  readonly reject: (e: Error) => void;
  readonly timestamp: number;
}

/** A batch of records for one partition; built into bytes once, resent as is. */
class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly pending: Pending[] = [];
  sizeBytes = BATCH_HEADER_SIZE;
  ready = false;
  attempts = 0;
  built: Buffer | undefined;
  baseSequence = NO_SEQUENCE;
  lingerTimer: Cancel | undefined;
  private settle!: () => void;
  readonly done: Promise<void> = new Promise((resolve) => (this.settle = resolve));

  constructor(readonly createdMs: number) {}

  succeed(topic: string, partition: number, baseOffset: number, logAppendTimeMs: number): void {
    this.lingerTimer?.();
    this.pending.forEach((p, i) =>
      p.resolve({ topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + i, timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : p.timestamp }),
    );
    this.settle();
  }

  fail(error: Error): void {
    this.lingerTimer?.();
    for (const p of this.pending) p.reject(error);
    this.settle();
  }
}

/** The queue of batches of one partition; at most one of them is in flight (ordering without sequences). */
class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  inFlight = false;
  retryAtMs = 0;
  nextSequence = 0;
  constructor(readonly topic: string, readonly partition: number) {}
}

/** Per-record framing overhead beyond key, value and headers (varints, attributes, deltas): an upper bound. */
const RECORD_OVERHEAD = 21;

/**
 * Sends records in per-partition batches (batch.size, linger.ms), compressed as configured, to each
 * partition's leader; retries retriable failures (refreshing metadata when leaders moved) until
 * delivery.timeout.ms; idempotent by default when the broker offers InitProducerId, so a retried
 * batch is never written twice. One batch per partition is in flight at a time, which keeps records
 * of a partition in send() order even across retries.
 */
export class Producer {
  private readonly acks: number;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly compression: CompressionType;
  private readonly retries: number;
  private readonly deliveryTimeoutMs: number;
  private readonly maxBlockMs: number;
  private readonly maxRequestSize: number;
  private readonly ackTimeoutMs: number;
  private readonly partitioner: Partitioner;
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly withLeader = new WeakMap<TopicInfo, readonly number[]>();
  private idempotenceWanted: boolean;
  private producerId = NO_PRODUCER_ID;
  private producerEpoch = NO_PRODUCER_EPOCH;
  private producerIdReady: Promise<void> | undefined;
  private metadataWaiters = 0;
  private appendChain: Promise<void> = Promise.resolve();
  private drainScheduled = false;
  private appendDrainScheduled = false;
  private retryTimer: Cancel | undefined;
  private closed = false;
  private readonly transactionalId: string | null;
  private readonly transactionTimeoutMs: number;
  private txnState: TxnState = 'uninitialized';
  /** Why the transaction must be aborted (abortable-error) or the producer closed (fatal-error). */
  private txnError: KafkaError | undefined;
  /** Partitions the coordinator has in the open transaction (AddPartitionsToTxn answered). */
  private readonly txnPartitions = new Set<string>();
  private addingPartitions: Promise<void> | undefined;
  private txnHasOffsets = false;
  /** A transactional batch failed: sequences are off, so the epoch is bumped after the abort (KIP-360). */
  private needsEpochBump = false;
  private readonly txnCoordinators: CoordinatorCache;
  private readonly groupCoordinators: CoordinatorCache;

  constructor(private readonly cluster: Cluster, private readonly config: ProducerConfig = {}) {
    const acks = config.acks ?? 'all';
    this.acks = acks === 'all' ? -1 : acks;
    if (![0, 1, -1].includes(this.acks)) throw new RangeError(`acks must be 0, 1, -1 or 'all', not ${String(acks)}`);
    this.lingerMs = config.lingerMs ?? 0;
    this.batchSize = Math.max(1, config.batchSize ?? 16_384);
    this.compression = CompressionType[config.compression ?? 'none'];
    if (this.compression === undefined) throw new RangeError(`unknown compression ${String(config.compression)}`);
    this.retries = config.retries ?? Number.MAX_SAFE_INTEGER;
    this.deliveryTimeoutMs = config.deliveryTimeoutMs ?? 120_000;
    this.maxBlockMs = config.maxBlockMs ?? 60_000;
    this.maxRequestSize = config.maxRequestSize ?? 1_048_576;
    this.ackTimeoutMs = config.ackTimeoutMs ?? cluster.options.requestTimeoutMs;
    this.partitioner = config.partitioner ?? new DefaultPartitioner(this.batchSize, cluster.env.random);
    if (config.idempotent === true && this.acks !== -1) throw new RangeError('an idempotent producer needs acks=all');
    this.idempotenceWanted = (config.idempotent ?? true) && this.acks === -1;
    this.transactionalId = config.transactionalId ?? null;
    this.transactionTimeoutMs = config.transactionTimeoutMs ?? 60_000;
    if (this.transactionalId !== null) {
      if (this.transactionalId === '') throw new RangeError('transactionalId must not be empty');
      if (this.acks !== -1 || config.idempotent === false) throw new RangeError('a transactional producer needs idempotence (acks=all)');
    }
    this.txnCoordinators = new CoordinatorCache(cluster, 'transaction');
    this.groupCoordinators = new CoordinatorCache(cluster, 'group');
  }

  // ---- transactions ----

  /**
   * Registers the transactional id with its coordinator (InitProducerId): fences older producers
   * with the same id and completes (aborts) a transaction they left open. Call once, first.
   */
  async initTransactions(): Promise<void> {
    const tid = this.requireTransactional('initTransactions');
    if (this.txnState !== 'uninitialized') throw new IllegalStateError(`initTransactions: the producer is ${this.txnState}, not uninitialized`);
    this.txnState = 'initializing';
    try {
      await this.initTransactionalId(tid, NO_PRODUCER_ID, NO_PRODUCER_EPOCH);
      this.txnState = 'ready';
    } catch (e) {
      this.txnState = 'uninitialized';
      throw e;
    }
  }

  /** Starts a transaction: the records sent until commit or abort become visible (read_committed) together, or never. */
  beginTransaction(): void {
    this.requireTransactional('beginTransaction');
    this.throwIfFatal();
    if (this.txnState !== 'ready') throw new IllegalStateError(`beginTransaction: the producer is ${this.txnState}, not ready`);
    this.txnPartitions.clear();
    this.txnHasOffsets = false;
    this.txnError = undefined;
    this.txnState = 'in-transaction';
  }

  /**
   * Commits a consumer group's offsets as part of the transaction (AddOffsetsToTxn, then
   * TxnOffsetCommit to the group's coordinator): they take effect only if the transaction commits.
   * Pass the consumer's `groupMetadata()` so a member fenced by a rebalance cannot commit (KIP-447).
   */
  async sendOffsetsToTransaction(offsets: readonly OffsetAndMetadata[], group: ConsumerGroupMetadata | string): Promise<void> {
    const tid = this.requireTransactional('sendOffsetsToTransaction');
    this.requireInTransaction('sendOffsetsToTransaction');
    const meta: ConsumerGroupMetadata = typeof group === 'string' ? { groupId: group, generationId: -1, memberId: '', groupInstanceId: null } : group;
    try {
      await this.coordinatorCall(this.txnCoordinators, tid, 'AddOffsetsToTxn', async (conn) => {
        const r = await conn.send(Apis.AddOffsetsToTxn, { transactionalId: tid, producerId: this.producerId, producerEpoch: this.producerEpoch, groupId: meta.groupId });
        return r.errorCode;
      });
      this.txnHasOffsets = true;
      let todo = [...offsets];
      await this.coordinatorCall(this.groupCoordinators, meta.groupId, 'TxnOffsetCommit', async (conn) => {
        const byTopic = groupByTopic(todo, (o) => o);
        const r = await conn.send(Apis.TxnOffsetCommit, {
          transactionalId: tid,
          groupId: meta.groupId,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch,
          generationId: meta.generationId,
          memberId: meta.memberId,
          groupInstanceId: meta.groupInstanceId,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
          })),
        });
        // Partitions answered with a retriable error are sent again; the first other error wins.
        let worst = 0;
        const again: OffsetAndMetadata[] = [];
        for (const t of r.topics) {
          for (const p of t.partitions) {
            if (p.errorCode === 0) continue;
            const e = new KafkaError(p.errorCode);
            if (e.retriable || isCoordinatorMoved(e)) {
              again.push(...todo.filter((o) => o.topic === t.name && o.partition === p.partitionIndex));
              if (worst === 0) worst = p.errorCode;
            } else if (worst === 0 || new KafkaError(worst).retriable) {
              worst = p.errorCode;
            }
          }
        }
        if (worst !== 0 && new KafkaError(worst).retriable) todo = again;
        return worst;
      });
    } catch (e) {
      throw this.onTxnError(e);
    }
  }

  /** Sends what is buffered, then commits the transaction (EndTxn). Throws if a record of it failed: abort then. */
  async commitTransaction(): Promise<void> {
    const tid = this.requireTransactional('commitTransaction');
    this.throwIfFatal();
    if (this.txnState === 'abortable-error') throw this.txnError!;
    if (this.txnState !== 'in-transaction') throw new IllegalStateError(`commitTransaction: the producer is ${this.txnState}, not in a transaction`);
    this.txnState = 'committing';
    try {
      await this.flush();
    } catch {
      // Records' own promises carry their errors; the transaction's fate is decided below.
    }
    if (this.txnError !== undefined) {
      this.txnState = (this.txnState as TxnState) === 'fatal-error' ? 'fatal-error' : 'abortable-error';
      throw this.txnError;
    }
    try {
      if (this.txnPartitions.size > 0 || this.txnHasOffsets) await this.endTxn(tid, true);
    } catch (e) {
      this.txnState = 'in-transaction';
      throw this.onTxnError(e);
    }
    this.txnState = 'ready';
  }

  /**
   * Aborts the transaction: records not yet sent fail (TransactionAbortedError), those sent are
   * discarded by read_committed consumers once the coordinator writes its abort markers.
   */
  async abortTransaction(): Promise<void> {
    const tid = this.requireTransactional('abortTransaction');
    this.throwIfFatal();
    if (this.txnState !== 'in-transaction' && this.txnState !== 'abortable-error' && this.txnState !== 'committing') {
      throw new IllegalStateError(`abortTransaction: the producer is ${this.txnState}, not in a transaction`);
    }
    this.txnState = 'aborting';
    const aborted = new TransactionAbortedError('the transaction was aborted before this record was sent');
    const inFlight: Promise<void>[] = [];
    for (const q of this.queues.values()) {
      const keep = q.inFlight ? q.batches.splice(0, 1) : [];
      for (const b of q.batches.splice(0)) b.fail(aborted);
      q.batches.push(...keep);
      for (const b of keep) inFlight.push(b.done);
    }
    await Promise.all(inFlight);
    // The coordinator may be adding partitions right now: they belong to this transaction.
    await this.addingPartitions;
    try {
      if (this.txnPartitions.size > 0 || this.txnHasOffsets) await this.endTxn(tid, false);
      if (this.needsEpochBump) {
        await this.initTransactionalId(tid, this.producerId, this.producerEpoch);
        this.needsEpochBump = false;
      }
    } catch (e) {
      this.txnState = 'abortable-error';
      throw this.onTxnError(e);
    }
    this.txnPartitions.clear();
    this.txnHasOffsets = false;
    this.txnError = undefined;
    this.txnState = 'ready';
  }

  private requireTransactional(what: string): string {
    if (this.closed) throw new ClientClosedError('the producer is closed');
    if (this.transactionalId === null) throw new IllegalStateError(`${what}: the producer has no transactionalId`);
    return this.transactionalId;
  }

  private requireInTransaction(what: string): void {
    this.throwIfFatal();
    if (this.txnState === 'abortable-error') throw this.txnError!;
    if (this.txnState !== 'in-transaction') throw new IllegalStateError(`${what}: the producer is ${this.txnState}, not in a transaction (beginTransaction first)`);
  }

  private throwIfFatal(): void {
    if (this.txnState === 'fatal-error') throw this.txnError!;
  }

  /**
   * Records a transactional failure: fencing and authorization errors are fatal (the producer can
   * only be closed), the others make the transaction abortable. Returns the error to throw.
   */
  private onTxnError(e: unknown): unknown {
    if (!(e instanceof KafkaError)) return e;
    let error = e;
    if (e.code === ErrorCode.INVALID_PRODUCER_EPOCH || e.code === ErrorCode.PRODUCER_FENCED) {
      error = new KafkaError('PRODUCER_FENCED', `transactional id ${this.transactionalId}: another producer with the same transactional id took over (${e.message})`);
    }
    const fatal =
      error.code === ErrorCode.PRODUCER_FENCED ||
      error.code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
      error.code === ErrorCode.INVALID_TXN_STATE ||
      error.code === ErrorCode.INVALID_PRODUCER_ID_MAPPING ||
      error.code === ErrorCode.UNSUPPORTED_VERSION;
    if (fatal) {
      this.txnState = 'fatal-error';
      this.txnError = error;
      this.failAll(error);
    } else if (!error.retriable && this.txnState !== 'ready') {
      this.txnError ??= error;
      if (this.txnState === 'in-transaction' || this.txnState === 'committing') this.txnState = 'abortable-error';
    }
    return error;
  }

  /**
   * A request to a coordinator (found by key) returning an error code: retriable codes and
   * coordinator moves are retried (retry.backoff.ms) until max.block.ms; others throw.
   */
  private async coordinatorCall(cache: CoordinatorCache, key: string, what: string, op: (conn: import('./connection.js').Connection) => Promise<number>): Promise<void> {
    const deadline = this.cluster.env.clock.monotonicMs() + this.maxBlockMs;
    for (;;) {
      let error: KafkaError;
      try {
        const code = await op(await cache.connection(key));
        if (code === 0) return;
        error = responseError(code, `${what} (${key})`);
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        error = e;
      }
      cache.check(key, error);
      const retry = (error.retriable || isCoordinatorMoved(error)) && !this.closed && this.cluster.env.clock.monotonicMs() < deadline;
      if (!retry) throw error;
      await delay(this.cluster.env, this.cluster.options.retryBackoffMs);
    }
  }

  /** InitProducerId for the transactional id (with the current id/epoch to bump the epoch, KIP-360). */
  private async initTransactionalId(tid: string, producerId: number, producerEpoch: number): Promise<void> {
    let answer: { producerId: number; producerEpoch: number } | undefined;
    try {
      await this.coordinatorCall(this.txnCoordinators, tid, 'InitProducerId', async (conn) => {
        const r = await conn.send(Apis.InitProducerId, { transactionalId: tid, transactionTimeoutMs: this.transactionTimeoutMs, producerId, producerEpoch });
        if (r.errorCode === 0) answer = { producerId: r.producerId, producerEpoch: r.producerEpoch };
        return r.errorCode;
      });
    } catch (e) {
      throw this.onTxnError(e);
    }
    this.producerId = answer!.producerId;
    this.producerEpoch = answer!.producerEpoch;
    for (const q of this.queues.values()) q.nextSequence = 0;
  }

  private async endTxn(tid: string, committed: boolean): Promise<void> {
    await this.coordinatorCall(this.txnCoordinators, tid, 'EndTxn', async (conn) => {
      const r = await conn.send(Apis.EndTxn, { transactionalId: tid, producerId: this.producerId, producerEpoch: this.producerEpoch, committed });
      return r.errorCode;
    });
    this.txnPartitions.clear();
    this.txnHasOffsets = false;
  }

  /** AddPartitionsToTxn for partitions about to get their first batch of the transaction. */
  private async addPartitionsToTxn(queues: readonly PartitionQueue[]): Promise<void> {
    const tid = this.transactionalId!;
    const byTopic = groupByTopic(queues, (q) => q.partition);
    try {
      await this.coordinatorCall(this.txnCoordinators, tid, 'AddPartitionsToTxn', async (conn) => {
        const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
        const r = await conn.send(Apis.AddPartitionsToTxn, {
          transactions: [],
          v3AndBelowTransactionalId: tid,
          v3AndBelowProducerId: this.producerId,
          v3AndBelowProducerEpoch: this.producerEpoch,
          v3AndBelowTopics: topics,
        });
        let worst = r.errorCode;
        for (const t of r.resultsByTopicV3AndBelow) {
          for (const p of t.resultsByPartition) {
            if (p.partitionErrorCode === 0) {
              this.txnPartitions.add(tpKey(t.name, p.partitionIndex));
              continue;
            }
            // OPERATION_NOT_ATTEMPTED: another partition's error stopped it; that one decides.
            if (p.partitionErrorCode === ErrorCode.OPERATION_NOT_ATTEMPTED) continue;
            if (worst === 0 || new KafkaError(worst).retriable) worst = p.partitionErrorCode;
          }
        }
        return worst;
      });
    } catch (e) {
      const error = this.onTxnError(e);
      for (const q of queues) for (const b of q.batches.splice(0)) b.fail(error as Error);
    }
  }

  /** Whether batches carry a producer id and sequence numbers (known after the first send). */
  get idempotent(): boolean {
    return this.producerId !== NO_PRODUCER_ID;
  }

  /** Sends one record; resolves once the broker has it (as `acks` says). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new ClientClosedError('the producer is closed'));
    if (this.transactionalId !== null && this.txnState !== 'in-transaction') {
      if (this.txnState === 'abortable-error' || this.txnState === 'fatal-error') return Promise.reject(this.txnError!);
      return Promise.reject(new IllegalStateError(`send: a transactional producer sends only inside a transaction (it is ${this.txnState}; beginTransaction first)`));
    }
    const known = this.metadataWaiters === 0 ? this.cluster.topic(record.topic) : undefined;
    if (known !== undefined) {
      try {
        return this.append(record, known);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    // Records wait for metadata in send() order, so a partition's records keep their order. The
    // chain waits for the append only (the result is boxed so its delivery is not awaited).
    this.metadataWaiters++;
    const appended = this.appendChain.then(async () => {
      try {
        return { delivery: this.append(record, await this.topicMetadata(record.topic)) };
      } finally {
        this.metadataWaiters--;
      }
    });
    this.appendChain = appended.then(
      () => {},
      () => {},
    );
    return appended.then((a) => a.delivery);
  }

  /** Sends several records; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /** Sends everything buffered now, without waiting for linger.ms, and waits for the answers. */
  async flush(): Promise<void> {
    await this.appendChain;
    const batches: ProducerBatch[] = [];
    for (const q of this.queues.values()) {
      for (const b of q.batches) {
        b.ready = true;
        batches.push(b);
      }
    }
    this.scheduleDrain();
    await Promise.all(batches.map((b) => b.done));
  }

  /** Flushes, then closes the producer's connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.transactionalId !== null && (this.txnState === 'in-transaction' || this.txnState === 'abortable-error')) {
      // As Kafka's producer: a transaction still open at close is aborted.
      await this.abortTransaction().catch((e: unknown) => this.cluster.env.logger.warn('closing: aborting the open transaction failed', { error: String(e) }));
    }
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.retryTimer?.();
      this.cluster.close();
    }
  }

  private async topicMetadata(topic: string): Promise<TopicInfo> {
    const deadline = this.cluster.env.clock.monotonicMs() + this.maxBlockMs;
    for (;;) {
      try {
        const [info] = await this.cluster.topics([topic], { allowAutoTopicCreation: true });
        if (info !== undefined && info.partitions.length > 0) return info;
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
      }
      if (this.cluster.env.clock.monotonicMs() >= deadline) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} not present in metadata after ${this.maxBlockMs} ms`);
      }
      await delay(this.cluster.env, this.cluster.options.retryBackoffMs);
      this.cluster.invalidate(topic);
    }
  }

  private append(record: ProducerRecord, topic: TopicInfo): Promise<RecordMetadata> {
    const key = toBytes(record.key);
    const value = toBytes(record.value);
    const headers = headerList(record.headers);
    const timestamp = record.timestamp ?? this.cluster.env.clock.nowMs();
    let size = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0);
    for (const h of headers) size += 10 + Buffer.byteLength(h.key) + (h.value === null ? 0 : Buffer.byteLength(h.value));
    if (size + BATCH_HEADER_SIZE > this.maxRequestSize) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `the record is ${size} bytes when serialized, more than max.request.size (${this.maxRequestSize})`);
    }
    const partitionCount = topic.partitions.length;
    let partition = record.partition;
    if (partition === undefined) {
      partition = this.partitioner.partition({ topic: topic.name, key, partitionCount, availablePartitions: this.partitionsWithLeader(topic) });
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic.name} has ${partitionCount} partitions; there is no partition ${partition}`);
    }
    const queue = this.queueOf(topic.name, partition);
    let batch = queue.batches[queue.batches.length - 1];
    if (batch === undefined || batch.built !== undefined || (batch.records.length > 0 && batch.sizeBytes + size > this.batchSize)) {
      if (batch !== undefined && !batch.ready) {
        batch.ready = true;
        this.scheduleAppendDrain();
      }
      batch = new ProducerBatch(this.cluster.env.clock.monotonicMs());
      queue.batches.push(batch);
      if (this.lingerMs > 0) {
        const b = batch;
        b.lingerTimer = this.cluster.env.scheduler.schedule(this.lingerMs, () => {
          b.ready = true;
          this.scheduleDrain();
        });
      } else {
        batch.ready = true;
      }
    }
    const result = new Promise<RecordMetadata>((resolve, reject) => batch.pending.push({ resolve, reject, timestamp }));
    batch.records.push({ key, value, headers, timestamp });
    batch.sizeBytes += size;
    this.partitioner.onAppend?.(topic.name, partition, size);
    if (batch.sizeBytes >= this.batchSize) batch.ready = true;
    if (batch.ready) this.scheduleAppendDrain();
    return result;
  }

  /** Once per metadata answer, not per record: a refresh replaces a TopicInfo, never changes it. */
  private partitionsWithLeader(topic: TopicInfo): readonly number[] {
    let available = this.withLeader.get(topic);
    if (available === undefined) {
      available = topic.partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
      this.withLeader.set(topic, available);
    }
    return available;
  }

  private queueOf(topic: string, partition: number): PartitionQueue {
    const id = tpKey(topic, partition);
    let q = this.queues.get(id);
    if (q === undefined) {
      q = new PartitionQueue(topic, partition);
      this.queues.set(id, q);
    }
    return q;
  }

  /** Drains once the current promise jobs have run (answers came in, a batch was retried). */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  /**
   * New records: drain on the next timer turn rather than in a microtask, so records sent in
   * one burst (including those that waited for metadata, which append over several promise jobs)
   * share batches even with linger.ms=0.
   */
  private scheduleAppendDrain(): void {
    if (this.appendDrainScheduled) return;
    this.appendDrainScheduled = true;
    this.cluster.env.scheduler.schedule(0, () => {
      this.appendDrainScheduled = false;
      this.scheduleDrain();
    });
  }

  /** Sends every ready head batch whose partition is idle, one produce request per leader. */
  private async drain(): Promise<void> {
    if (this.transactionalId === null && this.idempotenceWanted && this.producerId === NO_PRODUCER_ID) {
      try {
        await this.initProducerId();
      } catch (e) {
        this.failAll(e as Error);
        return;
      }
    }
    const now = this.cluster.env.clock.monotonicMs();
    const byLeader = new Map<number, PartitionQueue[]>();
    let nextRetryMs = Infinity;
    let refresh = false;
    const toAdd: PartitionQueue[] = [];
    for (const q of this.queues.values()) {
      const head = q.batches[0];
      if (head === undefined || q.inFlight || !head.ready) continue;
      if (this.transactionalId !== null && !this.txnPartitions.has(tpKey(q.topic, q.partition))) {
        // A partition's first batch of a transaction waits until the coordinator has the partition.
        toAdd.push(q);
        continue;
      }
      if (now - head.createdMs > this.deliveryTimeoutMs) {
        q.batches.shift();
        head.fail(this.expired(q, head, now));
        continue;
      }
      if (q.retryAtMs > now) {
        nextRetryMs = Math.min(nextRetryMs, q.retryAtMs);
        continue;
      }
      const leader = this.cluster.topic(q.topic)?.partitions[q.partition]?.leader ?? -1;
      if (leader < 0) {
        refresh = true;
        q.retryAtMs = now + this.cluster.options.retryBackoffMs;
        nextRetryMs = Math.min(nextRetryMs, q.retryAtMs);
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, (list = []));
      list.push(q);
    }
    if (toAdd.length > 0 && this.addingPartitions === undefined) {
      this.addingPartitions = this.addPartitionsToTxn(toAdd).finally(() => {
        this.addingPartitions = undefined;
        this.scheduleDrain();
      });
    }
    if (refresh) this.refreshSoon([...this.queues.values()].map((q) => q.topic));
    if (nextRetryMs < Infinity) this.armRetry(nextRetryMs - now);
    for (const [leader, queues] of byLeader) {
      let requestBytes = 0;
      const chosen: PartitionQueue[] = [];
      for (const q of queues) {
        const b = q.batches[0]!;
        if (chosen.length > 0 && requestBytes + b.sizeBytes > this.maxRequestSize) continue;
        requestBytes += b.sizeBytes;
        q.inFlight = true;
        chosen.push(q);
      }
      void this.sendTo(leader, chosen);
      if (chosen.length < queues.length) this.scheduleDrain();
    }
  }

  private refreshSoon(topics: string[]): void {
    const unique = [...new Set(topics)];
    for (const t of unique) this.cluster.invalidate(t);
    this.cluster.refresh(unique).catch(() => {});
  }

  private armRetry(delayMs: number): void {
    this.retryTimer?.();
    this.retryTimer = this.cluster.env.scheduler.schedule(Math.max(0, delayMs), () => {
      this.retryTimer = undefined;
      this.scheduleDrain();
    });
  }

  private buildBatch(q: PartitionQueue, b: ProducerBatch): Buffer {
    if (b.built !== undefined) return b.built;
    b.lingerTimer?.();
    if (this.producerId !== NO_PRODUCER_ID) {
      b.baseSequence = q.nextSequence;
      q.nextSequence = (q.nextSequence + b.records.length) % 0x80000000;
    }
    b.built = buildRecordBatch({
      records: b.records,
      compression: this.compression,
      ...(this.config.compressionLevel !== undefined ? { compressionLevel: this.config.compressionLevel } : {}),
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: b.baseSequence,
      isTransactional: this.transactionalId !== null,
    });
    return b.built;
  }

  private async sendTo(leader: number, queues: PartitionQueue[]): Promise<void> {
    const byTopic = new Map<string, { index: number; records: Buffer }[]>();
    for (const q of queues) {
      const b = q.batches[0]!;
      b.attempts++;
      let list = byTopic.get(q.topic);
      if (list === undefined) byTopic.set(q.topic, (list = []));
      list.push({ index: q.partition, records: this.buildBatch(q, b) });
    }
    const request: ProduceRequest = {
      transactionalId: this.transactionalId,
      acks: this.acks,
      timeoutMs: this.ackTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    let answers: Map<string, ProduceResponsePartitionProduceResponse> | undefined;
    try {
      const conn = await this.cluster.connection(leader);
      if (this.acks === 0) {
        await conn.send(Apis.Produce, request, { expectResponse: false });
      } else {
        const response = await conn.send(Apis.Produce, request, { timeoutMs: this.cluster.options.requestTimeoutMs + this.ackTimeoutMs });
        answers = new Map();
        for (const t of response.responses) for (const p of t.partitionResponses) answers.set(tpKey(t.name, p.index), p);
      }
    } catch (e) {
      const error = e instanceof KafkaError ? e : new KafkaError('NETWORK_EXCEPTION', String(e));
      for (const q of queues) this.onPartitionError(q, error.code, error.message);
      this.scheduleDrain();
      return;
    }
    for (const q of queues) {
      if (answers === undefined) {
        this.complete(q, -1, -1);
        continue;
      }
      const a = answers.get(tpKey(q.topic, q.partition));
      if (a === undefined) this.onPartitionError(q, ErrorCode.UNKNOWN_SERVER_ERROR, 'the broker did not answer for this partition');
      else if (a.errorCode === 0) this.complete(q, a.baseOffset, a.logAppendTimeMs);
      else if (a.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) this.complete(q, -1, -1);
      else this.onPartitionError(q, a.errorCode, detail(a));
    }
    this.scheduleDrain();
  }

  private complete(q: PartitionQueue, baseOffset: number, logAppendTimeMs: number): void {
    const b = q.batches.shift()!;
    q.inFlight = false;
    q.retryAtMs = 0;
    b.succeed(q.topic, q.partition, baseOffset, logAppendTimeMs);
  }

  private onPartitionError(q: PartitionQueue, code: number, message: string | null): void {
    const b = q.batches[0]!;
    q.inFlight = false;
    const now = this.cluster.env.clock.monotonicMs();
    const error = responseError(code, `producing to ${q.topic}-${q.partition}`, message);
    const canRetry = error.retriable && !this.closed && b.attempts <= this.retries && now - b.createdMs < this.deliveryTimeoutMs;
    if (canRetry) {
      if (invalidatesMetadata(code)) this.refreshSoon([q.topic]);
      q.retryAtMs = now + this.cluster.options.retryBackoffMs;
      this.armRetry(this.cluster.options.retryBackoffMs);
      return;
    }
    q.batches.shift();
    if (this.transactionalId !== null) {
      // In a transaction a lost batch dooms the transaction, not the producer: abort, then the
      // epoch is bumped so sequences restart (fencing errors are fatal).
      const e = this.onTxnError(error);
      this.needsEpochBump = true;
      this.txnError ??= e as KafkaError;
      if (this.txnState === 'in-transaction' || this.txnState === 'committing') this.txnState = 'abortable-error';
      b.fail(e as Error);
      return;
    }
    b.fail(error);
    if (b.baseSequence !== NO_SEQUENCE) this.resetProducerId();
  }

  private expired(q: PartitionQueue, b: ProducerBatch, now: number): KafkaError {
    return new KafkaError(
      'REQUEST_TIMED_OUT',
      `expiring ${b.records.length} record(s) for ${q.topic}-${q.partition}: ${Math.round(now - b.createdMs)} ms has passed since batch creation`,
    );
  }

  /**
   * A sequenced batch failed for good: later batches would be out of order under this producer
   * id, so the next drain asks for a new one and sequences restart (Kafka bumps the epoch instead).
   */
  private resetProducerId(): void {
    this.producerId = NO_PRODUCER_ID;
    this.producerEpoch = NO_PRODUCER_EPOCH;
    this.producerIdReady = undefined;
    for (const q of this.queues.values()) {
      q.nextSequence = 0;
      for (const b of q.batches) {
        if (b.built !== undefined && q.inFlight === false) {
          b.built = undefined;
          b.baseSequence = NO_SEQUENCE;
        }
      }
    }
  }

  private initProducerId(): Promise<void> {
    this.producerIdReady ??= this.cluster
      .withRetries(async () => {
        const conn = await this.cluster.anyConnection();
        if (!conn.supports(Apis.InitProducerId)) {
          this.cluster.env.logger.warn('the broker does not offer InitProducerId: producing without idempotence', {
            broker: conn.describe(),
          });
          this.idempotenceWanted = false;
          return;
        }
        const r = await conn.send(Apis.InitProducerId, {
          transactionalId: null,
          transactionTimeoutMs: 0x7fffffff,
          producerId: NO_PRODUCER_ID,
          producerEpoch: NO_PRODUCER_EPOCH,
        });
        if (r.errorCode !== 0) throw responseError(r.errorCode, 'InitProducerId');
        this.producerId = r.producerId;
        this.producerEpoch = r.producerEpoch;
      })
      .catch((e: unknown) => {
        this.producerIdReady = undefined;
        throw e;
      });
    return this.producerIdReady;
  }

  private failAll(error: Error): void {
    for (const q of this.queues.values()) {
      if (q.inFlight) continue;
      for (const b of q.batches.splice(0)) b.fail(error);
    }
  }
}

function detail(a: ProduceResponsePartitionProduceResponse): string | null {
  // Kafka's message already summarises the record errors; list them only when it is absent.
  if (a.errorMessage !== null && a.errorMessage !== '') return a.errorMessage;
  const parts: string[] = [];
  for (const r of a.recordErrors) parts.push(`record ${r.batchIndex}: ${r.batchIndexErrorMessage ?? 'rejected'}`);
  return parts.length > 0 ? parts.join('; ') : null;
}

function toBytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function headerList(h: ProducerRecord['headers']): { key: string; value: Buffer | null }[] {
  if (h === undefined) return [];
  if (Array.isArray(h)) return (h as readonly { key: string; value: HeaderValue }[]).map((x) => ({ key: x.key, value: toBytes(x.value) }));
  return Object.entries(h as Readonly<Record<string, HeaderValue>>).map(([key, value]) => ({ key, value: toBytes(value) }));
}
