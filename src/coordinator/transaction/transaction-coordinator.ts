import { ErrorCode, NOOP_LOGGER } from '../../common/index.js';
import type { Logger } from '../../common/index.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from '../../protocol/index.js';
import type {
  DescribeTransactionsResponseTransactionState,
  ListTransactionsResponse,
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
} from '../../protocol/index.js';
import { partitionFor } from '../config.js';
import type { CoordinatorRecord } from '../group-records.js';
import type { PartitionWriter } from '../group-shard.js';
import { KeyedTimer } from '../keyed-timer.js';
import type { TransactionCoordinatorConfig } from './config.js';
import {
  IllegalTransactionStateError,
  MAX_PRODUCER_EPOCH,
  TopicPartitionSet,
  TransactionMetadata,
  isEpochExhausted,
  isExpirationAllowed,
  transactionStateByName,
} from './transaction-metadata.js';
import type { TransactionState, TxnTransitMetadata } from './transaction-metadata.js';
import { decodeTransactionRecord, transactionRecord } from './transaction-records.js';

/** Writes COMMIT/ABORT markers to the partitions of a transaction (in-process: TxnMarkerWriter.write). */
export type TxnMarkerSender = (request: WriteTxnMarkersRequest) => Promise<WriteTxnMarkersResponse>;

export type MaybePromise<T> = T | Promise<T>;

export interface TransactionCoordinatorParams {
  readonly config: TransactionCoordinatorConfig;
  /** Wall clock ms: state timestamps and transaction timeouts (Kafka compares them with time.milliseconds). */
  readonly nowMs: () => number;
  /** Monotonic ms: timer deadlines; poll() is given the same time base. */
  readonly monoMs: () => number;
  /** A new producer id (ProducerIdManager): synchronous when a block is at hand, else a promise. Rejects when none can be had. */
  readonly generateProducerId: () => MaybePromise<number>;
  /** The writer of one __transaction_state partition (appends with acks=-1; resolves with the error code). */
  readonly writerFor: (partition: number) => PartitionWriter;
  readonly sendMarkers: TxnMarkerSender;
  /** Whether a data partition still exists; markers for deleted partitions are skipped, as Kafka does. */
  readonly partitionExists?: (topic: string, partition: number) => boolean;
  readonly logger?: Logger;
}

export interface InitProducerIdResult {
  readonly errorCode: number;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export type TransactionResult = 'commit' | 'abort';

/** One __transaction_state partition's transactions (Kafka's TxnMetadataCacheEntry). */
class TxnShard {
  status: 'loading' | 'active' = 'loading';
  readonly txns = new Map<string, TransactionMetadata>();
  constructor(
    readonly partition: number,
    readonly coordinatorEpoch: number,
    readonly writer: PartitionWriter,
  ) {}
}

/** Replays a partition's records while it loads. */
export interface TransactionLoader {
  readonly partition: number;
  readonly coordinatorEpoch: number;
  replay(key: Buffer, value: Buffer | null): void;
}

type Routed =
  | { readonly shard: TxnShard; readonly txn: TransactionMetadata | undefined; readonly errorCode?: undefined }
  | { readonly shard?: undefined; readonly txn?: undefined; readonly errorCode: number };

const ABORT_KEY = 'txn-abort-timed-out';
const EXPIRE_KEY = 'txn-remove-expired';

function andThen<T, U>(v: MaybePromise<T>, f: (t: T) => MaybePromise<U>): MaybePromise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

const initError = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

/**
 * The transaction coordinator of this broker: Kafka 3.9's TransactionCoordinator,
 * TransactionStateManager and TransactionMarkerChannelManager, sans IO. Transactional ids are
 * routed to the shard of their `__transaction_state` partition (abs(hash(id)) % partitions); every
 * state change is prepared in memory (`pendingState`), written through the partition's writer and
 * completed only once the write is committed. EndTxn is answered once PrepareCommit/PrepareAbort is
 * written; the markers then go out through `sendMarkers` and, when every partition has its marker,
 * CompleteCommit/CompleteAbort is written. Timers abort transactions past their timeout (with an
 * epoch bump that fences the producer) and expire idle transactional ids.
 *
 * Lifecycle: `beginLoad(p, coordinatorEpoch)` when this broker becomes leader of partition p, replay
 * its records into the returned loader, `completeLoad(p)` (markers of transactions caught in
 * Prepare* are sent again then); `unload(p)` when leadership moves; `close()`.
 */
export class TransactionCoordinator {
  readonly timer = new KeyedTimer();
  private readonly shards = new Map<number, TxnShard>();
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly p: TransactionCoordinatorParams) {
    this.logger = p.logger ?? NOOP_LOGGER;
    this.schedulePeriodic(ABORT_KEY, p.config.abortTimedOutTransactionsIntervalMs, () => this.abortTimedOutTransactions());
    this.schedulePeriodic(EXPIRE_KEY, p.config.removeExpiredTransactionalIdsIntervalMs, () => this.removeExpiredTransactionalIds());
  }

  get config(): TransactionCoordinatorConfig {
    return this.p.config;
  }

  set onEarlierDeadline(fn: ((deadlineMs: number) => void) | undefined) {
    this.timer.onEarlierDeadline = fn;
  }

  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.p.config.numPartitions);
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  beginLoad(partition: number, coordinatorEpoch: number): TransactionLoader {
    this.unload(partition);
    const shard = new TxnShard(partition, coordinatorEpoch, this.p.writerFor(partition));
    this.shards.set(partition, shard);
    return {
      partition,
      coordinatorEpoch,
      replay: (key, value) => {
        if (this.shards.get(partition) !== shard || shard.status !== 'loading') return;
        const r = decodeTransactionRecord(key, value);
        if (r.type !== 'transaction') return;
        if (r.metadata === null) shard.txns.delete(r.transactionalId);
        else shard.txns.set(r.transactionalId, r.metadata);
      },
    };
  }

  /** Loading is done: serve the partition, and finish the transactions the log left in Prepare*. */
  completeLoad(partition: number): void {
    const shard = this.shards.get(partition);
    if (shard === undefined || shard.status !== 'loading') return;
    shard.status = 'active';
    this.logger.info(`Finished loading __transaction_state-${partition}: ${shard.txns.size} transactional ids`, { partition, coordinatorEpoch: shard.coordinatorEpoch });
    for (const txn of shard.txns.values()) {
      if (txn.state !== 'PrepareCommit' && txn.state !== 'PrepareAbort') continue;
      const result: TransactionResult = txn.state === 'PrepareCommit' ? 'commit' : 'abort';
      const transit = txn.prepareComplete(this.p.nowMs());
      this.sendMarkers(shard, txn, result, transit);
    }
  }

  unload(partition: number): void {
    const shard = this.shards.get(partition);
    if (shard === undefined) return;
    this.shards.delete(partition);
    this.timer.cancelPrefix(`p${partition}:`);
    this.logger.info(`Unloaded transaction coordinator state of __transaction_state-${partition}`, { partition });
  }

  /** Partitions this coordinator serves or loads. */
  partitions(): number[] {
    return [...this.shards.keys()];
  }

  isActive(partition: number): boolean {
    return this.shards.get(partition)?.status === 'active';
  }

  /** The coordinator epoch a partition is served (or loaded) at, if any. */
  coordinatorEpoch(partition: number): number | undefined {
    return this.shards.get(partition)?.coordinatorEpoch;
  }

  close(): void {
    this.closed = true;
    for (const p of [...this.shards.keys()]) this.unload(p);
    this.timer.cancel(ABORT_KEY);
    this.timer.cancel(EXPIRE_KEY);
  }

  /** Runs due timers; returns the next deadline (Infinity when none). */
  poll(monoMs = this.p.monoMs()): number {
    return this.timer.poll(monoMs);
  }

  /** The metadata of a transactional id, for tests and tools (undefined when unknown or not served). */
  transaction(transactionalId: string): TransactionMetadata | undefined {
    return this.shards.get(this.partitionFor(transactionalId))?.txns.get(transactionalId);
  }

  private schedulePeriodic(key: string, intervalMs: number, run: () => void): void {
    if (this.closed) return;
    this.timer.schedule(key, this.p.monoMs() + intervalMs, () => {
      try {
        run();
      } finally {
        this.schedulePeriodic(key, intervalMs, run);
      }
    });
  }

  /** Kafka's getTransactionState: NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, else the metadata (maybe none). */
  private route(transactionalId: string): Routed {
    const shard = this.shards.get(this.partitionFor(transactionalId));
    if (shard === undefined) return { errorCode: ErrorCode.NOT_COORDINATOR };
    if (shard.status === 'loading') return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    return { shard, txn: shard.txns.get(transactionalId) };
  }

  validateTransactionTimeoutMs(timeoutMs: number): boolean {
    return timeoutMs > 0 && timeoutMs <= this.p.config.transactionMaxTimeoutMs;
  }

  // ---- InitProducerId ----------------------------------------------------------------------------

  /**
   * InitProducerId. Without a transactional id: a fresh producer id at epoch 0. With one: the
   * id's producer id with its epoch bumped (a new id once the epoch is exhausted), after aborting
   * an ongoing transaction (answered CONCURRENT_TRANSACTIONS; the producer retries).
   */
  initProducerId(transactionalId: string | null, transactionTimeoutMs: number, expected?: ProducerIdAndEpoch): MaybePromise<InitProducerIdResult> {
    if (transactionalId === null) {
      return this.withProducerId((producerId) => ({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 }));
    }
    if (transactionalId === '') return initError(ErrorCode.INVALID_REQUEST);
    if (!this.validateTransactionTimeoutMs(transactionTimeoutMs)) return initError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    return this.initTransactional(transactionalId, transactionTimeoutMs, expected, undefined);
  }

  /** Runs `f` with a new producer id; COORDINATOR_LOAD_IN_PROGRESS when none can be had (Kafka's answer then). */
  private withProducerId(f: (producerId: number) => MaybePromise<InitProducerIdResult>): MaybePromise<InitProducerIdResult> {
    let id: MaybePromise<number>;
    try {
      id = this.p.generateProducerId();
    } catch (err) {
      this.logger.warn('No producer id available', { error: String(err) });
      return initError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
    if (!(id instanceof Promise)) return f(id);
    return id.then(f, (err: unknown) => {
      this.logger.warn('No producer id available', { error: String(err) });
      return initError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    });
  }

  /**
   * The transactional path. A producer id is taken only when needed; when it has to be waited for,
   * the whole decision is taken again with the id in hand (state may have moved meanwhile).
   */
  private initTransactional(transactionalId: string, timeoutMs: number, expected: ProducerIdAndEpoch | undefined, idInHand: number | undefined): MaybePromise<InitProducerIdResult> {
    const routed = this.route(transactionalId);
    if (routed.shard === undefined) return initError(routed.errorCode);
    const { shard } = routed;
    let txn = routed.txn;
    let spare = idInHand;
    if (txn === undefined) {
      if (spare === undefined) return this.withProducerId((id) => this.initTransactional(transactionalId, timeoutMs, expected, id));
      txn = new TransactionMetadata({
        transactionalId,
        producerId: spare,
        lastProducerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        txnTimeoutMs: timeoutMs,
        state: 'Empty',
        topicPartitions: new TopicPartitionSet(),
        txnStartTimestamp: -1,
        txnLastUpdateTimestamp: this.p.nowMs(),
      });
      shard.txns.set(transactionalId, txn);
      spare = undefined;
    }

    if (txn.pendingTransitionInProgress) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected !== undefined && !isValidProducerId(txn, expected)) return initError(ErrorCode.PRODUCER_FENCED);
    let transit: TxnTransitMetadata;
    switch (txn.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
      case 'CompleteAbort':
      case 'CompleteCommit':
      case 'Empty':
        if (txn.isProducerEpochExhausted && (expected === undefined || expected.producerEpoch === txn.producerEpoch)) {
          if (spare === undefined) return this.withProducerId((id) => this.initTransactional(transactionalId, timeoutMs, expected, id));
          transit = txn.prepareProducerIdRotation(spare, timeoutMs, this.p.nowMs(), expected !== undefined);
        } else {
          const r = txn.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch, this.p.nowMs());
          if ('errorCode' in r) return initError(r.errorCode);
          transit = r;
        }
        break;
      case 'Ongoing': {
        // Abort the ongoing transaction with a bumped epoch (never returned to anyone); the producer
        // retries on CONCURRENT_TRANSACTIONS and gets the epoch bumped once more.
        const fence = txn.prepareFenceProducerEpoch();
        return andThen(this.endTransaction(transactionalId, fence.producerId, fence.producerEpoch, 'abort', false), (errorCode) =>
          initError(errorCode === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : errorCode),
        );
      }
      case 'Dead':
      case 'PrepareEpochFence':
        throw new IllegalTransactionStateError(`Found transactionalId ${transactionalId} with state ${txn.state}. This is illegal as we should never have transitioned to this state.`);
    }
    const written = transit;
    return andThen(this.appendTransactionToLog(shard, transactionalId, txn, written), (errorCode) => {
      if (errorCode !== ErrorCode.NONE) {
        this.logger.info(`Returning ${errorCode} to InitProducerId of ${transactionalId}`, { transactionalId, errorCode });
        return initError(errorCode);
      }
      this.logger.info(`Initialized transactionalId ${transactionalId} with producerId ${written.producerId} and producer epoch ${written.producerEpoch} on partition __transaction_state-${shard.partition}`);
      return { errorCode: ErrorCode.NONE, producerId: written.producerId, producerEpoch: written.producerEpoch };
    });
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn ------------------------------------------------------

  /** Adds partitions to the transaction (AddPartitionsToTxn, and AddOffsetsToTxn with the group's offsets partition). */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitionSet): MaybePromise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const routed = this.route(transactionalId);
    if (routed.shard === undefined) return routed.errorCode;
    const { shard, txn } = routed;
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (txn.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    // Already there: nothing to write.
    if (txn.state === 'Ongoing' && partitions.isSubsetOf(txn.topicPartitions)) return ErrorCode.NONE;
    const transit = txn.prepareAddPartitions(partitions, this.p.nowMs());
    return this.appendTransactionToLog(shard, transactionalId, txn, transit);
  }

  /**
   * The verification path of AddPartitionsToTxn v4+ (KIP-890, from brokers): whether each partition
   * is in the ongoing transaction (TRANSACTION_ABORTABLE when not); nothing is written. Returns
   * one error for all partitions, or one per partition.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitionSet): { errorCode: number } | { perPartition: Array<[string, number, number]> } {
    if (transactionalId === '') return { errorCode: ErrorCode.INVALID_REQUEST };
    const routed = this.route(transactionalId);
    if (routed.shard === undefined) return { errorCode: routed.errorCode };
    const { txn } = routed;
    if (txn === undefined || txn.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (txn.producerEpoch !== producerEpoch) return { errorCode: ErrorCode.PRODUCER_FENCED };
    if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    const perPartition: Array<[string, number, number]> = [];
    for (const [topic, p] of partitions) perPartition.push([topic, p, txn.topicPartitions.has(topic, p) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE]);
    return { perPartition };
  }

  // ---- EndTxn ------------------------------------------------------------------------------------

  /** EndTxn from a producer: answered once PrepareCommit/PrepareAbort is committed; markers follow. */
  endTxn(transactionalId: string, producerId: number, producerEpoch: number, result: TransactionResult): MaybePromise<number> {
    return this.endTransaction(transactionalId, producerId, producerEpoch, result, true);
  }

  private endTransaction(transactionalId: string, producerId: number, producerEpoch: number, result: TransactionResult, isFromClient: boolean): MaybePromise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const routed = this.route(transactionalId);
    if (routed.shard === undefined) return routed.errorCode;
    const { shard, txn } = routed;
    if (txn === undefined) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    const pre = this.prepareEnd(txn, producerId, producerEpoch, result, isFromClient);
    if ('errorCode' in pre) {
      // A fence that cannot go on must not leave the id blocked behind its pending state.
      if (!isFromClient && txn.pendingState === 'PrepareEpochFence') txn.pendingState = undefined;
      return pre.errorCode;
    }
    const { transit, isEpochFence } = pre;
    return andThen(this.appendTransactionToLog(shard, transactionalId, txn, transit), (errorCode) => {
      if (errorCode !== ErrorCode.NONE) {
        this.logger.info(`Aborting sending of transaction markers and returning ${errorCode} to EndTxn(${result}) of ${transactionalId}`, { transactionalId, errorCode });
        if (isEpochFence && this.shards.get(shard.partition) === shard && shard.txns.get(transactionalId) === txn) {
          // The epoch was bumped in memory but its record is not written: do not bump it again next time.
          txn.hasFailedEpochFence = true;
          this.logger.warn(`The coordinator failed to write an epoch fence transition for ${transactionalId}; the epoch was increased to ${transit.producerEpoch} but not returned to the client`);
        }
        return errorCode;
      }
      // The write is committed and memory is in Prepare*: check again, then answer and send the markers.
      if (txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
      if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
      if (txn.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
      const expectedState: TransactionState = result === 'commit' ? 'PrepareCommit' : 'PrepareAbort';
      if (txn.state !== expectedState) return ErrorCode.INVALID_TXN_STATE;
      const complete = txn.prepareComplete(this.p.nowMs());
      this.sendMarkers(shard, txn, result, complete);
      return ErrorCode.NONE;
    });
  }

  private prepareEnd(
    txn: TransactionMetadata,
    producerId: number,
    producerEpoch: number,
    result: TransactionResult,
    isFromClient: boolean,
  ): { errorCode: number } | { transit: TxnTransitMetadata; isEpochFence: boolean } {
    const invalidState = (): { errorCode: number } => {
      this.logger.debug(`TransactionalId ${txn.transactionalId}'s state is ${txn.state}, but received transaction marker result to send: ${result}`);
      return { errorCode: ErrorCode.INVALID_TXN_STATE };
    };
    if (txn.producerId !== producerId) return { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    // A producer's EndTxn must name the current epoch; the coordinator's own aborts come with a bumped one.
    if ((isFromClient && producerEpoch !== txn.producerEpoch) || producerEpoch < txn.producerEpoch) return { errorCode: ErrorCode.PRODUCER_FENCED };
    if (txn.pendingState !== undefined && txn.pendingState !== 'PrepareEpochFence') return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    switch (txn.state) {
      case 'Ongoing': {
        const next = result === 'commit' ? 'PrepareCommit' : 'PrepareAbort';
        let isEpochFence = false;
        if (next === 'PrepareAbort' && txn.pendingState === 'PrepareEpochFence') {
          // The fence becomes this abort: the bumped epoch takes effect now, fencing the old producer at once.
          isEpochFence = true;
          txn.pendingState = undefined;
          txn.producerEpoch = producerEpoch;
          txn.lastProducerEpoch = NO_PRODUCER_EPOCH;
        }
        return { transit: txn.prepareAbortOrCommit(next, this.p.nowMs()), isEpochFence };
      }
      case 'CompleteCommit':
        return result === 'commit' ? { errorCode: ErrorCode.NONE } : invalidState();
      case 'CompleteAbort':
        return result === 'abort' ? { errorCode: ErrorCode.NONE } : invalidState();
      case 'PrepareCommit':
        return result === 'commit' ? { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS } : invalidState();
      case 'PrepareAbort':
        return result === 'abort' ? { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS } : invalidState();
      case 'Empty':
        return invalidState();
      case 'Dead':
      case 'PrepareEpochFence':
        throw new IllegalTransactionStateError(`Found transactionalId ${txn.transactionalId} with state ${txn.state}. This is illegal as we should never have transitioned to this state.`);
    }
  }

  // ---- markers -----------------------------------------------------------------------------------

  private ownsTxn(shard: TxnShard, txn: TransactionMetadata): boolean {
    return !this.closed && this.shards.get(shard.partition) === shard && shard.status === 'active' && shard.txns.get(txn.transactionalId) === txn;
  }

  /**
   * Sends the markers of a transaction in Prepare* (its `complete` transit pending) to every
   * partition still without one; retries the ones that failed retriably after a backoff; writes
   * CompleteCommit/CompleteAbort once none is left. Stops when this broker no longer coordinates
   * the transaction or a partition says the coordinator or producer epoch is stale.
   */
  private sendMarkers(shard: TxnShard, txn: TransactionMetadata, result: TransactionResult, complete: TxnTransitMetadata): void {
    const id = txn.transactionalId;
    if (!this.ownsTxn(shard, txn)) {
      this.logger.info(`No longer the coordinator of ${id}: not sending its markers`, { transactionalId: id });
      return;
    }
    const exists = this.p.partitionExists;
    if (exists !== undefined) {
      for (const [topic, p] of [...txn.topicPartitions]) {
        if (!exists(topic, p)) {
          this.logger.info(`Skipping the marker of ${id} for ${topic}-${p}: the partition no longer exists`, { transactionalId: id });
          txn.removePartition(topic, p);
        }
      }
    }
    if (txn.topicPartitions.size === 0) {
      this.writeComplete(shard, txn, complete);
      return;
    }
    const request: WriteTxnMarkersRequest = {
      markers: [
        {
          producerId: txn.producerId,
          producerEpoch: txn.producerEpoch,
          transactionResult: result === 'commit',
          coordinatorEpoch: shard.coordinatorEpoch,
          topics: txn.topicPartitions.topics().map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        },
      ],
    };
    const retry = (): void => {
      this.timer.schedule(`p${shard.partition}:markers:${id}`, this.p.monoMs() + this.p.config.markerRetryBackoffMs, () => this.sendMarkers(shard, txn, result, complete));
    };
    let sent: Promise<WriteTxnMarkersResponse>;
    try {
      sent = this.p.sendMarkers(request);
    } catch (err) {
      sent = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    sent.then(
      (response) => {
        if (!this.ownsTxn(shard, txn)) return;
        let again = false;
        let abandon = false;
        for (const marker of response.markers) {
          for (const topic of marker.topics) {
            for (const r of topic.partitions) {
              switch (r.errorCode) {
                case ErrorCode.NONE:
                case ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT:
                  if (txn.topicPartitions.has(topic.name, r.partitionIndex)) txn.removePartition(topic.name, r.partitionIndex);
                  break;
                case ErrorCode.INVALID_PRODUCER_EPOCH:
                case ErrorCode.TRANSACTION_COORDINATOR_FENCED:
                  abandon = true;
                  break;
                case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
                case ErrorCode.NOT_LEADER_OR_FOLLOWER:
                case ErrorCode.NOT_ENOUGH_REPLICAS:
                case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
                case ErrorCode.REQUEST_TIMED_OUT:
                case ErrorCode.KAFKA_STORAGE_ERROR:
                  again = true;
                  break;
                default:
                  this.logger.error(`Unexpected error ${r.errorCode} writing the marker of ${id} to ${topic.name}-${r.partitionIndex}; retrying`, { transactionalId: id });
                  again = true;
              }
            }
          }
        }
        if (abandon) {
          this.logger.info(`Stopped sending the markers of ${id}: the producer or coordinator epoch is stale`, { transactionalId: id });
          return;
        }
        if (again || txn.topicPartitions.size > 0) retry();
        else this.writeComplete(shard, txn, complete);
      },
      (err: unknown) => {
        if (!this.ownsTxn(shard, txn)) return;
        this.logger.warn(`Sending the markers of ${id} failed; retrying`, { transactionalId: id, error: String(err) });
        retry();
      },
    ).catch((err: unknown) => this.logger.error(`Handling the marker answer of ${id} failed`, { transactionalId: id, error: String(err) }));
  }

  /** Writes CompleteCommit/CompleteAbort; retried until written or the partition is no longer ours. */
  private writeComplete(shard: TxnShard, txn: TransactionMetadata, complete: TxnTransitMetadata): void {
    const id = txn.transactionalId;
    const keepPending = (code: number): boolean => code !== ErrorCode.NOT_COORDINATOR && code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    this.background(`Completing the transaction of ${id}`, () => this.appendTransactionToLog(shard, id, txn, complete, keepPending), (errorCode) => {
      if (errorCode === ErrorCode.NONE) {
        this.logger.debug(`Completed the transaction of ${id}`, { transactionalId: id, state: complete.txnState });
        return;
      }
      if (!keepPending(errorCode) || !this.ownsTxn(shard, txn)) {
        this.logger.info(`Not completing the transaction of ${id} (${errorCode}): no longer its coordinator`, { transactionalId: id });
        return;
      }
      this.logger.warn(`Writing ${complete.txnState} of ${id} failed with ${errorCode}; retrying`, { transactionalId: id });
      this.timer.schedule(`p${shard.partition}:complete:${id}`, this.p.monoMs() + this.p.config.markerRetryBackoffMs, () => {
        if (this.ownsTxn(shard, txn)) this.writeComplete(shard, txn, complete);
      });
    });
  }

  /** Runs `run` then `then` off the request path; a failure (a bug) is logged, never left unhandled. */
  private background(what: string, run: () => MaybePromise<number>, then: (errorCode: number) => void): void {
    let p: Promise<number>;
    try {
      p = Promise.resolve(run());
    } catch (err) {
      p = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    p.then(then).catch((err: unknown) => this.logger.error(`${what} failed`, { error: String(err) }));
  }

  // ---- the log -----------------------------------------------------------------------------------

  /** Appends to the shard's partition; a writer that throws (a bug) is logged and answered UNKNOWN_SERVER_ERROR. */
  private writeRecords(shard: TxnShard, records: readonly CoordinatorRecord[]): MaybePromise<number> {
    try {
      return shard.writer(records);
    } catch (err) {
      this.logger.error(`Appending to __transaction_state-${shard.partition} failed`, { error: String(err) });
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /**
   * Writes a prepared transition and completes it in memory once committed (Kafka's
   * appendTransactionToLog): the error code is mapped as Kafka maps it, and a write that lands
   * after the partition moved is answered NOT_COORDINATOR. On failure the pending state is
   * dropped unless `keepPending` says the write will be tried again.
   */
  private appendTransactionToLog(
    shard: TxnShard,
    transactionalId: string,
    txn: TransactionMetadata,
    transit: TxnTransitMetadata,
    keepPending: (errorCode: number) => boolean = () => false,
  ): MaybePromise<number> {
    return andThen(this.writeRecords(shard, [transactionRecord(transactionalId, transit)]), (raw) => {
      let errorCode = appendErrorToCoordinatorError(raw);
      if (errorCode === ErrorCode.NONE) {
        const current = this.shards.get(shard.partition);
        if (current === undefined) errorCode = ErrorCode.NOT_COORDINATOR;
        else if (current.status === 'loading') errorCode = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
        else if (current !== shard || shard.txns.get(transactionalId) !== txn) errorCode = ErrorCode.NOT_COORDINATOR;
        else txn.completeTransitionTo(transit);
      } else if (this.shards.get(shard.partition) === shard && shard.txns.get(transactionalId) === txn && !keepPending(errorCode)) {
        txn.pendingState = undefined;
      }
      return errorCode;
    });
  }

  // ---- timers ------------------------------------------------------------------------------------

  /** Aborts (with an epoch bump) every ongoing transaction past its timeout; returns how many were started. */
  abortTimedOutTransactions(): number {
    const now = this.p.nowMs();
    let n = 0;
    for (const shard of this.shards.values()) {
      if (shard.status !== 'active') continue;
      for (const txn of [...shard.txns.values()]) {
        if (txn.pendingTransitionInProgress || txn.state !== 'Ongoing' || txn.txnStartTimestamp + txn.txnTimeoutMs >= now) continue;
        const id = txn.transactionalId;
        if (txn.producerEpoch >= MAX_PRODUCER_EPOCH) {
          // Kafka cannot fence past Short.MAX_VALUE either; the producer's next InitProducerId rotates its id.
          this.logger.warn(`Cannot abort the timed-out transaction of ${id}: its producer epoch is exhausted`, { transactionalId: id });
          continue;
        }
        const fence = txn.prepareFenceProducerEpoch();
        n++;
        this.logger.info(`Aborting transaction of ${id} (producer ${fence.producerId}) after its timeout of ${txn.txnTimeoutMs} ms`, { transactionalId: id });
        this.background(`Aborting the timed-out transaction of ${id}`, () => this.endTransaction(id, fence.producerId, fence.producerEpoch, 'abort', false), (errorCode) => {
          if (errorCode === ErrorCode.NONE) this.logger.info(`Completed rollback of ongoing transaction for transactionalId ${id} due to timeout`);
          else if (errorCode === ErrorCode.INVALID_PRODUCER_ID_MAPPING || errorCode === ErrorCode.PRODUCER_FENCED || errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) {
            this.logger.debug(`Rollback of ongoing transaction for ${id} cancelled (${errorCode})`);
          } else this.logger.warn(`Rollback of ongoing transaction for ${id} failed (${errorCode})`, { transactionalId: id });
        });
      }
    }
    return n;
  }

  /** Writes tombstones for transactional ids idle past transactional.id.expiration.ms and forgets them. */
  removeExpiredTransactionalIds(): number {
    const now = this.p.nowMs();
    let n = 0;
    for (const shard of this.shards.values()) {
      if (shard.status !== 'active') continue;
      const expiring: Array<{ txn: TransactionMetadata; transit: TxnTransitMetadata }> = [];
      for (const txn of shard.txns.values()) {
        if (txn.pendingTransitionInProgress || !isExpirationAllowed(txn.state)) continue;
        if (txn.txnLastUpdateTimestamp > now - this.p.config.transactionalIdExpirationMs) continue;
        expiring.push({ txn, transit: txn.prepareDead() });
      }
      if (expiring.length === 0) continue;
      n += expiring.length;
      const outcome = this.writeRecords(shard, expiring.map((e) => transactionRecord(e.txn.transactionalId, e.transit)));
      this.background(`Expiring transactional ids of __transaction_state-${shard.partition}`, () => outcome, (raw) => {
        if (this.shards.get(shard.partition) !== shard) return;
        for (const { txn, transit } of expiring) {
          const id = txn.transactionalId;
          if (shard.txns.get(id) !== txn) continue;
          if (raw === ErrorCode.NONE && txn.pendingState === 'Dead' && txn.producerEpoch === transit.producerEpoch) {
            shard.txns.delete(id);
            this.logger.info(`Removed expired transactional id ${id}`, { transactionalId: id });
          } else {
            if (raw !== ErrorCode.NONE) this.logger.warn(`Writing the tombstone of expired transactional id ${id} failed (${raw})`, { transactionalId: id });
            txn.pendingState = undefined;
          }
        }
      });
    }
    return n;
  }

  // ---- Describe / List ---------------------------------------------------------------------------

  describeTransaction(transactionalId: string): DescribeTransactionsResponseTransactionState {
    const state: DescribeTransactionsResponseTransactionState = {
      errorCode: ErrorCode.NONE,
      transactionalId,
      transactionState: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      topics: [],
    };
    if (this.closed) return { ...state, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (transactionalId === '') return { ...state, errorCode: ErrorCode.INVALID_REQUEST };
    const routed = this.route(transactionalId);
    if (routed.shard === undefined) return { ...state, errorCode: routed.errorCode };
    const txn = routed.txn;
    // A Dead id is being expired: as good as gone.
    if (txn === undefined || txn.state === 'Dead') return { ...state, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    return {
      ...state,
      transactionState: txn.state,
      transactionTimeoutMs: txn.txnTimeoutMs,
      transactionStartTimeMs: txn.txnStartTimestamp,
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      topics: txn.topicPartitions.topics().map(([topic, partitions]) => ({ topic, partitions })),
    };
  }

  /** ListTransactions over every partition served here (COORDINATOR_LOAD_IN_PROGRESS while any loads). */
  listTransactions(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs: number): ListTransactionsResponse {
    const response: ListTransactionsResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: [], transactionStates: [] };
    if (this.closed) return { ...response, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if ([...this.shards.values()].some((s) => s.status === 'loading')) return { ...response, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    const states = new Set<TransactionState>();
    for (const name of stateFilters) {
      const s = transactionStateByName(name);
      if (s === undefined) response.unknownStateFilters.push(name);
      else states.add(s);
    }
    const producerIds = new Set(producerIdFilters);
    const now = this.p.nowMs();
    for (const shard of this.shards.values()) {
      for (const txn of shard.txns.values()) {
        if (txn.state === 'Dead') continue;
        if (producerIds.size > 0 && !producerIds.has(txn.producerId)) continue;
        if (stateFilters.length > 0 && !states.has(txn.state)) continue;
        if (durationFilterMs >= 0 && now - txn.txnStartTimestamp <= durationFilterMs) continue;
        response.transactionStates.push({ transactionalId: txn.transactionalId, producerId: txn.producerId, transactionState: txn.state });
      }
    }
    return response;
  }
}

/**
 * KIP-360's check of the producer id an InitProducerId names: fresh metadata (epoch -1), the current
 * id, or the previous id with an exhausted epoch (a retry of a rotation) pass; others are fenced.
 */
function isValidProducerId(txn: TransactionMetadata, expected: ProducerIdAndEpoch): boolean {
  return (
    txn.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === txn.producerId ||
    (expected.producerId === txn.lastProducerId && isEpochExhausted(expected.producerEpoch))
  );
}

/** Kafka's mapping of an append's error to what the transaction coordinator answers. */
export function appendErrorToCoordinatorError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return errorCode;
  }
}
