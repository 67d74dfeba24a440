import { join } from 'node:path';
import type { Clock, FileSystem, Logger } from '../common/index.js';
import {
  FileQuorumStateStore,
  MAX_RAFT_BATCH_BYTES,
  QUORUM_STATE_FILE,
  compareOffsetAndEpoch,
  isPartialSnapshotFileName,
  parseSnapshotFileName,
  PARTIAL_SNAPSHOT_SUFFIX,
  snapshotFileName,
} from '../raft/index.js';
import type { OffsetAndEpoch, RaftLog, RaftLogAppendInfo, SnapshotId } from '../raft/index.js';
import { Log, METADATA_TOPIC, NEVER, logConfig } from '../storage/index.js';
import type { LogConfig } from '../storage/index.js';

/** Kafka's metadata topic and the directory of its single partition inside metadata.log.dir. */
export const METADATA_PARTITION_DIR = `${METADATA_TOPIC}-0`;

export interface MetadataLogStoreParams {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: Logger;
  /** metadata.log.dir (the first log dir when unset); the log lives in its `__cluster_metadata-0`. */
  readonly metadataLogDir: string;
  /** metadata.log.segment.bytes / metadata.log.segment.ms and friends. */
  readonly config?: Partial<LogConfig>;
}

/**
 * The metadata log as raft sees it (RaftLog), over src/storage's Log in Kafka's layout:
 * `<metadata.log.dir>/__cluster_metadata-0/` holds the segments, `leader-epoch-checkpoint`,
 * `quorum-state` and the snapshots `<20-digit offset>-<10-digit epoch>.checkpoint`.
 *
 * Durability is raft's business: the log never flushes by itself (flush.messages/flush.ms never);
 * the quorum calls flush() and counts only flushed offsets as committed. Every open recovers the
 * whole log by CRC (no recovery-point checkpoint; the metadata log is small and its old segments
 * are dropped once a snapshot covers them), as Kafka does for its metadata log.
 */
export class MetadataLogStore implements RaftLog {
  readonly dir: string;
  private readonly fs: FileSystem;
  private readonly logger: Logger;
  /** The snapshot the log was restarted at (truncateFullyAndStartAt), for epoch lookups on an empty log. */
  private startSnapshot: SnapshotId | undefined;

  private constructor(
    private readonly log: Log,
    params: MetadataLogStoreParams,
  ) {
    this.dir = log.dir;
    this.fs = params.fs;
    this.logger = params.logger;
  }

  static open(params: MetadataLogStoreParams): MetadataLogStore {
    const dir = join(params.metadataLogDir, METADATA_PARTITION_DIR);
    params.fs.mkdir(dir);
    // A snapshot still being written when the process died is incomplete by definition.
    for (const name of params.fs.readdir(dir)) {
      if (!isPartialSnapshotFileName(name)) continue;
      params.logger.warn('deleting a partial snapshot left by a crash', { file: name });
      params.fs.unlink(join(dir, name));
    }
    const log = Log.open({
      fs: params.fs,
      clock: params.clock,
      dir,
      topicPartition: { topic: METADATA_TOPIC, partition: 0 },
      config: logConfig({
        retentionMs: -1,
        retentionBytes: -1,
        fileDeleteDelayMs: 0,
        flushMessages: NEVER,
        flushMs: NEVER,
        maxMessageBytes: MAX_RAFT_BATCH_BYTES + 1024,
        ...params.config,
      }),
      logger: params.logger,
      recoveryPoint: 0,
      logStartOffset: 0,
      cleanShutdown: false,
    });
    truncateAtFirstGap(log, params.logger);
    const store = new MetadataLogStore(log, params);
    // An empty log right at a snapshot (everything below was dropped) continues that snapshot's epoch.
    store.startSnapshot = store.snapshots().find((s) => s.offset === log.logStartOffset);
    return store;
  }

  /** The `quorum-state` file beside the log, as Kafka keeps it. */
  quorumStateStore(): FileQuorumStateStore {
    return new FileQuorumStateStore(this.fs, join(this.dir, QUORUM_STATE_FILE), this.logger);
  }

  get startOffset(): number {
    return this.log.logStartOffset;
  }
  get endOffset(): number {
    return this.log.logEndOffset;
  }
  get flushedEndOffset(): number {
    return this.log.recoveryPoint;
  }

  lastFetchedEpoch(): number {
    return this.log.leaderEpochCache.latestEpoch() ?? this.startSnapshot?.epoch ?? 0;
  }

  /** Kafka's KafkaMetadataLog.endOffsetForEpoch over the storage log's epoch cache. */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    const r = this.log.endOffsetForEpoch(epoch);
    if (r.leaderEpoch < 0) return { epoch: this.lastFetchedEpoch(), offset: this.log.logEndOffset };
    const s = this.startSnapshot;
    // The epoch ended exactly where the log starts after a snapshot: the snapshot's epoch is the answer.
    if (s !== undefined && r.endOffset === s.offset && r.leaderEpoch < epoch) return { epoch: s.epoch, offset: s.offset };
    return { epoch: r.leaderEpoch, offset: r.endOffset };
  }

  appendAsLeader(batches: Buffer, epoch: number): RaftLogAppendInfo {
    // Raft built these batches itself: their CRCs are right.
    const info = this.log.appendAsLeader(batches, epoch, { crcVerified: true });
    return { firstOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  appendAsFollower(batches: Buffer): RaftLogAppendInfo {
    const info = this.log.appendAsFollower(batches);
    return { firstOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  read(startOffset: number, maxBytes: number): Buffer {
    const info = this.log.read(startOffset, maxBytes, this.log.logEndOffset, true);
    return info.slice === undefined ? Buffer.alloc(0) : Log.readSliceSync(info.slice);
  }

  truncateTo(offset: number): void {
    this.log.truncateTo(offset);
  }

  truncateFullyAndStartAt(snapshot: SnapshotId): void {
    this.log.truncateFullyAndStartAt(snapshot.offset);
    this.startSnapshot = snapshot;
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  updateHighWatermark(offset: number): void {
    if (offset > this.log.highWatermark) this.log.updateHighWatermark(offset);
  }

  deleteBefore(offset: number): number {
    const target = Math.min(offset, this.log.highWatermark);
    if (target > this.log.logStartOffset) this.log.maybeIncrementLogStartOffset(target);
    return this.log.logStartOffset;
  }

  snapshots(): SnapshotId[] {
    const ids: SnapshotId[] = [];
    for (const name of this.fs.readdir(this.dir)) {
      const id = parseSnapshotFileName(name);
      if (id !== undefined) ids.push(id);
    }
    return ids.sort(compareOffsetAndEpoch);
  }

  readSnapshot(id: SnapshotId): Buffer | undefined {
    return this.fs.readFile(join(this.dir, snapshotFileName(id)));
  }

  /**
   * Written as `<name>.checkpoint.part` (Kafka's name; startup recovery deletes a leftover one), then
   * fdatasync, rename, directory sync: a crash leaves the snapshot whole or absent.
   */
  writeSnapshot(id: SnapshotId, data: Buffer): void {
    this.fs.writeFileAtomic(join(this.dir, snapshotFileName(id)), data, PARTIAL_SNAPSHOT_SUFFIX);
  }

  deleteSnapshot(id: SnapshotId): void {
    this.fs.unlink(join(this.dir, snapshotFileName(id)));
  }

  /** Clean close: flushes and writes the indexes. */
  close(): Promise<void> {
    return this.log.close();
  }
}

/**
 * A power cut can drop the unsynced tail of a segment while the next segment's file (made by a
 * roll) survives: storage then keeps a gap in the offsets (as Kafka does). Raft needs a contiguous
 * log, and nothing after such a gap can be committed (a flush syncs segments in order before the
 * committed offset moves past them), so the log is cut at the gap.
 */
function truncateAtFirstGap(log: Log, logger: Logger): void {
  const segments = log.segments;
  for (let i = 0; i + 1 < segments.length; i++) {
    const end = segments[i]!.readNextOffset();
    const nextBase = segments[i + 1]!.baseOffset;
    if (end >= nextBase) continue;
    logger.warn('metadata log has a gap after a crash; dropping the uncommitted records after it', { gapStart: end, gapEnd: nextBase });
    log.truncateTo(end);
    return;
  }
}
