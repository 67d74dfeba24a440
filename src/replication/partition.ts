import { ErrorCode } from '../common/index.js';
import type { PartitionRegistration } from '../metadata/index.js';
import type { AppendOptions, Log, LogAppendInfo, ProducerStateManager } from '../storage/index.js';
import type { PartitionConfig } from './partition-config.js';

/** This broker's role for a partition: Kafka's leader / follower, or neither while it is only known. */
export type PartitionRole = 'leader' | 'follower';

/** What the leader knows of a follower replica (filled by follower fetches). */
export interface FollowerState {
  logEndOffset: number;
  lastFetchMs: number;
}

/**
 * One partition hosted by this broker: its log, its leadership (leader id and epoch, ISR, replicas
 * as of the latest metadata image) and, when leading, the high watermark. Synchronous state only;
 * the ReplicaManager drives it.
 *
 * Invariants: `log.logStartOffset <= highWatermark <= log.logEndOffset`; as leader the high
 * watermark never moves backwards; it is the smallest log end offset among the ISR (its own
 * included), so a single-replica ISR has HW = LEO after every append.
 */
export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly key: string;
  topicId: string;
  role: PartitionRole = 'follower';
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  isr: readonly number[] = [];
  replicas: readonly number[] = [];
  config: PartitionConfig;
  readonly log: Log;
  /** Follower replicas' fetch state; only kept while leader. Seam for the replica fetcher issue. */
  readonly followers = new Map<number, FollowerState>();
  /** Idempotence/transaction state of the log (absent when the broker runs without it). */
  producerState: ProducerStateManager | undefined;

  constructor(
    readonly localId: number,
    topic: string,
    index: number,
    topicId: string,
    log: Log,
    config: PartitionConfig,
  ) {
    this.topic = topic;
    this.index = index;
    this.key = partitionKey(topic, index);
    this.topicId = topicId;
    this.log = log;
    this.config = config;
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** Kafka's last stable offset: min(first unstable offset, high watermark); bounds read_committed reads. */
  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  /**
   * Applies a registration naming this broker leader. A new epoch resets follower state and starts
   * the epoch at the log end (leader-epoch cache, as Kafka's makeLeader); the HW is recomputed.
   * Returns whether the high watermark moved.
   */
  makeLeader(reg: PartitionRegistration, nowMs: number): boolean {
    const newEpoch = this.role !== 'leader' || reg.leaderEpoch !== this.leaderEpoch;
    this.applyRegistration(reg);
    this.role = 'leader';
    if (newEpoch) {
      this.followers.clear();
      for (const r of reg.replicas) {
        if (r !== this.localId) this.followers.set(r, { logEndOffset: -1, lastFetchMs: nowMs });
      }
      this.assignEpochStart();
    }
    return this.maybeIncrementHighWatermark();
  }

  /** Applies a registration naming another broker (or none) leader. The fetcher that follows it comes later. */
  makeFollower(reg: PartitionRegistration): void {
    this.applyRegistration(reg);
    this.role = 'follower';
    this.followers.clear();
  }

  private applyRegistration(reg: PartitionRegistration): void {
    this.leaderId = reg.leader;
    this.leaderEpoch = reg.leaderEpoch;
    this.partitionEpoch = reg.partitionEpoch;
    this.isr = reg.isr;
    this.replicas = reg.replicas;
  }

  private assignEpochStart(): void {
    const cache = this.log.leaderEpochCache;
    const latest = cache.latestEpoch();
    if (this.leaderEpoch < 0 || (latest !== undefined && latest >= this.leaderEpoch)) return;
    // An I/O failure here surfaces on the next append as KAFKA_STORAGE_ERROR; the epoch is then
    // assigned by that append instead.
    try {
      cache.assign(this.leaderEpoch, this.log.logEndOffset);
    } catch {
      this.log.markOffline(new Error('leader-epoch-checkpoint write failed'));
    }
  }

  /**
   * Kafka's leader epoch check for a client's current_leader_epoch (-1 = no check): older →
   * FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): number {
    if (currentLeaderEpoch < 0 || currentLeaderEpoch === this.leaderEpoch) return ErrorCode.NONE;
    return currentLeaderEpoch < this.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
  }

  /** Leader append (batches already validated and CRC-checked). Throws StorageError. */
  appendAsLeader(records: Buffer, options: AppendOptions): LogAppendInfo {
    return this.log.appendAsLeader(records, this.leaderEpoch, options);
  }

  /** HW = the smallest log end offset in the ISR (own included); never backwards. Returns whether it moved. */
  maybeIncrementHighWatermark(): boolean {
    if (!this.isLeader) return false;
    let hw = this.log.logEndOffset;
    for (const id of this.isr) {
      if (id === this.localId) continue;
      const f = this.followers.get(id);
      // A follower in the ISR that has not fetched in this epoch holds the HW where it is.
      hw = Math.min(hw, f === undefined || f.logEndOffset < 0 ? this.log.highWatermark : f.logEndOffset);
    }
    if (hw <= this.log.highWatermark) return false;
    this.log.updateHighWatermark(hw);
    return true;
  }

  /** A follower fetched from `fetchOffset`: everything before it is on its log. Returns whether the HW moved. */
  updateFollowerFetchState(replicaId: number, fetchOffset: number, nowMs: number): boolean {
    const f = this.followers.get(replicaId);
    if (f === undefined) return false;
    f.logEndOffset = fetchOffset;
    f.lastFetchMs = nowMs;
    return this.maybeIncrementHighWatermark();
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
