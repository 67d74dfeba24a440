import type { Logger } from '../common/index.js';
import { TransactionCoordinator, transactionCoordinatorConfig } from '../coordinator/index.js';
import type { CoordinatorRecord, MaybePromise, PartitionWriter, TransactionLoader, TxnMarkerSender } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import type { RecordBatch } from '../protocol/index.js';
import { CoordinatorPartitionRuntime } from './coordinator-partition-runtime.js';
import type { CoordinatorHostParams } from './coordinator-partition-runtime.js';
import { TRANSACTION_STATE_TOPIC } from './handlers/admin-support.js';

export interface TransactionCoordinatorWiringParams extends CoordinatorHostParams {
  /** The latest metadata image (markers for partitions that no longer exist are skipped). */
  readonly image: () => MetadataImage;
  /** A new producer id from the broker's ProducerIdManager (synchronous when a block is at hand). */
  readonly generateProducerId: () => MaybePromise<number>;
  /** Where COMMIT/ABORT markers go: TxnMarkerWriter.write for partitions this broker leads. */
  readonly sendMarkers: TxnMarkerSender;
}

/**
 * The transaction coordinator in a broker: its writes go through the replica manager into
 * `__transaction_state` (acks=-1, answered once the high watermark covers them, uncompressed as
 * Kafka writes them), its partitions are loaded when this broker becomes their leader — the leader
 * epoch is the coordinator epoch markers carry — and unloaded when it stops leading them, its
 * timers run on the scheduler (those mechanics are the CoordinatorPartitionRuntime's), and markers
 * go to `sendMarkers`.
 *
 * Lifecycle: construct → `onMetadataUpdate` as a metadata publisher registered after the replica
 * manager's (the logs exist by then) → `close()`.
 */
export class TransactionCoordinatorWiring {
  readonly coordinator: TransactionCoordinator;
  private readonly logger: Logger;
  private readonly runtime: CoordinatorPartitionRuntime;

  constructor(private readonly p: TransactionCoordinatorWiringParams) {
    this.runtime = new CoordinatorPartitionRuntime(p, TRANSACTION_STATE_TOPIC, 'Transaction coordinator');
    this.logger = this.runtime.logger;
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
    this.runtime.driveTimers(this.coordinator);
  }

  // ---- writes ------------------------------------------------------------------------------------

  private writer(partition: number): PartitionWriter {
    const timeoutMs = this.coordinator.config.requestTimeoutMs;
    return (records: readonly CoordinatorRecord[]) => this.runtime.append(partition, records, { compression: 0, timeoutMs });
  }

  // ---- leadership --------------------------------------------------------------------------------

  /** A metadata publisher: load the partitions this broker now leads (again when the leader epoch moved), unload the ones it lost. */
  onMetadataUpdate(image: MetadataImage): void {
    this.runtime.onMetadataUpdate(image, {
      served: () => this.coordinator.partitions(),
      keeps: (p, epoch) => epoch === this.coordinator.coordinatorEpoch(p),
      unload: (p) => this.coordinator.unload(p),
      load: (p, epoch) => this.load(p, epoch),
    });
  }

  private load(partition: number, coordinatorEpoch: number): void {
    this.logger.info(`Loading transaction coordinator state of ${TRANSACTION_STATE_TOPIC}-${partition} at epoch ${coordinatorEpoch}`, { partition });
    const loader = this.coordinator.beginLoad(partition, coordinatorEpoch);
    this.runtime.load(partition, {
      chunkBytes: this.p.config.get('transaction.state.log.load.buffer.size'),
      isCurrent: () => this.coordinator.coordinatorEpoch(partition) === loader.coordinatorEpoch && !this.coordinator.isActive(partition),
      replayBatch: (batch) => this.replayBatch(loader, batch),
      complete: () => this.coordinator.completeLoad(partition),
    });
  }

  /** Replays the transaction records of one batch (the topic holds no markers worth reading). */
  private replayBatch(loader: TransactionLoader, batch: RecordBatch): void {
    if (batch.isControl) return;
    this.runtime.replayRecords(loader.partition, batch, (key, value) => loader.replay(key, value));
  }

  close(): void {
    this.runtime.close();
    this.coordinator.close();
  }
}
