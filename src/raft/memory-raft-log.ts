import { assert } from '../common/index.js';
import { RecordBatch, iterateBatches } from '../protocol/index.js';
import type { OffsetAndEpoch, RaftLog, RaftLogAppendInfo, SnapshotId } from './raft-log.js';
import { compareOffsetAndEpoch } from './raft-log.js';

interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly bytes: Buffer;
}

interface PendingFlush {
  readonly target: number;
  readonly resolve: () => void;
}

export interface MemoryRaftLogOptions {
  /**
   * When true, flush() waits until the test calls completeFlushes() (to observe uncommitted
   * states); otherwise a flush completes on the next microtask.
   */
  readonly manualFlush?: boolean;
}

/**
 * A RaftLog held in memory, for tests and simulation: same contract as the storage-backed one,
 * plus crash() to model a process that dies with unflushed appends.
 */
export class MemoryRaftLog implements RaftLog {
  private batches: StoredBatch[] = [];
  private start = 0;
  /** Epoch of the snapshot the log starts at (after truncateFullyAndStartAt), 0 otherwise. */
  private startEpoch = 0;
  private end = 0;
  private flushed = 0;
  private highWatermark = 0;
  private readonly snapshotData = new Map<string, { id: SnapshotId; data: Buffer }>();
  private pending: PendingFlush[] = [];
  private closed = false;
  /** Counts flush() calls that reached the "device", for group-commit assertions. */
  flushCount = 0;

  constructor(private readonly options: MemoryRaftLogOptions = {}) {}

  get startOffset(): number {
    return this.start;
  }
  get endOffset(): number {
    return this.end;
  }
  get flushedEndOffset(): number {
    return this.flushed;
  }

  lastFetchedEpoch(): number {
    return this.batches.at(-1)?.epoch ?? this.startEpoch;
  }

  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    let found: OffsetAndEpoch | undefined;
    if (this.startEpoch > 0 && this.startEpoch <= epoch) found = { epoch: this.startEpoch, offset: this.start };
    for (const b of this.batches) {
      if (b.epoch > epoch) return found === undefined ? { offset: -1, epoch: -1 } : { epoch: found.epoch, offset: b.baseOffset };
      found = { epoch: b.epoch, offset: this.end };
    }
    return found === undefined ? { offset: -1, epoch: -1 } : { epoch: found.epoch, offset: this.end };
  }

  appendAsLeader(batches: Buffer, epoch: number): RaftLogAppendInfo {
    this.checkOpen();
    const copy = Buffer.from(batches);
    const firstOffset = this.end;
    for (const view of iterateBatches(copy)) {
      view.baseOffset = this.end;
      view.partitionLeaderEpoch = epoch;
      this.store(view);
    }
    return { firstOffset, lastOffset: this.end - 1 };
  }

  appendAsFollower(batches: Buffer): RaftLogAppendInfo {
    this.checkOpen();
    const copy = Buffer.from(batches);
    const firstOffset = this.end;
    for (const view of iterateBatches(copy)) {
      assert(view.baseOffset >= this.end, `follower batch at ${view.baseOffset} is below the log end ${this.end}`);
      this.store(view);
    }
    return { firstOffset, lastOffset: this.end - 1 };
  }

  private store(view: RecordBatch): void {
    assert(view.verifyCrc(), 'raft appends well-formed batches');
    const last = this.batches.at(-1);
    assert(last === undefined || view.partitionLeaderEpoch >= last.epoch, 'epochs never decrease in the log');
    this.batches.push({ baseOffset: view.baseOffset, lastOffset: view.lastOffset, epoch: view.partitionLeaderEpoch, bytes: view.buf });
    this.end = view.lastOffset + 1;
  }

  read(startOffset: number, maxBytes: number): Buffer {
    this.checkOpen();
    assert(startOffset >= this.start && startOffset <= this.end, `offset ${startOffset} outside [${this.start}, ${this.end}]`);
    const out: Buffer[] = [];
    let size = 0;
    for (const b of this.batches) {
      if (b.lastOffset < startOffset) continue;
      if (out.length > 0 && size + b.bytes.length > maxBytes) break;
      out.push(b.bytes);
      size += b.bytes.length;
    }
    return Buffer.concat(out);
  }

  truncateTo(offset: number): void {
    this.checkOpen();
    if (offset >= this.end) return;
    assert(offset >= this.highWatermark, `cannot truncate committed offset ${offset} < ${this.highWatermark}`);
    this.batches = this.batches.filter((b) => b.baseOffset < offset);
    this.end = this.batches.at(-1)?.lastOffset ?? this.start - 1;
    this.end += 1;
    this.flushed = Math.min(this.flushed, this.end);
  }

  truncateFullyAndStartAt(snapshot: SnapshotId): void {
    this.checkOpen();
    this.batches = [];
    this.start = snapshot.offset;
    this.startEpoch = snapshot.epoch;
    this.end = snapshot.offset;
    this.flushed = snapshot.offset;
    this.highWatermark = Math.min(this.highWatermark, snapshot.offset);
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('log is closed'));
    if (this.flushed >= this.end && this.pending.length === 0) return Promise.resolve();
    const target = this.end;
    return new Promise<void>((resolve) => {
      this.pending.push({ target, resolve });
      if (this.options.manualFlush !== true) queueMicrotask(() => this.completeFlushes());
    });
  }

  /** Completes every flush requested so far (manualFlush mode). */
  completeFlushes(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    this.flushCount++;
    for (const p of pending) this.flushed = Math.max(this.flushed, Math.min(p.target, this.end));
    for (const p of pending) p.resolve();
  }

  get pendingFlushes(): number {
    return this.pending.length;
  }

  updateHighWatermark(offset: number): void {
    this.highWatermark = Math.max(this.highWatermark, Math.min(offset, this.end));
  }

  deleteBefore(offset: number): number {
    // Like segment deletion: whole batches only, never past the committed offset.
    const limit = Math.min(offset, this.highWatermark);
    const keep = this.batches.filter((b) => b.lastOffset >= limit);
    if (keep.length === this.batches.length) return this.start;
    const dropped = this.batches.length - keep.length;
    const lastDropped = this.batches[dropped - 1]!;
    this.batches = keep;
    this.start = lastDropped.lastOffset + 1;
    this.startEpoch = lastDropped.epoch;
    return this.start;
  }

  snapshots(): SnapshotId[] {
    return [...this.snapshotData.values()].map((s) => s.id).sort(compareOffsetAndEpoch);
  }

  readSnapshot(id: SnapshotId): Buffer | undefined {
    return this.snapshotData.get(key(id))?.data;
  }

  writeSnapshot(id: SnapshotId, data: Buffer): void {
    this.snapshotData.set(key(id), { id, data: Buffer.from(data) });
  }

  deleteSnapshot(id: SnapshotId): void {
    this.snapshotData.delete(key(id));
  }

  /** Test control: damages a stored snapshot in place. */
  corruptSnapshot(id: SnapshotId, position: number): void {
    const s = this.snapshotData.get(key(id));
    assert(s !== undefined, 'snapshot exists');
    s.data[position] = (s.data[position] ?? 0) ^ 0xff;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }

  /**
   * A process crash with unflushed data lost (a power cut): a new log holding only what was
   * flushed, and the snapshots (written durably). This log becomes unusable.
   */
  crash(): MemoryRaftLog {
    this.closed = true;
    const next = new MemoryRaftLog(this.options);
    next.batches = this.batches.filter((b) => b.lastOffset < this.flushed);
    next.start = this.start;
    next.startEpoch = this.startEpoch;
    next.end = next.batches.at(-1)?.lastOffset ?? this.start - 1;
    next.end += 1;
    next.flushed = next.end;
    for (const [k, v] of this.snapshotData) next.snapshotData.set(k, v);
    return next;
  }

  private checkOpen(): void {
    assert(!this.closed, 'the log is open');
  }
}

function key(id: SnapshotId): string {
  return `${id.offset}-${id.epoch}`;
}
