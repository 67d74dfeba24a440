import { AssertionError, assert, fsErrorCode } from '../common/index.js';
import type { FileSystem } from '../common/index.js';
import {
  HEADER_SIZE,
  baseOffsetAt,
  batchProblemAt,
  batchSizeAt,
  lastOffsetAt,
  magicAt,
  maxTimestampAt,
} from './batch-header.js';
import { CorruptSegmentError } from './errors.js';
import {
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
  segmentFile,
} from './file-names.js';
import { OffsetIndex, TimeIndex } from './sparse-index.js';
import type { TimestampOffset } from './sparse-index.js';
import { TransactionIndex } from './transaction-index.js';

/** Reads of this size amortise syscalls when scanning batch headers. */
const HEADER_SCAN_CHUNK = 16 * 1024;
/**
 * Scan buffers, reused: every fetch scans headers (translateOffset), and a fresh 16 KiB buffer per
 * scan — ~10k fetches/s of a consumer at the log end — was hundreds of MB/s of external memory,
 * which drove young-generation GCs (the pauses behind the produce latency tail).
 */
const headerScanChunks: Buffer[] = [];
const HEADER_SCAN_POOL_MAX = 4;
/** Recovery validates whole batches; bigger chunks mean fewer reads of a large tail. */
const RECOVERY_CHUNK = 4 * 1024 * 1024;

/**
 * Appends that wait for an fdatasync anyway (flush.messages reached) are copied here instead of
 * being written one by one: the flush round writes them with one call just before its fdatasync.
 * 64 appends of 16 KiB then cost one 1 MiB write instead of 64 write syscalls, which is what kept
 * group commit at ~40% of a raw "write 1 MiB + fdatasync" loop. 1 MiB is the raw baseline's write
 * size; larger appends are written straight from the caller's buffer.
 */
export const APPEND_STAGING_BYTES = 1024 * 1024;
/** Free staging buffers kept for reuse across segments (bounds idle memory to this many MiB). */
const STAGING_POOL_MAX = 8;
const stagingPool: Buffer[] = [];

/**
 * A log file opened on demand: holds the descriptor that FileSlices point at. The descriptor is
 * closed only when the segment is finally deleted (after file.delete.delay.ms), so a slice handed
 * to the network stays readable; reads after close fail loudly instead of hitting a reused fd.
 *
 * Staged appends (see `stage`) are bytes the log already counts but the file does not hold yet.
 * Every use of the descriptor — reads, size, truncate, fdatasync — goes through `fd`, which writes
 * them out first, so no reader or file operation can tell staged bytes from written ones.
 */
export class SegmentFile {
  private fdValue = -1;
  private closed = false;
  private staging: Buffer | undefined;
  private stagedBytes = 0;
  /** File position of staging[0]. */
  private stagedPosition = 0;
  private readsInFlight = 0;
  private whenReadsDone: (() => void) | undefined;

  constructor(
    private readonly fs: FileSystem,
    public path: string,
  ) {}

  /** The descriptor, after writing out any staged bytes. */
  get fd(): number {
    if (this.stagedBytes > 0) this.writeStaged();
    return this.rawFd;
  }

  private get rawFd(): number {
    // Not assert(): its message would be built on every file operation.
    if (this.closed) throw new AssertionError(`segment file ${this.path} is closed`);
    if (this.fdValue < 0) this.fdValue = this.fs.open(this.path, 'readWrite');
    return this.fdValue;
  }

  get isOpen(): boolean {
    return this.fdValue >= 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes accepted by `stage` and not yet written. */
  get pendingBytes(): number {
    return this.stagedBytes;
  }

  create(): void {
    this.fdValue = this.fs.open(this.path, 'create');
  }

  read(buf: Buffer, offset: number, length: number, position: number): number {
    return this.fs.read(this.fd, buf, offset, length, position);
  }

  readAsync(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    let read: Promise<number>;
    try {
      read = this.fs.readAsync(this.fd, buf, offset, length, position);
    } catch (err) {
      return Promise.reject(err);
    }
    // Counted so that closeAsync never hands the descriptor number back to the kernel (where the
    // next open may reuse it) while a thread-pool read still uses it.
    this.readsInFlight++;
    return read.finally(() => {
      if (--this.readsInFlight === 0) this.whenReadsDone?.();
    });
  }

  /** Writes `buf` whole at `position` now (after anything staged before it). */
  write(buf: Buffer, position: number): void {
    this.fs.write(this.fd, buf, 0, buf.length, position);
  }

  /**
   * Accepts `buf` for writing at `position` (right after the bytes already staged) by the next use
   * of `fd`. The caller owns `buf` again on return: it is copied, or written now when it does not fit.
   */
  stage(buf: Buffer, position: number): void {
    if (this.stagedBytes > 0) {
      if (position !== this.stagedPosition + this.stagedBytes) throw new AssertionError(`staged append at ${position} is not contiguous in ${this.path}`);
      if (buf.length > APPEND_STAGING_BYTES - this.stagedBytes) this.writeStaged();
    }
    if (buf.length >= APPEND_STAGING_BYTES) {
      this.fs.write(this.rawFd, buf, 0, buf.length, position);
      return;
    }
    if (this.staging === undefined) this.staging = stagingPool.pop() ?? Buffer.allocUnsafe(APPEND_STAGING_BYTES);
    if (this.stagedBytes === 0) this.stagedPosition = position;
    buf.copy(this.staging, this.stagedBytes);
    this.stagedBytes += buf.length;
  }

  /** Writes out staged bytes now, if any. */
  writeOutStaged(): void {
    if (this.stagedBytes > 0) this.writeStaged();
  }

  private writeStaged(): void {
    const staging = this.staging;
    assert(staging !== undefined, 'staged bytes have a buffer');
    const n = this.stagedBytes;
    // On failure the bytes stay staged: the log goes offline and they are never acknowledged.
    this.fs.write(this.rawFd, staging, 0, n, this.stagedPosition);
    this.stagedBytes = 0;
    this.staging = undefined;
    if (stagingPool.length < STAGING_POOL_MAX) stagingPool.push(staging);
  }

  /**
   * Closes the descriptor. Bytes still staged are dropped: they belong to appends whose fdatasync
   * has not run, which are not acknowledged (a clean close syncs every segment first).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stagedBytes = 0;
    this.staging = undefined;
    if (this.fdValue >= 0) this.fs.close(this.fdValue);
    this.fdValue = -1;
  }

  /**
   * Like `close`, but the close(2) runs on the thread pool, after the reads in flight on the
   * descriptor: the last close of an unlinked file frees its blocks. Closed for every use at once.
   */
  closeAsync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const fd = this.fdValue;
    this.closed = true;
    this.stagedBytes = 0;
    this.staging = undefined;
    this.fdValue = -1;
    if (fd < 0) return Promise.resolve();
    if (this.readsInFlight === 0) return this.fs.closeAsync(fd);
    return new Promise<void>((resolve) => {
      this.whenReadsDone = resolve;
    }).then(() => this.fs.closeAsync(fd));
  }
}

/** A byte range of a segment file holding whole batches; what a fetch sends. */
export interface FileSlice {
  readonly file: SegmentFile;
  readonly position: number;
  readonly size: number;
}

/** Where a batch sits in a segment. */
export interface BatchLocation {
  readonly position: number;
  readonly size: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

/** Metadata of one batch in an append, computed by validation. */
export interface AppendedBatch {
  /** position of the batch within the appended buffer */
  readonly at: number;
  readonly size: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

export interface SegmentSettings {
  readonly indexIntervalBytes: number;
  readonly maxIndexBytes: number;
}

export interface RecoveryResult {
  /** bytes removed from the end because they were not valid batches */
  readonly truncatedBytes: number;
  readonly problem: string | undefined;
}

/**
 * One segment: `<base>.log` plus its offset, time and transaction indexes. Single-threaded owner
 * is the Log; all positions are byte offsets in the .log file.
 *
 * Invariants: the .log holds whole v2 batches back to back from position 0 to `size`
 * (recovery restores this after a crash); index entries point at batch starts and increase.
 */
export class LogSegment {
  readonly file: SegmentFile;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  readonly txnIndex: TransactionIndex;
  private sizeValue = -1;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestampValue: TimestampOffset | undefined;
  /** Max timestamp of the first batch: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  rollingBasedTimestamp: number | undefined;
  /** The log end offset of this segment when known (active segment), to avoid rescanning. */
  private nextOffsetValue: number | undefined;

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    private readonly settings: SegmentSettings,
    readonly createdMs: number,
    /** segment.jitter.ms drawn for this segment */
    readonly rollJitterMs: number,
    suffix: string,
  ) {
    this.file = new SegmentFile(fs, segmentFile(dir, baseOffset, LOG_SUFFIX + suffix));
    this.offsetIndex = new OffsetIndex(fs, segmentFile(dir, baseOffset, INDEX_SUFFIX + suffix), baseOffset, settings.maxIndexBytes);
    this.timeIndex = new TimeIndex(fs, segmentFile(dir, baseOffset, TIME_INDEX_SUFFIX + suffix), baseOffset, settings.maxIndexBytes);
    this.txnIndex = new TransactionIndex(fs, segmentFile(dir, baseOffset, TXN_INDEX_SUFFIX + suffix));
  }

  /** A new, empty segment (files created now). `suffix` is '' or '.cleaned'. */
  static create(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    settings: SegmentSettings,
    nowMs: number,
    rollJitterMs: number,
    suffix = '',
  ): LogSegment {
    const s = new LogSegment(fs, dir, baseOffset, settings, nowMs, rollJitterMs, suffix);
    s.file.create();
    if (suffix === '') s.fs.truncate(s.file.fd, 0);
    s.sizeValue = 0;
    s.offsetIndex.initEmpty();
    s.timeIndex.initEmpty();
    s.txnIndex.initEmpty();
    s.nextOffsetValue = baseOffset;
    // Index files exist from the start, as Kafka's do, so the directory looks like Kafka's.
    s.offsetIndex.flush();
    s.timeIndex.flush();
    return s;
  }

  /** An existing segment; nothing is read until needed. */
  static open(fs: FileSystem, dir: string, baseOffset: number, settings: SegmentSettings, nowMs: number, suffix = ''): LogSegment {
    return new LogSegment(fs, dir, baseOffset, settings, nowMs, 0, suffix);
  }

  get size(): number {
    if (this.sizeValue < 0) this.sizeValue = this.fs.fileSize(this.file.fd);
    return this.sizeValue;
  }

  /** Loads both indexes if not yet loaded; a failed sanity check rebuilds them from the log. */
  ensureIndexes(): void {
    if (this.offsetIndex.isLoaded && this.timeIndex.isLoaded) return;
    const size = this.size;
    const p1 = this.offsetIndex.load(size);
    const p2 = this.timeIndex.load(size);
    if (p1 !== undefined || p2 !== undefined) this.rebuildIndexes();
  }

  /** Reads batch locations from `startPosition` until `endPosition` (exclusive), by header only. */
  *batchesFrom(startPosition: number, endPosition = this.size): Generator<BatchLocation> {
    // The chunk goes back to the pool when the scan ends or its loop breaks (a scan left open just drops it).
    const cursor = this.headers(startPosition, endPosition);
    try {
      while (cursor.next()) yield cursor.location();
    } finally {
      cursor.close();
    }
  }

  /**
   * A cursor over batch headers, for the scans every fetch makes (translateOffset,
   * lastBatchBoundary): a generator costs a result object per batch on top of the location it
   * yields, ~10k times a second for a consumer at the log end. The caller must `close()` it.
   */
  private headers(startPosition: number, endPosition: number): HeaderCursor {
    return new HeaderCursor(this, startPosition, endPosition);
  }

  /** @internal The cursor's error for a header that does not parse. */
  corrupt(position: number, what: string): CorruptSegmentError {
    return new CorruptSegmentError(`corrupt segment ${this.file.path} at position ${position}: ${what}`);
  }

  /** The first batch whose last offset is >= offset, searching from the index. */
  translateOffset(offset: number, startingPosition = 0): BatchLocation | undefined {
    const cursor = this.seek(offset, startingPosition);
    try {
      return cursor.position >= 0 ? cursor.location() : undefined;
    } finally {
      cursor.close();
    }
  }

  /** A cursor on the first batch whose last offset is >= offset (position -1: none); close it. */
  private seek(offset: number, startingPosition: number): HeaderCursor {
    this.ensureIndexes();
    const cursor = this.headers(Math.max(startingPosition, this.offsetIndex.lookupPosition(offset)), this.size);
    try {
      while (cursor.next()) if (cursor.lastOffset >= offset) return cursor;
      cursor.position = -1;
      return cursor;
    } catch (e) {
      cursor.close();
      throw e;
    }
  }

  /** Kafka's fetchUpperBoundOffset: the offset of the first index entry at or past `position`, if any. */
  fetchUpperBoundOffset(position: number): number | undefined {
    this.ensureIndexes();
    return this.offsetIndex.ceilingByPosition(position);
  }

  /** The end of the last whole batch that ends at or before `limit`, scanning from `from` (a batch start). */
  lastBatchBoundary(from: number, limit: number): number {
    this.ensureIndexes();
    // Index entries point at batch starts, so every batch before the entry at or below `limit` ends by then.
    let boundary = Math.max(from, this.offsetIndex.positionAtOrBefore(limit));
    const cursor = this.headers(boundary, this.size);
    try {
      while (cursor.next() && cursor.position + cursor.size <= limit) boundary = cursor.position + cursor.size;
    } finally {
      cursor.close();
    }
    return boundary;
  }

  /**
   * Whole batches starting at the batch that contains `startOffset`, at most `maxSize` bytes
   * (but the first batch whole if `minOneMessage`), ending before `maxPosition`.
   */
  read(startOffset: number, maxSize: number, maxPosition: number, minOneMessage: boolean): FileSlice | undefined {
    // translateOffset without its BatchLocation: only the first batch's position and size matter.
    const first = this.seek(startOffset, 0);
    const position = first.position;
    const size = first.size;
    first.close();
    if (position < 0 || position >= maxPosition) return undefined;
    const limit = Math.min(maxPosition, position + (minOneMessage ? Math.max(maxSize, size) : maxSize));
    const end = limit >= maxPosition ? maxPosition : this.lastBatchBoundary(position, limit);
    return { file: this.file, position, size: Math.max(0, end - position) };
  }

  /**
   * Appends batches already validated and given offsets; `buf` holds them back to back. With
   * `deferWrite` the bytes may be staged until the next flush (or read) writes them out: only for
   * appends that are acknowledged after an fdatasync anyway.
   */
  append(buf: Buffer, batches: readonly AppendedBatch[], deferWrite = false): void {
    if (batches.length === 0) return;
    this.ensureIndexes();
    const position = this.size;
    if (deferWrite) this.file.stage(buf, position);
    else this.file.write(buf, position);
    this.sizeValue = position + buf.length;
    for (const b of batches) this.indexBatch(position + b.at, b.size, b.lastOffset, b.maxTimestamp);
  }

  /** Index bookkeeping for one batch at `position` (shared by append, recovery and rebuild). */
  private indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (this.rollingBasedTimestamp === undefined) this.rollingBasedTimestamp = maxTimestamp;
    const max = this.maxTimestampSoFar();
    if (max === undefined || maxTimestamp > max.timestamp) this.maxTimestampValue = { timestamp: maxTimestamp, offset: lastOffset };
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      if (!this.offsetIndex.isFull()) this.offsetIndex.append(lastOffset, position);
      const m = this.maxTimestampValue;
      if (m !== undefined) this.timeIndex.maybeAppend(m.timestamp, m.offset);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffsetValue = lastOffset + 1;
  }

  /** The largest batch max timestamp and the last offset of that batch, if any batch exists. */
  maxTimestampSoFar(): TimestampOffset | undefined {
    if (this.maxTimestampValue === undefined && this.size > 0) {
      this.ensureIndexes();
      const last = this.timeIndex.lastEntry();
      if (last !== undefined) this.maxTimestampValue = last;
    }
    return this.maxTimestampValue;
  }

  /** Kafka's largestTimestamp: the max batch timestamp, or the file's mtime when none is known. */
  largestTimestamp(): number {
    const m = this.maxTimestampSoFar();
    if (m !== undefined && m.timestamp >= 0) return m.timestamp;
    return this.fs.stat(this.file.path)?.mtimeMs ?? 0;
  }

  /** Next offset after this segment's last batch (its base offset when empty). */
  readNextOffset(): number {
    if (this.nextOffsetValue !== undefined) return this.nextOffsetValue;
    this.ensureIndexes();
    const entry = this.offsetIndex.lookup(Number.MAX_SAFE_INTEGER);
    let next = this.baseOffset;
    let bytesSince = 0;
    for (const b of this.batchesFrom(entry.position)) {
      next = b.lastOffset + 1;
      bytesSince += b.size;
      const max = this.maxTimestampSoFar();
      if (max === undefined || b.maxTimestamp > max.timestamp) this.maxTimestampValue = { timestamp: b.maxTimestamp, offset: b.lastOffset };
    }
    if (next === this.baseOffset && entry.position > 0) next = entry.offset + 1;
    this.nextOffsetValue = next;
    this.bytesSinceLastIndexEntry = bytesSince;
    return next;
  }

  /** Empties both indexes and the state derived from the batches, before a rebuild. */
  private resetIndexState(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.maxTimestampValue = undefined;
    this.rollingBasedTimestamp = undefined;
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffsetValue = this.baseOffset;
  }

  /** Rebuilds both indexes from batch headers (no CRC check). */
  rebuildIndexes(): void {
    this.resetIndexState();
    for (const b of this.batchesFrom(0)) this.indexBatch(b.position, b.size, b.lastOffset, b.maxTimestamp);
  }

  /**
   * Validates every batch (structure and CRC) from the start, truncates the file after the last
   * valid one and rebuilds the indexes. Batches must also have increasing offsets.
   */
  recover(): RecoveryResult {
    this.resetIndexState();
    const fileSize = this.fs.fileSize(this.file.fd);
    let chunk = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK, Math.max(fileSize, HEADER_SIZE)));
    let chunkStart = 0;
    let chunkLen = 0;
    let pos = 0;
    let problem: string | undefined;
    let expectedMin = this.baseOffset;
    while (pos < fileSize) {
      let rel = pos - chunkStart;
      if (rel + HEADER_SIZE > chunkLen) {
        chunkStart = pos;
        chunkLen = this.file.read(chunk, 0, Math.min(chunk.length, fileSize - pos), pos);
        rel = 0;
      }
      if (chunkLen - rel >= HEADER_SIZE) {
        const size = batchSizeAt(chunk, rel);
        if (size >= HEADER_SIZE && size <= fileSize - pos && rel + size > chunkLen) {
          // The batch runs past the chunk: read it whole (growing the buffer for huge batches).
          if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
          chunkStart = pos;
          chunkLen = this.file.read(chunk, 0, Math.min(chunk.length, fileSize - pos), pos);
          rel = 0;
        }
      }
      problem = batchProblemAt(chunk, rel, chunkLen, true);
      if (problem === undefined && baseOffsetAt(chunk, rel) < expectedMin) {
        problem = `base offset ${baseOffsetAt(chunk, rel)} is below ${expectedMin}`;
      }
      if (problem !== undefined) break;
      const size = batchSizeAt(chunk, rel);
      const lastOffset = lastOffsetAt(chunk, rel);
      this.indexBatch(pos, size, lastOffset, maxTimestampAt(chunk, rel));
      expectedMin = lastOffset + 1;
      pos += size;
    }
    const truncatedBytes = fileSize - pos;
    if (truncatedBytes > 0) this.fs.truncate(this.file.fd, pos);
    this.sizeValue = pos;
    return { truncatedBytes, problem };
  }

  /** Removes every batch whose last offset is >= offset... precisely, from the batch containing `offset`. */
  truncateTo(offset: number): number {
    const b = this.translateOffset(offset);
    if (b === undefined) return 0;
    const cut = b.position;
    const removed = this.size - cut;
    this.fs.truncate(this.file.fd, cut);
    this.sizeValue = cut;
    this.offsetIndex.truncateToPosition(cut);
    this.timeIndex.truncateTo(offset);
    this.txnIndex.truncateTo(offset);
    this.offsetIndex.flush();
    this.timeIndex.flush();
    // Rescan what is left of the tail to restore max timestamp and index spacing.
    this.maxTimestampValue = this.timeIndex.lastEntry();
    this.nextOffsetValue = undefined;
    if (cut === 0) {
      this.rollingBasedTimestamp = undefined;
      this.maxTimestampValue = undefined;
      this.nextOffsetValue = this.baseOffset;
    } else {
      this.readNextOffset();
    }
    return removed;
  }

  /** Finds the first batch with max timestamp >= target, starting at `startingOffset`. */
  findBatchByTimestamp(target: number, startingOffset: number): BatchLocation | undefined {
    this.ensureIndexes();
    const ts = this.timeIndex.lookup(target);
    const from = Math.max(ts.offset, startingOffset);
    const start = this.offsetIndex.lookup(from).position;
    for (const b of this.batchesFrom(start)) {
      if (b.lastOffset >= startingOffset && b.maxTimestamp >= target) return b;
    }
    return undefined;
  }

  /**
   * Kafka's onBecomeInactiveSegment: record the final max timestamp and persist the indexes. Staged
   * appends are written out first: a next segment must never exist on disk while bytes of this one
   * are still only in memory, or a process crash would leave a gap in the offsets.
   */
  onBecomeInactive(): void {
    this.file.writeOutStaged();
    const m = this.maxTimestampSoFar();
    if (m !== undefined) this.timeIndex.maybeAppend(m.timestamp, m.offset, true);
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /**
   * fdatasync of the log file; index files are written and synced too when `withIndexes`, one
   * after the other on the thread pool (Kafka flushes them on a scheduler thread).
   */
  async flush(withIndexes: boolean): Promise<void> {
    // Between the steps the segment may have been deleted (retention, truncation): its file is
    // closed first, and then nothing of it needs to be durable any more.
    if (withIndexes) {
      await this.offsetIndex.syncAsync();
      if (this.file.isClosed) return;
      await this.timeIndex.syncAsync();
      if (this.file.isClosed) return;
      await this.txnIndex.syncAsync();
      if (this.file.isClosed) return;
    }
    await this.fs.fdatasync(this.file.fd);
  }

  flushIndexFiles(): void {
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** Renames every file of this segment, e.g. to add `.deleted` or drop `.swap`. */
  renameAll(fromSuffix: string, toSuffix: string): void {
    const pairs: Array<[{ path: string }, string]> = [
      [this.file, LOG_SUFFIX],
      [this.offsetIndex, INDEX_SUFFIX],
      [this.timeIndex, TIME_INDEX_SUFFIX],
      [this.txnIndex, TXN_INDEX_SUFFIX],
    ];
    for (const [holder, kind] of pairs) {
      const from = segmentFile(this.dir, this.baseOffset, kind + fromSuffix);
      const to = segmentFile(this.dir, this.baseOffset, kind + toSuffix);
      assert(holder.path === from, `segment file ${holder.path} expected to be ${from}`);
      if (this.fs.stat(from) !== undefined) this.fs.rename(from, to);
      holder.path = to;
    }
  }

  /** Step one of asynchronous deletion: rename to `.deleted` (the fd stays open for in-flight reads). */
  markDeleted(): void {
    this.flushIndexFiles();
    this.renameAll('', DELETED_SUFFIX);
  }

  /** Closes the descriptor and removes the files. */
  deleteFiles(): void {
    this.file.close();
    for (const p of this.filePaths()) {
      if (this.fs.stat(p) !== undefined) this.fs.unlink(p);
    }
  }

  /**
   * `deleteFiles` off the event loop: the descriptor is unusable at once; the close and the
   * unlinks run on the thread pool one after the other (a segment occupies one pool thread, so
   * fdatasyncs of the produce path still find free ones). Files already gone are skipped.
   */
  async deleteFilesAsync(): Promise<void> {
    await this.file.closeAsync();
    for (const p of this.filePaths()) {
      try {
        await this.fs.unlinkAsync(p);
      } catch (err) {
        if (fsErrorCode(err) !== 'ENOENT') throw err;
      }
    }
  }

  private filePaths(): string[] {
    return [this.file.path, this.offsetIndex.path, this.timeIndex.path, this.txnIndex.path];
  }

  close(): void {
    this.onBecomeInactiveSafe();
    this.file.close();
  }

  private onBecomeInactiveSafe(): void {
    if (this.file.isClosed) return;
    if (this.offsetIndex.isLoaded) this.offsetIndex.flush();
    if (this.timeIndex.isLoaded) this.timeIndex.flush();
  }

  /** Marks this segment as the log's active one: its next offset is tracked by appends. */
  get hasKnownEnd(): boolean {
    return this.nextOffsetValue !== undefined;
  }
}

/**
 * Batch headers of a segment from a start position, read in pooled chunks of HEADER_SCAN_CHUNK
 * bytes; `next()` moves to the following batch and checks its header. One object per scan.
 */
class HeaderCursor {
  /** Position and whole size of the current batch (after a `next()` that returned true). */
  position = -1;
  size = 0;
  private readonly chunk: Buffer;
  private chunkStart = 0;
  private chunkLen = 0;
  private rel = 0;
  private nextPosition: number;

  constructor(
    private readonly segment: LogSegment,
    startPosition: number,
    private readonly endPosition: number,
  ) {
    this.chunk = headerScanChunks.pop() ?? Buffer.allocUnsafe(HEADER_SCAN_CHUNK);
    this.nextPosition = startPosition;
  }

  next(): boolean {
    const pos = this.nextPosition;
    if (pos >= this.endPosition) return false;
    let rel = pos - this.chunkStart;
    if (rel < 0 || rel + HEADER_SIZE > this.chunkLen) {
      this.chunkStart = pos;
      this.chunkLen = this.segment.file.read(this.chunk, 0, Math.min(this.chunk.length, this.endPosition - pos), pos);
      rel = 0;
      if (this.chunkLen < HEADER_SIZE) throw this.segment.corrupt(pos, `${this.chunkLen} bytes where a batch header should be`);
    }
    const size = batchSizeAt(this.chunk, rel);
    if (size < HEADER_SIZE || pos + size > this.endPosition) throw this.segment.corrupt(pos, `batch size ${size} does not fit`);
    if (magicAt(this.chunk, rel) !== 2) throw this.segment.corrupt(pos, `magic ${magicAt(this.chunk, rel)}`);
    this.rel = rel;
    this.position = pos;
    this.size = size;
    this.nextPosition = pos + size;
    return true;
  }

  get lastOffset(): number {
    return lastOffsetAt(this.chunk, this.rel);
  }

  location(): BatchLocation {
    return {
      position: this.position,
      size: this.size,
      baseOffset: baseOffsetAt(this.chunk, this.rel),
      lastOffset: lastOffsetAt(this.chunk, this.rel),
      maxTimestamp: maxTimestampAt(this.chunk, this.rel),
    };
  }

  /** Gives the chunk back to the pool; the cursor is not used again. */
  close(): void {
    if (headerScanChunks.length < HEADER_SCAN_POOL_MAX) headerScanChunks.push(this.chunk);
  }
}
