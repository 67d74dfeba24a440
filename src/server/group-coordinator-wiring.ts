import type { Logger } from '../common/index.js';
import { GroupCoordinator, groupCoordinatorConfig } from '../coordinator/index.js';
import type { CoordinatorRecord, GroupCoordinatorShard, PartitionWriter, TransactionalWrite, WriteOptions } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { ControlRecordType, endTxnMarkerOf, isCompressionType } from '../protocol/index.js';
import type { RecordBatch } from '../protocol/index.js';
import { CoordinatorPartitionRuntime } from './coordinator-partition-runtime.js';
import type { CoordinatorHostParams, ProducerBatchFields } from './coordinator-partition-runtime.js';
import { GROUP_METADATA_TOPIC } from './handlers/admin-support.js';

export interface GroupCoordinatorWiringParams extends CoordinatorHostParams {
  /** 16 random bytes (member ids are `<client id>-<uuid>` as in Kafka). */
  readonly randomBytes: (n: number) => Uint8Array;
}

/** Bytes read per step while loading a partition (Kafka's offsets.load.buffer.size plays this role). */
const LOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * The group coordinator in a broker: its writes go through the replica manager into
 * __consumer_offsets (acks=-1, answered once the high watermark covers them), its partitions are
 * loaded when this broker becomes their leader (replaying the log in chunks on the scheduler) and
 * unloaded when it stops leading them, and its timers run on the scheduler — those mechanics are
 * the CoordinatorPartitionRuntime's; what the records mean is this file's.
 *
 * Lifecycle: construct → `onMetadataUpdate` as a metadata publisher registered after the replica
 * manager's (the logs exist by then) → `close()`.
 */
export class GroupCoordinatorWiring {
  readonly coordinator: GroupCoordinator;
  private readonly logger: Logger;
  private readonly runtime: CoordinatorPartitionRuntime;

  constructor(private readonly p: GroupCoordinatorWiringParams) {
    this.runtime = new CoordinatorPartitionRuntime(p, GROUP_METADATA_TOPIC, 'Group coordinator');
    this.logger = this.runtime.logger;
    this.coordinator = new GroupCoordinator({
      config: groupCoordinatorConfig(p.config),
      nowMs: () => p.clock.nowMs(),
      monoMs: () => p.clock.monotonicMs(),
      newUuid: () => uuidString(p.randomBytes(16)),
      writerFor: (partition) => this.writer(partition),
      logger: this.logger,
    });
    this.runtime.driveTimers(this.coordinator);
  }

  // ---- writes ------------------------------------------------------------------------------------

  private writer(partition: number): PartitionWriter {
    const config = this.coordinator.config;
    const compression = isCompressionType(config.compressionCodec) ? config.compressionCodec : 0;
    return (records: readonly CoordinatorRecord[], options?: WriteOptions) => {
      const txn = options?.transactional;
      return this.runtime.append(partition, records, {
        compression,
        timeoutMs: config.commitTimeoutMs,
        ...(txn === undefined ? {} : { producer: this.transactionalBatchFields(partition, txn) }),
      });
    };
  }

  /**
   * The producer fields of a transactional offset commit batch. Kafka appends it with origin
   * COORDINATOR (no sequence checks); we go through the client append path, so the batch carries
   * the sequence that follows the producer's last batch in this partition (0 for a new epoch): the
   * producer-state checks then pass for the current epoch and fence an older one
   * (INVALID_PRODUCER_EPOCH), as Kafka's epoch check does.
   */
  private transactionalBatchFields(partition: number, txn: TransactionalWrite): ProducerBatchFields {
    const entry = this.p.replicaManager.getPartition(GROUP_METADATA_TOPIC, partition)?.producerState?.lastEntry(txn.producerId);
    const continues = entry !== undefined && entry.producerEpoch === txn.producerEpoch && !entry.isEmpty;
    return {
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      baseSequence: continues ? (entry.lastSeq + 1) % 2 ** 31 : 0,
      isTransactional: true,
    };
  }

  // ---- leadership --------------------------------------------------------------------------------

  /** A metadata publisher: load the partitions this broker now leads, unload the ones it lost. */
  onMetadataUpdate(image: MetadataImage): void {
    this.runtime.onMetadataUpdate(image, {
      served: () => this.coordinator.partitions(),
      keeps: () => true,
      unload: (p) => {
        this.logger.info(`Unloading group coordinator state of ${GROUP_METADATA_TOPIC}-${p}`, { partition: p });
        this.coordinator.unload(p);
      },
      load: (p) => this.load(p),
    });
  }

  private load(partition: number): void {
    const shard = this.coordinator.beginLoad(partition);
    this.runtime.load(partition, {
      chunkBytes: LOAD_CHUNK_BYTES,
      isCurrent: () => this.coordinator.isCurrent(partition, shard),
      replayBatch: (batch) => this.replayBatch(partition, shard, batch),
      complete: () => this.coordinator.completeLoad(partition),
    });
  }

  /**
   * Replays one batch: offset commits and group records at their offsets (pending per producer
   * when the batch is transactional), transaction markers deciding the producer's pending offsets.
   */
  private replayBatch(partition: number, shard: GroupCoordinatorShard, batch: RecordBatch): void {
    // The cleaner leaves emptied batches behind (to keep producer state): nothing to replay.
    if (batch.recordCount === 0) return;
    if (batch.isControl) {
      try {
        const marker = endTxnMarkerOf(batch);
        if (marker !== null) shard.replayEndTransactionMarker(batch.producerId, marker.type === ControlRecordType.COMMIT);
      } catch (err) {
        this.logger.warn(`Skipping an unreadable control batch of ${GROUP_METADATA_TOPIC}-${partition}`, { offset: batch.baseOffset, error: String(err) });
      }
      return;
    }
    const producerId = batch.isTransactional ? batch.producerId : -1;
    this.runtime.replayRecords(partition, batch, (key, value, offset) => shard.replay(key, value, offset, producerId));
  }

  close(): void {
    this.runtime.close();
    this.coordinator.close();
  }
}

function uuidString(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
