/**
 * The replicated log as the quorum sees it: Kafka record batches (v2) with offsets, leader epochs
 * and snapshots. Raft never touches files itself; the server implements this over src/storage's
 * `Log` (src/server/metadata-log-store.ts) and tests use `MemoryRaftLog`.
 */

/** A position in the log together with the epoch of the leader that wrote the record before it. */
export interface OffsetAndEpoch {
  readonly offset: number;
  readonly epoch: number;
}

/** Snapshots are named by Kafka's OffsetAndEpoch: every offset below `offset` is covered. */
export type SnapshotId = OffsetAndEpoch;

export interface RaftLogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
}

export interface RaftLog {
  /** The first offset still in the log (a snapshot covers everything below). */
  readonly startOffset: number;
  /** The offset the next appended record gets. */
  readonly endOffset: number;
  /** Every record below this offset is on stable storage (fdatasync'ed). */
  readonly flushedEndOffset: number;

  /** Epoch of the last record in the log, or of the snapshot it starts at; 0 when empty. */
  lastFetchedEpoch(): number;
  /**
   * Kafka's endOffsetForEpoch: the largest epoch <= `epoch` the log knows and the offset where it
   * ends (start of the next epoch, or the log end); { offset: -1, epoch: -1 } when unknown.
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch;

  /** Appends whole batches, assigning offsets and stamping `epoch` into them (patched in place). */
  appendAsLeader(batches: Buffer, epoch: number): RaftLogAppendInfo;
  /** Appends batches that already carry offsets and epochs (a follower copying the leader). */
  appendAsFollower(batches: Buffer): RaftLogAppendInfo;
  /**
   * Whole batches from the one containing `startOffset`, up to `maxBytes` but at least one batch,
   * never past the log end; empty when `startOffset` is the log end.
   */
  read(startOffset: number, maxBytes: number): Buffer;
  /** Removes every record at or after `offset` (a follower diverging from the new leader). */
  truncateTo(offset: number): void;
  /** Drops everything: the log restarts empty at `snapshot.offset`, after that snapshot. */
  truncateFullyAndStartAt(snapshot: SnapshotId): void;
  /** Makes everything appended so far durable (group commit: concurrent calls share an fdatasync). */
  flush(): Promise<void>;
  /** The committed offset, for storage's bookkeeping (it never moves backwards). */
  updateHighWatermark(offset: number): void;
  /**
   * Lets the log drop whole segments below `offset` (covered by a snapshot); returns the new
   * start offset, which may stay lower (segments are deleted whole).
   */
  deleteBefore(offset: number): number;

  /** Complete snapshots, oldest first. */
  snapshots(): SnapshotId[];
  /** The bytes of a snapshot, or undefined when it is gone or unreadable. */
  readSnapshot(id: SnapshotId): Buffer | undefined;
  /** Writes a snapshot so that a crash leaves it either complete or absent (`.part`, fsync, rename). */
  writeSnapshot(id: SnapshotId, data: Buffer): void;
  deleteSnapshot(id: SnapshotId): void;

  /** Flushes and releases the log. */
  close(): Promise<void>;
}

export function compareOffsetAndEpoch(a: OffsetAndEpoch, b: OffsetAndEpoch): number {
  return a.offset - b.offset || a.epoch - b.epoch;
}

const SNAPSHOT_SUFFIX = '.checkpoint';
/** What a snapshot's file name ends with while it is being written (renamed away when complete). */
export const PARTIAL_SNAPSHOT_SUFFIX = '.part';
const SNAPSHOT_NAME = /^(\d{20})-(\d{10})\.checkpoint$/;

/** Kafka's snapshot file name: `<20-digit end offset>-<10-digit epoch>.checkpoint`. */
export function snapshotFileName(id: SnapshotId): string {
  return `${String(id.offset).padStart(20, '0')}-${String(id.epoch).padStart(10, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The name a snapshot is written under before the rename that completes it. */
export function partialSnapshotFileName(id: SnapshotId): string {
  return snapshotFileName(id) + PARTIAL_SNAPSHOT_SUFFIX;
}

export function isPartialSnapshotFileName(name: string): boolean {
  return name.endsWith(SNAPSHOT_SUFFIX + PARTIAL_SNAPSHOT_SUFFIX);
}

/** Parses a complete snapshot's file name; undefined for anything else. */
export function parseSnapshotFileName(name: string): SnapshotId | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  if (m === null) return undefined;
  const offset = Number(m[1]);
  const epoch = Number(m[2]);
  if (!Number.isSafeInteger(offset) || epoch > 0x7fffffff) return undefined;
  return { offset, epoch };
}
