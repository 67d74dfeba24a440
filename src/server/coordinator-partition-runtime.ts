import { NOOP_LOGGER } from '../common/index.js';
import type { Cancel, Clock, Logger, Scheduler } from '../common/index.js';
import type { BrokerConfig } from '../config/index.js';
import type { CoordinatorRecord, MaybePromise } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { buildRecordBatch, iterateBatches } from '../protocol/index.js';
import type { CompressionType, RecordBatch } from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';
import { Log, isStorageError } from '../storage/index.js';

/** What the broker gives each coordinator wiring (their params extend it). */
export interface CoordinatorHostParams {
  readonly nodeId: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger?: Logger;
  readonly config: BrokerConfig;
  readonly replicaManager: ReplicaManager;
}

/** A sans-IO coordinator whose timers the runtime drives on the scheduler. */
export interface TimerDrivenCoordinator {
  poll(monoMs: number): number;
  readonly timer: { nextDeadline(): number };
  set onEarlierDeadline(fn: ((deadlineMs: number) => void) | undefined);
}

/** What a coordinator does when the partitions this broker leads change (see `onMetadataUpdate`). */
export interface LeadershipHandler {
  /** The partitions whose state is loaded or loading. */
  served(): Iterable<number>;
  /** Whether a served partition stays loaded, this broker leading it at `leaderEpoch`. */
  keeps(partition: number, leaderEpoch: number): boolean;
  unload(partition: number): void;
  load(partition: number, leaderEpoch: number): void;
}

/** One load of a partition's state, from its log start to its high watermark. */
export interface PartitionLoad {
  /** Bytes read per step. */
  readonly chunkBytes: number;
  /** False once this load was superseded (unloaded, reloaded): it then stops silently. */
  isCurrent(): boolean;
  replayBatch(batch: RecordBatch): void;
  /** Called once the high watermark is reached. */
  complete(): void;
}

/** The batch fields of an append on behalf of a producer (transactional offset commits). */
export interface ProducerBatchFields {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly isTransactional: boolean;
}

/** The produce version our own appends claim (record format v2, no client-facing quirks). */
const INTERNAL_PRODUCE_VERSION = 9;

/**
 * The mechanics a coordinator backed by an internal topic shares with the others (Kafka's
 * CoordinatorRuntime plays this role): acks=-1 appends through the replica manager, loading a
 * partition's log in chunks on the scheduler when this broker becomes its leader and unloading it
 * when it stops leading it, and running the coordinator's timers on the scheduler. What the records
 * mean (replay) and what is written stays with each coordinator's wiring.
 *
 * Lifecycle: construct → `driveTimers(coordinator)` → `onMetadataUpdate`/`load`/`append` → `close()`
 * (after which loads stop and timers no longer fire).
 */
export class CoordinatorPartitionRuntime {
  private timerHandle: { cancel: Cancel; atMs: number } | undefined;
  private coordinator: TimerDrivenCoordinator | undefined;
  private closed = false;

  readonly logger: Logger;

  /** `topic` is the coordinator's internal topic; `name` names the coordinator in log lines ("Group coordinator"). */
  constructor(
    private readonly p: CoordinatorHostParams,
    private readonly topic: string,
    private readonly name: string,
  ) {
    this.logger = p.logger ?? NOOP_LOGGER;
  }

  // ---- writes ------------------------------------------------------------------------------------

  /**
   * Appends `records` as one batch to a partition of the topic with acks=-1: the error code at once
   * when the append failed, else a promise of it once the high watermark covers the batch.
   */
  append(
    partition: number,
    records: readonly CoordinatorRecord[],
    options: { compression: CompressionType; timeoutMs: number; producer?: ProducerBatchFields },
  ): MaybePromise<number> {
    const batch = buildRecordBatch({
      records: records.map((r) => ({ key: r.key, value: r.value })),
      timestamp: this.p.clock.nowMs(),
      compression: options.compression,
      ...(options.producer === undefined ? {} : options.producer),
    });
    const outcome = this.p.replicaManager.appendRecords({
      acks: -1,
      timeoutMs: options.timeoutMs,
      apiVersion: INTERNAL_PRODUCE_VERSION,
      entries: [{ topic: this.topic, partition, records: batch }],
    });
    const result = outcome.results[0]!;
    if (outcome.done === null) return result.errorCode;
    return outcome.done.then(() => result.errorCode);
  }

  // ---- leadership --------------------------------------------------------------------------------

  /** A metadata publisher's step: unload the served partitions `handler` does not keep, load the newly led ones. */
  onMetadataUpdate(image: MetadataImage, handler: LeadershipHandler): void {
    if (this.closed) return;
    const topic = image.topics.byName.get(this.topic);
    const leading = new Map<number, number>();
    for (const [index, reg] of topic?.partitions ?? []) if (reg.leader === this.p.nodeId) leading.set(index, reg.leaderEpoch);
    for (const p of handler.served()) {
      const epoch = leading.get(p);
      if (epoch === undefined || !handler.keeps(p, epoch)) handler.unload(p);
    }
    const serving = new Set(handler.served());
    for (const [p, epoch] of leading) if (!serving.has(p)) handler.load(p, epoch);
  }

  /** Replays the partition's log from its start into `load`, a chunk per scheduler step. */
  load(partition: number, load: PartitionLoad): void {
    const start = this.p.replicaManager.getPartition(this.topic, partition)?.log.logStartOffset ?? 0;
    this.p.scheduler.schedule(0, () => this.loadStep(partition, load, start));
  }

  /** Replays one chunk of the partition, then yields to the event loop until the high watermark is reached. */
  private loadStep(partition: number, load: PartitionLoad, from: number): void {
    if (this.closed || !load.isCurrent()) return;
    const hosted = this.p.replicaManager.getPartition(this.topic, partition);
    if (hosted === undefined || !hosted.isLeader) return;
    const highWatermark = hosted.highWatermark;
    let offset = Math.max(from, hosted.log.logStartOffset);
    try {
      if (offset < highWatermark) {
        const data = hosted.log.read(offset, load.chunkBytes, highWatermark, true);
        if (data.slice !== undefined) {
          const buf = Log.readSliceSync(data.slice);
          for (const batch of iterateBatches(buf)) {
            offset = batch.nextOffset;
            load.replayBatch(batch);
          }
        } else {
          offset = highWatermark;
        }
      }
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.logger.error(`Loading ${this.topic}-${partition} failed: ${err.message}`, { partition });
      return;
    }
    if (offset < highWatermark) {
      this.p.scheduler.schedule(0, () => this.loadStep(partition, load, offset));
      return;
    }
    load.complete();
  }

  /** Replays each keyed record of a data batch, logging and skipping the ones `replay` cannot read. */
  replayRecords(partition: number, batch: RecordBatch, replay: (key: Buffer, value: Buffer | null, offset: number) => void): void {
    for (const record of batch.records()) {
      if (record.key === null) continue;
      try {
        replay(record.key, record.value, record.offset);
      } catch (err) {
        this.logger.warn(`Skipping an unreadable record of ${this.topic}-${partition}`, { offset: record.offset, error: String(err) });
      }
    }
  }

  // ---- timers ------------------------------------------------------------------------------------

  /** Runs `coordinator`'s timers on the scheduler from now until `close()`. */
  driveTimers(coordinator: TimerDrivenCoordinator): void {
    this.coordinator = coordinator;
    coordinator.onEarlierDeadline = (deadline) => this.arm(deadline);
    this.arm(coordinator.timer.nextDeadline());
  }

  private arm(deadlineMs: number): void {
    const coordinator = this.coordinator;
    if (this.closed || coordinator === undefined || !Number.isFinite(deadlineMs)) return;
    if (this.timerHandle !== undefined && this.timerHandle.atMs <= deadlineMs) return;
    this.timerHandle?.cancel();
    const delay = Math.max(0, deadlineMs - this.p.clock.monotonicMs());
    const cancel = this.p.scheduler.schedule(delay, () => {
      this.timerHandle = undefined;
      let next: number;
      try {
        next = coordinator.poll(this.p.clock.monotonicMs());
      } catch (err) {
        this.logger.error(`${this.name} timer failed`, { error: String(err) });
        next = coordinator.timer.nextDeadline();
      }
      this.arm(next);
    });
    this.timerHandle = { cancel, atMs: deadlineMs };
  }

  /** Stops loads and timers (the coordinator itself is closed by its wiring). */
  close(): void {
    this.closed = true;
    this.timerHandle?.cancel();
    this.timerHandle = undefined;
  }
}
