import { NOOP_LOGGER } from '../common/index.js';
import type { Cancel, Clock, Logger, Scheduler } from '../common/index.js';
import type { BrokerConfig } from '../config/index.js';
import { GroupCoordinator, groupCoordinatorConfig } from '../coordinator/index.js';
import type { CoordinatorRecord, GroupCoordinatorShard, PartitionWriter, TransactionalWrite, WriteOptions } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { ControlRecordType, buildRecordBatch, endTxnMarkerOf, isCompressionType, iterateBatches } from '../protocol/index.js';
import type { RecordBatch } from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';
import { Log, isStorageError } from '../storage/index.js';
import { GROUP_METADATA_TOPIC } from './handlers/admin-support.js';

export interface GroupCoordinatorWiringParams {
  readonly nodeId: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  readonly config: BrokerConfig;
  readonly replicaManager: ReplicaManager;
  /** 16 random bytes (member ids are `<client id>-<uuid>` as in Kafka). */
  readonly randomBytes: (n: number) => Uint8Array;
}

/** Bytes read per step while loading a partition (Kafka's offsets.load.buffer.size plays this role). */
const LOAD_CHUNK_BYTES = 1024 * 1024;
/** The produce version our own appends claim (record format v2, no client-facing quirks). */
const INTERNAL_PRODUCE_VERSION = 9;

/**
 * The group coordinator in a broker: its writes go through the replica manager into
 * __consumer_offsets (acks=-1, answered once the high watermark covers them), its partitions are
 * loaded when this broker becomes their leader (replaying the log in chunks on the scheduler) and
 * unloaded when it stops leading them, and its timers run on the scheduler.
 *
 * Lifecycle: construct → `onMetadataUpdate` as a metadata publisher registered after the replica
 * manager's (the logs exist by then) → `close()`.
 */
export class GroupCoordinatorWiring {
  readonly coordinator: GroupCoordinator;
  private readonly logger: Logger;
  private timer: { cancel: Cancel; atMs: number } | undefined;
  private closed = false;

  constructor(private readonly p: GroupCoordinatorWiringParams) {
    this.logger = p.logger ?? NOOP_LOGGER;
    this.coordinator = new GroupCoordinator({
      config: groupCoordinatorConfig(p.config),
      nowMs: () => p.clock.nowMs(),
      monoMs: () => p.clock.monotonicMs(),
      newUuid: () => uuidString(p.randomBytes(16)),
      writerFor: (partition) => this.writer(partition),
      logger: this.logger,
    });
    this.coordinator.onEarlierDeadline = (deadline) => this.arm(deadline);
    this.arm(this.coordinator.timer.nextDeadline());
  }

  // ---- writes ------------------------------------------------------------------------------------

  private writer(partition: number): PartitionWriter {
    const config = this.coordinator.config;
    const compression = isCompressionType(config.compressionCodec) ? config.compressionCodec : 0;
    return (records: readonly CoordinatorRecord[], options?: WriteOptions) => {
      const txn = options?.transactional;
      const batch = buildRecordBatch({
        records: records.map((r) => ({ key: r.key, value: r.value })),
        timestamp: this.p.clock.nowMs(),
        compression,
        ...(txn === undefined ? {} : this.transactionalBatchFields(partition, txn)),
      });
      const outcome = this.p.replicaManager.appendRecords({
        acks: -1,
        timeoutMs: config.commitTimeoutMs,
        apiVersion: INTERNAL_PRODUCE_VERSION,
        entries: [{ topic: GROUP_METADATA_TOPIC, partition, records: batch }],
      });
      const result = outcome.results[0]!;
      if (outcome.done === null) return result.errorCode;
      return outcome.done.then(() => result.errorCode);
    };
  }

  /**
   * The producer fields of a transactional offset commit batch. Kafka appends it with origin
   * COORDINATOR (no sequence checks); we go through the client append path, so the batch carries
   * the sequence that follows the producer's last batch in this partition (0 for a new epoch): the
   * producer-state checks then pass for the current epoch and fence an older one
   * (INVALID_PRODUCER_EPOCH), as Kafka's epoch check does.
   */
  private transactionalBatchFields(partition: number, txn: TransactionalWrite) {
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
    if (this.closed) return;
    const topic = image.topics.byName.get(GROUP_METADATA_TOPIC);
    const leading = new Set<number>();
    for (const [index, reg] of topic?.partitions ?? []) if (reg.leader === this.p.nodeId) leading.add(index);
    for (const p of this.coordinator.partitions()) {
      if (!leading.has(p)) {
        this.logger.info(`Unloading group coordinator state of ${GROUP_METADATA_TOPIC}-${p}`, { partition: p });
        this.coordinator.unload(p);
      }
    }
    const serving = new Set(this.coordinator.partitions());
    for (const p of leading) if (!serving.has(p)) this.load(p);
  }

  private load(partition: number): void {
    const shard = this.coordinator.beginLoad(partition);
    const start = this.p.replicaManager.getPartition(GROUP_METADATA_TOPIC, partition)?.log.logStartOffset ?? 0;
    this.p.scheduler.schedule(0, () => this.loadStep(partition, shard, start));
  }

  /** Replays one chunk of the partition, then yields to the event loop until the high watermark is reached. */
  private loadStep(partition: number, shard: GroupCoordinatorShard, from: number): void {
    if (this.closed || !this.coordinator.isCurrent(partition, shard)) return;
    const hosted = this.p.replicaManager.getPartition(GROUP_METADATA_TOPIC, partition);
    if (hosted === undefined || !hosted.isLeader) return;
    const highWatermark = hosted.highWatermark;
    let offset = Math.max(from, hosted.log.logStartOffset);
    try {
      if (offset < highWatermark) {
        const data = hosted.log.read(offset, LOAD_CHUNK_BYTES, highWatermark, true);
        if (data.slice !== undefined) {
          const buf = Log.readSliceSync(data.slice);
          for (const batch of iterateBatches(buf)) {
            offset = batch.nextOffset;
            this.replayBatch(partition, shard, batch);
          }
        } else {
          offset = highWatermark;
        }
      }
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.logger.error(`Loading ${GROUP_METADATA_TOPIC}-${partition} failed: ${err.message}`, { partition });
      return;
    }
    if (offset < highWatermark) {
      this.p.scheduler.schedule(0, () => this.loadStep(partition, shard, offset));
      return;
    }
    this.coordinator.completeLoad(partition);
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
    for (const record of batch.records()) {
      if (record.key === null) continue;
      try {
        shard.replay(record.key, record.value, record.offset, producerId);
      } catch (err) {
        this.logger.warn(`Skipping an unreadable record of ${GROUP_METADATA_TOPIC}-${partition}`, { offset: record.offset, error: String(err) });
      }
    }
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
        this.logger.error('Group coordinator timer failed', { error: String(err) });
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

function uuidString(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
