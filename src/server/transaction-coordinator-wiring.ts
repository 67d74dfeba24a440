import { NOOP_LOGGER } from '../common/index.js';
import type { Cancel, Clock, Logger, Scheduler } from '../common/index.js';
import type { BrokerConfig } from '../config/index.js';
import { TransactionCoordinator, transactionCoordinatorConfig } from '../coordinator/index.js';
import type { CoordinatorRecord, MaybePromise, PartitionWriter, TransactionLoader, TxnMarkerSender } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { buildRecordBatch, iterateBatches } from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';
import { Log, isStorageError } from '../storage/index.js';
import { TRANSACTION_STATE_TOPIC } from './handlers/admin-support.js';

export interface TransactionCoordinatorWiringParams {
  readonly nodeId: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  readonly config: BrokerConfig;
  readonly replicaManager: ReplicaManager;
  /** The latest metadata image (markers for partitions that no longer exist are skipped). */
  readonly image: () => MetadataImage;
  /** A new producer id from the broker's ProducerIdManager (synchronous when a block is at hand). */
  readonly generateProducerId: () => MaybePromise<number>;
  /** Where COMMIT/ABORT markers go: TxnMarkerWriter.write for partitions this broker leads. */
  readonly sendMarkers: TxnMarkerSender;
}

/** The produce version our own appends claim (record format v2, no client-facing quirks). */
const INTERNAL_PRODUCE_VERSION = 9;

/**
 * The transaction coordinator in a broker: its writes go through the replica manager into
 * `__transaction_state` (acks=-1, answered once the high watermark covers them, uncompressed as
 * Kafka writes them), its partitions are loaded when this broker becomes their leader — the leader
 * epoch is the coordinator epoch markers carry — and unloaded when it stops leading them, its
 * timers run on the scheduler, and markers go to `sendMarkers`.
 *
 * Lifecycle: construct → `onMetadataUpdate` as a metadata publisher registered after the replica
 * manager's (the logs exist by then) → `close()`.
 */
export class TransactionCoordinatorWiring {
  readonly coordinator: TransactionCoordinator;
  private readonly logger: Logger;
  private timer: { cancel: Cancel; atMs: number } | undefined;
  private closed = false;

  constructor(private readonly p: TransactionCoordinatorWiringParams) {
    this.logger = p.logger ?? NOOP_LOGGER;
    this.coordinator = new TransactionCoordinator({
      config: transactionCoordinatorConfig(p.config),
      nowMs: () => p.clock.nowMs(),
      monoMs: () => p.clock.monotonicMs(),
      generateProducerId: p.generateProducerId,
      writerFor: (partition) => this.writer(partition),
      sendMarkers: p.sendMarkers,
      partitionExists: (topic, partition) => p.image().topics.byName.get(topic)?.partitions.has(partition) ?? false,
      logger: this.logger,
    });
    this.coordinator.onEarlierDeadline = (deadline) => this.arm(deadline);
    this.arm(this.coordinator.timer.nextDeadline());
  }

  // ---- writes ------------------------------------------------------------------------------------

  private writer(partition: number): PartitionWriter {
    const timeoutMs = this.coordinator.config.requestTimeoutMs;
    return (records: readonly CoordinatorRecord[]) => {
      const batch = buildRecordBatch({
        records: records.map((r) => ({ key: r.key, value: r.value })),
        timestamp: this.p.clock.nowMs(),
        compression: 0,
      });
      const outcome = this.p.replicaManager.appendRecords({
        acks: -1,
        timeoutMs,
        apiVersion: INTERNAL_PRODUCE_VERSION,
        entries: [{ topic: TRANSACTION_STATE_TOPIC, partition, records: batch }],
      });
      const result = outcome.results[0]!;
      if (outcome.done === null) return result.errorCode;
      return outcome.done.then(() => result.errorCode);
    };
  }

  // ---- leadership --------------------------------------------------------------------------------

  /** A metadata publisher: load the partitions this broker now leads (again when the leader epoch moved), unload the ones it lost. */
  onMetadataUpdate(image: MetadataImage): void {
    if (this.closed) return;
    const topic = image.topics.byName.get(TRANSACTION_STATE_TOPIC);
    const leading = new Map<number, number>();
    for (const [index, reg] of topic?.partitions ?? []) if (reg.leader === this.p.nodeId) leading.set(index, reg.leaderEpoch);
    for (const p of this.coordinator.partitions()) {
      const epoch = leading.get(p);
      if (epoch === undefined || epoch !== this.coordinator.coordinatorEpoch(p)) this.coordinator.unload(p);
    }
    const serving = new Set(this.coordinator.partitions());
    for (const [p, epoch] of leading) if (!serving.has(p)) this.load(p, epoch);
  }

  private load(partition: number, coordinatorEpoch: number): void {
    this.logger.info(`Loading transaction coordinator state of ${TRANSACTION_STATE_TOPIC}-${partition} at epoch ${coordinatorEpoch}`, { partition });
    const loader = this.coordinator.beginLoad(partition, coordinatorEpoch);
    const start = this.p.replicaManager.getPartition(TRANSACTION_STATE_TOPIC, partition)?.log.logStartOffset ?? 0;
    this.p.scheduler.schedule(0, () => this.loadStep(loader, start));
  }

  /** Replays one chunk of the partition, then yields to the event loop until the high watermark is reached. */
  private loadStep(loader: TransactionLoader, from: number): void {
    const partition = loader.partition;
    if (this.closed || this.coordinator.coordinatorEpoch(partition) !== loader.coordinatorEpoch || this.coordinator.isActive(partition)) return;
    const hosted = this.p.replicaManager.getPartition(TRANSACTION_STATE_TOPIC, partition);
    if (hosted === undefined || !hosted.isLeader) return;
    const highWatermark = hosted.highWatermark;
    let offset = Math.max(from, hosted.log.logStartOffset);
    try {
      if (offset < highWatermark) {
        const data = hosted.log.read(offset, this.p.config.get('transaction.state.log.load.buffer.size'), highWatermark, true);
        if (data.slice !== undefined) {
          const buf = Log.readSliceSync(data.slice);
          for (const batch of iterateBatches(buf)) {
            offset = batch.nextOffset;
            if (batch.isControl) continue;
            for (const record of batch.records()) {
              if (record.key === null) continue;
              try {
                loader.replay(record.key, record.value);
              } catch (err) {
                this.logger.warn(`Skipping an unreadable record of ${TRANSACTION_STATE_TOPIC}-${partition}`, { offset: record.offset, error: String(err) });
              }
            }
          }
        } else {
          offset = highWatermark;
        }
      }
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.logger.error(`Loading ${TRANSACTION_STATE_TOPIC}-${partition} failed: ${err.message}`, { partition });
      return;
    }
    if (offset < highWatermark) {
      this.p.scheduler.schedule(0, () => this.loadStep(loader, offset));
      return;
    }
    this.coordinator.completeLoad(partition);
  }

  // ---- timers ------------------------------------------------------------------------------------

  private arm(deadlineMs: number): void {
    if (this.closed || !Number.isFinite(deadlineMs)) return;
    if (this.timer !== undefined && this.timer.atMs <= deadlineMs) return;
    this.timer?.cancel();
    const delay = Math.max(0, deadlineMs - this.p.clock.monotonicMs());
    const cancel = this.p.scheduler.schedule(delay, () => {
      this.timer = undefined;
      let next: number;
      try {
        next = this.coordinator.poll(this.p.clock.monotonicMs());
      } catch (err) {
        this.logger.error('Transaction coordinator timer failed', { error: String(err) });
        next = this.coordinator.timer.nextDeadline();
      }
      this.arm(next);
    });
    this.timer = { cancel, atMs: deadlineMs };
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.coordinator.close();
  }
}
