import type { FileSystem } from '../common/index.js';
import { CheckpointFile } from './checkpoint-file.js';
import { formatLeaderEpochCheckpoint, readLeaderEpochCheckpoint } from './checkpoints.js';
import type { EpochEntry } from './checkpoints.js';

export interface EpochEndOffset {
  readonly leaderEpoch: number;
  /** -1 when the epoch is unknown (UNDEFINED_EPOCH_OFFSET) */
  readonly endOffset: number;
}

/**
 * Leader epoch → start offset, for OffsetForLeaderEpoch and follower truncation, kept in
 * `leader-epoch-checkpoint`. Invariant: epochs and start offsets strictly increase.
 *
 * When the file is written (Kafka 3.8+, KAFKA-15046): a new epoch (`assign`) and `clear` are
 * written before the call returns, so the file never misses an epoch the log has data of; the
 * truncations (retention, DeleteRecords, follower truncation) change the cache at once and write
 * the file off the event loop. A crash before that write leaves a stale file, which is safe: on
 * load the log truncates the cache to its end offset and to its start offset again. The writes
 * are ordered (see CheckpointFile): the file ends with the newest content.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly file: CheckpointFile;

  /** `onAsyncWriteError`: a background write failed (the owner takes the log offline). */
  constructor(
    fs: FileSystem,
    path: string,
    private readonly onAsyncWriteError: (err: unknown) => void = () => {},
  ) {
    this.entries = readLeaderEpochCheckpoint(fs, path);
    this.file = new CheckpointFile(fs, path);
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number | undefined {
    return this.entries.at(-1)?.epoch;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Stale epochs are ignored; entries starting at or
   * after `startOffset` are superseded (they came from a leader whose writes were truncated).
   */
  assign(epoch: number, startOffset: number): void {
    const last = this.entries.at(-1);
    if (last !== undefined && epoch <= last.epoch) return;
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.writeSync();
  }

  /** For OffsetForLeaderEpoch: the end offset of `epoch` (start of the next larger epoch, or logEndOffset). */
  endOffsetFor(epoch: number, logEndOffset: number): EpochEndOffset {
    const latest = this.entries.at(-1);
    if (epoch < 0 || latest === undefined) return { leaderEpoch: -1, endOffset: -1 };
    if (epoch === latest.epoch) return { leaderEpoch: epoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > epoch);
    // An epoch newer than every entry is unknown here: the asker must truncate by its own means.
    if (higher < 0) return { leaderEpoch: -1, endOffset: -1 };
    const floor = higher === 0 ? undefined : this.entries[higher - 1];
    // Older than every entry: that epoch ended where the first known one starts (Kafka answers the requested epoch).
    return { leaderEpoch: floor === undefined ? epoch : floor.epoch, endOffset: this.entries[higher]!.startOffset };
  }

  /** The epoch of the leader that wrote `offset`, if known. */
  epochForOffset(offset: number): number | undefined {
    let found: number | undefined;
    for (const e of this.entries) {
      if (e.startOffset > offset) break;
      found = e.epoch;
    }
    return found;
  }

  /** Drops entries starting at or after `endOffset` (log truncated to it). */
  truncateFromEnd(endOffset: number): void {
    const keep = this.entries.filter((e) => e.startOffset < endOffset);
    if (keep.length === this.entries.length) return;
    this.entries = keep;
    this.writeAsync();
  }

  /** Log start moved to `startOffset`: earlier entries collapse into one starting there. */
  truncateFromStart(startOffset: number): void {
    let i = 0;
    while (i + 1 < this.entries.length && this.entries[i + 1]!.startOffset <= startOffset) i++;
    const first = this.entries[i];
    if (first === undefined) return;
    const next = this.entries.slice(i + 1);
    const moved = first.startOffset < startOffset ? { epoch: first.epoch, startOffset } : first;
    const updated = [moved, ...next];
    if (i === 0 && moved === first) return;
    this.entries = updated;
    this.writeAsync();
  }

  /** Drops every entry (the log restarts empty); written before returning, as Kafka's clearAndFlush. */
  clear(): void {
    this.entries = [];
    this.writeSync();
  }

  /** Resolves once no background write is in flight. Never rejects. */
  writesDone(): Promise<void> {
    return this.file.idle();
  }

  /** The directory is going away: background writes in flight end without touching it. */
  close(): void {
    this.file.close();
  }

  private writeSync(): void {
    this.file.writeSync(formatLeaderEpochCheckpoint(this.entries));
  }

  private writeAsync(): void {
    this.file.writeAsync(formatLeaderEpochCheckpoint(this.entries)).catch(this.onAsyncWriteError);
  }
}
