import { ATOMIC_WRITE_TEMP_SUFFIX, AssertionError, assert, fsErrorCode } from '../common/index.js';
import type { Clock, FileSystem } from '../common/index.js';
import { dirname, join } from 'node:path';
import {
  TIMESTAMP_TYPE_MASK,
  ATTRIBUTES_OFFSET,
  attributesAt,
  baseOffsetAt,
  batchProblemAt,
  batchSizeAt,
  lastOffsetDeltaAt,
  lastOffsetAt,
  leaderEpochAt,
  maxTimestampAt,
  recordsCountAt,
  setBaseOffsetAt,
  setLeaderEpochAt,
  updateCrcAt,
  writeInt64At,
  MAX_TIMESTAMP_OFFSET,
} from './batch-header.js';
import { StorageError } from './errors.js';
import type { StorageLogger } from './errors.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  PARTITION_METADATA,
  SNAPSHOT_SUFFIX,
  SWAP_SUFFIX,
  deleteDirName,
  offsetFromFileName,
  segmentFile,
} from './file-names.js';
import type { TopicPartition } from './file-names.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { isDeleteEnabled } from './log-config.js';
import type { LogConfig } from './log-config.js';
import { LogSegment } from './log-segment.js';
import { floorIndex } from './sparse-index.js';
import type { AppendedBatch, FileSlice, SegmentSettings } from './log-segment.js';
import type { AbortedTxn } from './transaction-index.js';
import { readPartitionMetadata, writePartitionMetadata } from './checkpoints.js';
import { findRecordByTimestamp, findRecordWithMaxTimestamp } from './record-scan.js';

/** The key of the segment list's binary search (a plain function: no closure per search). */
const segmentBase = (segments: readonly LogSegment[], i: number): number => segments[i]!.baseOffset;

/** A batch's layout while the leader append assigns its offsets. */
type MutableAppendedBatch = { -readonly [K in keyof AppendedBatch]: AppendedBatch[K] };

/** ListOffsets special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;

export interface LogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** -1 unless message.timestamp.type=LogAppendTime */
  readonly logAppendTime: number;
  readonly maxTimestamp: number;
  readonly recordCount: number;
  readonly validBytes: number;
  readonly logStartOffset: number;
  /** Resolves once the flush policy's fdatasync covering this append is done; null when none is due. */
  readonly durable: Promise<void> | null;
}

export interface AppendOptions {
  /**
   * The caller (the produce path) already checked every batch's CRC-32C, e.g. with
   * protocol/records validateBatch: storage skips its own pass over the bytes. Structure and sizes
   * are still checked.
   */
  readonly crcVerified?: boolean;
}

export interface FetchDataInfo {
  readonly fetchOffset: number;
  /** Whole batches from one segment; undefined when there is nothing to return. */
  readonly slice: FileSlice | undefined;
}

export interface TimestampAndOffset {
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number | undefined;
}

/**
 * Optional observer for the producer-state manager (idempotence and transactions are built on
 * storage, not inside it): it sees every appended batch, truncations, and is asked for a
 * snapshot at each segment roll, stored as `<offset>.snapshot` like Kafka's.
 */
/** What the cleaner must keep of one producer (Kafka's LastRecord). */
export interface LastProducerRecord {
  readonly lastDataOffset: number;
  readonly producerEpoch: number;
}

export interface ProducerStateHooks {
  onAppend?(buf: Buffer, batches: readonly AppendedBatch[]): void;
  onTruncate?(logEndOffset: number): void;
  onLogStartOffset?(logStartOffset: number): void;
  /** Snapshot bytes of the state as of `offset` (called on roll and on clean shutdown). */
  takeSnapshot?(offset: number): Buffer | undefined;
  /** The high watermark moved (completed transactions it covers stop holding the LSO back). */
  onHighWatermark?(highWatermark: number): void;
  /** The first offset of the oldest transaction not yet decided and replicated (Kafka's firstUnstableOffset). */
  firstUnstableOffset?(): number | undefined;
  /**
   * Kafka's lastRecordsOfActiveProducers, for the cleaner (undefined while not loaded): per live
   * producer id its epoch and the last offset of its last data batch of that epoch (-1: none).
   */
  lastRecordsOfActiveProducers?(): ReadonlyMap<number, LastProducerRecord> | undefined;
  /**
   * True when the observer rebuilds `.txnindex` entries while loading: recovery then resets the txn
   * indexes of the segments it revalidates (`txnIndexRebuildFrom`), as Kafka's segment recovery does.
   */
  readonly rebuildsTxnIndex?: boolean;
}

export interface LogParams {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly config: LogConfig;
  readonly logger: StorageLogger;
  /** From recovery-point-offset-checkpoint; 0 when unknown. */
  readonly recoveryPoint: number;
  /** From log-start-offset-checkpoint; 0 when unknown. */
  readonly logStartOffset: number;
  /** From replication-offset-checkpoint; 0 when unknown. */
  readonly highWatermark?: number;
  /** True when the log dir was shut down cleanly: no CRC recovery needed. */
  readonly cleanShutdown: boolean;
  /** Topic id for partition.metadata (22-char base64url), if known. */
  readonly topicId?: string;
  /** Uniform in [0, 1): draws segment.jitter.ms. */
  readonly random?: () => number;
  /** Called once when an I/O error takes this log offline. */
  readonly onIoError?: (log: Log, err: unknown) => void;
  readonly producerStateHooks?: ProducerStateHooks;
}

interface PendingDelete {
  readonly segment: LogSegment;
  readonly dueMs: number;
}

/** Bounds the per-append list of batches (a produce request is at most max.message.bytes per batch anyway). */
const MAX_BATCHES_PER_APPEND = 100_000;

/**
 * One partition's log: the segments in offset order plus the offsets that describe it.
 *
 * Invariants: segments are sorted and non-overlapping, the last one is active (appends go there);
 * logStartOffset <= highWatermark <= logEndOffset; recoveryPoint <= logEndOffset and every byte
 * below it has been fdatasync'ed. Once offline (an I/O error) every call throws
 * KAFKA_STORAGE_ERROR and nothing is written again until the log dir is reopened.
 */
export class Log {
  readonly topicPartition: TopicPartition;
  readonly dir: string;
  config: LogConfig;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly logger: StorageLogger;
  private readonly random: () => number;
  private readonly hooks: ProducerStateHooks;
  /** The owner (LogManager) takes the whole log dir offline and logs it; a standalone log logs itself. */
  private readonly onIoError: (log: Log, err: unknown) => void;
  private readonly onIoErrorGiven: boolean;
  readonly leaderEpochCache: LeaderEpochCache;
  private segmentList: LogSegment[] = [];
  private logEndOffsetValue = 0;
  private logStartOffsetValue = 0;
  private highWatermarkValue = 0;
  private recoveryPointValue = 0;
  private lastFlushMs: number;
  private offlineError: unknown = undefined;
  private readonly pendingDeletes: PendingDelete[] = [];
  /**
   * Physical deletions under way on the thread pool, chained one after the other (one pool thread
   * per log at most). Settles, never rejects: a failure takes the log offline.
   */
  private deletions: Promise<void> = Promise.resolve();
  private deletionsInFlight = 0;
  private flushWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing = false;
  /**
   * Producer snapshots written by roll() without an fdatasync (Kafka's takeSnapshot(false)); the
   * flush round makes them durable before the recovery point passes them.
   */
  private readonly unsyncedSnapshots = new Set<number>();
  topicId: string | undefined;
  /**
   * After an unclean shutdown: the base offset of the first segment recovery revalidated (their txn
   * indexes were reset); the producer-state load rebuilds them and calls `txnIndexRebuilt()`.
   */
  private txnIndexRebuildFromValue: number | undefined;

  private constructor(p: LogParams) {
    this.topicPartition = p.topicPartition;
    this.dir = p.dir;
    this.config = p.config;
    this.fs = p.fs;
    this.clock = p.clock;
    this.logger = p.logger;
    this.random = p.random ?? (() => 0);
    this.hooks = p.producerStateHooks ?? {};
    this.onIoError = p.onIoError ?? (() => {});
    this.onIoErrorGiven = p.onIoError !== undefined;
    this.lastFlushMs = p.clock.monotonicMs();
    this.fs.mkdir(p.dir);
    this.leaderEpochCache = new LeaderEpochCache(p.fs, join(p.dir, LEADER_EPOCH_CHECKPOINT), (err) => {
      this.fail('leader epoch checkpoint', err);
    });
    this.topicId = p.topicId;
  }

  /** Opens (creating if needed) and recovers the log in `params.dir`. */
  static open(params: LogParams): Log {
    const log = new Log(params);
    log.load(params);
    return log;
  }

  // ---- state -------------------------------------------------------------------------------

  get logEndOffset(): number {
    return this.logEndOffsetValue;
  }
  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }
  get highWatermark(): number {
    return this.highWatermarkValue;
  }
  get recoveryPoint(): number {
    return this.recoveryPointValue;
  }
  /**
   * Kafka's firstUnstableOffset: the first offset of the oldest transaction that is open or whose
   * marker the high watermark does not cover yet (never below the log start), from the producer
   * state. The last stable offset is min(it, highWatermark); the cleaner never compacts at or past it.
   */
  get firstUnstableOffset(): number | undefined {
    const fuo = this.hooks.firstUnstableOffset?.();
    return fuo === undefined ? undefined : Math.max(fuo, this.logStartOffsetValue);
  }
  /** Per live producer, its epoch and last data offset, when producer state is loaded (see ProducerStateHooks). */
  lastRecordsOfActiveProducers(): ReadonlyMap<number, LastProducerRecord> | undefined {
    return this.hooks.lastRecordsOfActiveProducers?.();
  }

  /** Kafka's lastStableOffset: min(firstUnstableOffset, highWatermark). */
  get lastStableOffset(): number {
    const fuo = this.firstUnstableOffset;
    return fuo === undefined ? this.highWatermarkValue : Math.min(fuo, this.highWatermarkValue);
  }
  get txnIndexRebuildFrom(): number | undefined {
    return this.txnIndexRebuildFromValue;
  }
  /** The producer-state load rebuilt the txn indexes recovery reset. */
  txnIndexRebuilt(): void {
    this.txnIndexRebuildFromValue = undefined;
  }
  get isOffline(): boolean {
    return this.offlineError !== undefined;
  }
  get segments(): readonly LogSegment[] {
    return this.segmentList;
  }
  get activeSegment(): LogSegment {
    const s = this.segmentList.at(-1);
    assert(s !== undefined, 'a log always has an active segment');
    return s;
  }
  /** Total bytes of all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.segmentList) n += s.size;
    return n;
  }
  get unflushedMessages(): number {
    return this.logEndOffsetValue - this.recoveryPointValue;
  }

  private get segmentSettings(): SegmentSettings {
    return { indexIntervalBytes: this.config.indexIntervalBytes, maxIndexBytes: this.config.segmentIndexBytes };
  }

  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  /** Moves the high watermark (replication decides it), clamped to [logStartOffset, logEndOffset]. */
  updateHighWatermark(offset: number): number {
    this.highWatermarkValue = Math.min(this.logEndOffsetValue, Math.max(this.logStartOffsetValue, offset));
    this.hooks.onHighWatermark?.(this.highWatermarkValue);
    return this.highWatermarkValue;
  }

  // ---- errors --------------------------------------------------------------------------------

  private checkOnline(): void {
    if (this.offlineError !== undefined) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.name} is offline`, { cause: this.offlineError });
    }
  }

  get name(): string {
    return `${this.topicPartition.topic}-${this.topicPartition.partition}`;
  }

  /** Runs file I/O: an unexpected failure takes the log offline and surfaces as KAFKA_STORAGE_ERROR. */
  private io<T>(what: string, fn: () => T): T {
    this.checkOnline();
    try {
      return fn();
    } catch (err) {
      throw this.fail(what, err);
    }
  }

  private fail(what: string, err: unknown): unknown {
    if (err instanceof StorageError || err instanceof AssertionError) return err;
    if (this.offlineError === undefined) {
      this.offlineError = err;
      if (this.onIoErrorGiven) this.onIoError(this, err);
      else this.logger.error(`log ${this.name} goes offline: ${what} failed: ${String(err)}`, { dir: this.dir });
    }
    return new StorageError('KAFKA_STORAGE_ERROR', `${what} failed for ${this.name}: ${String(err)}`, { cause: err });
  }

  /** Takes the log offline from outside (its log dir failed). */
  markOffline(err: unknown): void {
    if (this.offlineError === undefined) this.offlineError = err;
  }

  // ---- loading and recovery ------------------------------------------------------------------

  private load(p: LogParams): void {
    const now = this.clock.nowMs();
    const names = this.fs.readdir(this.dir);
    this.completeInterruptedOperations(names);
    const bases: number[] = [];
    for (const name of this.fs.readdir(this.dir)) {
      if (!name.endsWith(LOG_SUFFIX)) continue;
      const base = offsetFromFileName(name);
      if (base !== undefined) bases.push(base);
    }
    bases.sort((a, b) => a - b);
    this.segmentList = bases.map((b) => LogSegment.open(this.fs, this.dir, b, this.segmentSettings, now));
    if (this.segmentList.length === 0) {
      const start = Math.max(0, p.logStartOffset);
      this.segmentList.push(this.newSegment(start));
    }
    const first = this.segmentList[0]!;
    this.recoveryPointValue = Math.max(p.recoveryPoint, first.baseOffset);
    if (!p.cleanShutdown) this.recover();
    this.logEndOffsetValue = this.activeSegment.readNextOffset();
    this.recoveryPointValue = Math.min(this.recoveryPointValue, this.logEndOffsetValue);
    if (!p.cleanShutdown) this.recoveryPointValue = this.logEndOffsetValue;
    this.logStartOffsetValue = Math.min(this.logEndOffsetValue, Math.max(p.logStartOffset, first.baseOffset));
    this.highWatermarkValue = Math.min(this.logEndOffsetValue, Math.max(this.logStartOffsetValue, p.highWatermark ?? 0));
    this.leaderEpochCache.truncateFromEnd(this.logEndOffsetValue);
    this.leaderEpochCache.truncateFromStart(this.logStartOffsetValue);
    // Producer state must be replayed from at or before the first revalidated segment, so the
    // markers in it re-enter the txn index (Kafka deletes the snapshots past it too).
    this.deleteSnapshotsAfter(Math.min(this.logEndOffsetValue, this.txnIndexRebuildFromValue ?? Infinity));
    const metaPath = join(this.dir, PARTITION_METADATA);
    const storedId = readPartitionMetadata(this.fs, metaPath);
    if (storedId === undefined && this.topicId !== undefined) writePartitionMetadata(this.fs, metaPath, this.topicId);
    else if (storedId !== undefined) this.topicId = storedId;
  }

  /** Finishes what a crash interrupted: deletions, half-written cleaned segments and swaps. */
  private completeInterruptedOperations(names: string[]): void {
    for (const name of names) {
      const path = join(this.dir, name);
      // ATOMIC_WRITE_TEMP_SUFFIX also ends CheckpointFile's asynchronous temp files ('.async.tmp').
      if (name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX) || name.endsWith(ATOMIC_WRITE_TEMP_SUFFIX)) {
        this.fs.unlink(path);
      }
    }
    // A .swap log means the cleaner finished writing a replacement: the originals it covers are
    // obsolete. Kafka's rule: segments whose base falls in the swap's offset range go away.
    const swaps = names.filter((n) => n.endsWith(LOG_SUFFIX + SWAP_SUFFIX));
    for (const name of swaps) {
      const base = offsetFromFileName(name);
      if (base === undefined) continue;
      const swap = LogSegment.open(this.fs, this.dir, base, this.segmentSettings, 0, SWAP_SUFFIX);
      const next = swap.size === 0 ? base : swap.readNextOffset();
      swap.file.close();
      for (const other of this.fs.readdir(this.dir)) {
        if (!other.endsWith(LOG_SUFFIX)) continue;
        const b = offsetFromFileName(other);
        if (b === undefined || b < base || b >= Math.max(next, base + 1)) continue;
        const victim = LogSegment.open(this.fs, this.dir, b, this.segmentSettings, 0);
        victim.deleteFiles();
      }
      const fresh = LogSegment.open(this.fs, this.dir, base, this.segmentSettings, 0, SWAP_SUFFIX);
      fresh.renameAll(SWAP_SUFFIX, '');
      fresh.file.close();
    }
    for (const name of this.fs.readdir(this.dir)) {
      if (name.endsWith(SWAP_SUFFIX)) this.fs.unlink(join(this.dir, name));
    }
  }

  /**
   * Validates every batch from the segment holding the recovery point to the end; the first
   * invalid byte ends the log (later segments are deleted) and indexes are rebuilt.
   */
  private recover(): void {
    const start = this.segmentIndexFor(this.recoveryPointValue);
    for (let i = Math.max(0, start); i < this.segmentList.length; i++) {
      const seg = this.segmentList[i]!;
      const result = seg.recover();
      if (this.hooks.rebuildsTxnIndex === true) {
        seg.txnIndex.rewrite([]);
        this.txnIndexRebuildFromValue ??= seg.baseOffset;
      }
      if (result.truncatedBytes > 0) {
        this.logger.warn(`log ${this.name}: truncated ${result.truncatedBytes} invalid bytes at the end of segment ${seg.baseOffset}`, {
          reason: result.problem,
        });
        const dropped = this.segmentList.splice(i + 1);
        for (const d of dropped) {
          this.logger.warn(`log ${this.name}: deleting segment ${d.baseOffset} after a corrupt segment`);
          d.deleteFiles();
        }
      }
      // Recovered data must be durable before the recovery point can cover it.
      this.fs.fdatasyncSync(seg.file.fd);
      seg.offsetIndex.flush();
      seg.timeIndex.flush();
    }
    // A power cut can drop a segment's unsynced tail while the next segment's file (made by a roll)
    // survives; like Kafka, the offsets in between stay unused (a gap, as compaction leaves), and the
    // log end offset never moves backwards past offsets that might have been handed out.
  }

  private newSegment(baseOffset: number): LogSegment {
    const jitter = this.config.segmentJitterMs > 0 ? Math.floor(this.random() * this.config.segmentJitterMs) : 0;
    return LogSegment.create(this.fs, this.dir, baseOffset, this.segmentSettings, this.clock.nowMs(), jitter);
  }

  /** Index of the segment containing `offset` (the last with base <= offset), or -1. */
  private segmentIndexFor(offset: number): number {
    return floorIndex(this.segmentList, this.segmentList.length, offset, segmentBase);
  }

  // ---- append --------------------------------------------------------------------------------

  /**
   * Validates batches (structure, CRC, size) and returns their layout. Throws CORRUPT_MESSAGE,
   * MESSAGE_TOO_LARGE or RECORD_LIST_TOO_LARGE.
   */
  private validate(buf: Buffer, verifyCrc: boolean): MutableAppendedBatch[] {
    // Most appends are one batch: `[first]` has room for just it (a push onto [] makes room for 16).
    let batches: MutableAppendedBatch[] | undefined;
    if (buf.length > this.config.segmentBytes) {
      throw new StorageError('RECORD_LIST_TOO_LARGE', `${buf.length} bytes exceed segment.bytes ${this.config.segmentBytes}`);
    }
    let pos = 0;
    while (pos < buf.length) {
      const problem = batchProblemAt(buf, pos, buf.length, verifyCrc);
      if (problem !== undefined) throw new StorageError('CORRUPT_MESSAGE', `invalid record batch at byte ${pos}: ${problem}`);
      const size = batchSizeAt(buf, pos);
      if (size > this.config.maxMessageBytes) {
        throw new StorageError('MESSAGE_TOO_LARGE', `batch of ${size} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`);
      }
      const count = recordsCountAt(buf, pos);
      if (count < 0 || count > lastOffsetDeltaAt(buf, pos) + 1) {
        throw new StorageError('CORRUPT_MESSAGE', `record count ${count} does not fit last offset delta ${lastOffsetDeltaAt(buf, pos)}`);
      }
      const batch = { at: pos, size, lastOffset: lastOffsetAt(buf, pos), maxTimestamp: maxTimestampAt(buf, pos) };
      if (batches === undefined) batches = [batch];
      else batches.push(batch);
      if (batches.length > MAX_BATCHES_PER_APPEND) throw new StorageError('RECORD_LIST_TOO_LARGE', 'too many batches in one append');
      pos += size;
    }
    return batches ?? [];
  }

  /**
   * Leader append: validates, assigns offsets by patching each batch's base offset (and leader
   * epoch, and LogAppendTime if configured) in `buf`, then writes `buf` as is.
   */
  appendAsLeader(buf: Buffer, leaderEpoch: number, options: AppendOptions = {}): LogAppendInfo {
    this.checkOnline();
    const validated = this.validate(buf, options.crcVerified !== true);
    const firstOffset = this.logEndOffsetValue;
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? this.clock.nowMs() : -1;
    let next = firstOffset;
    let records = 0;
    // The layout from validate() is updated in place with the assigned offsets (no second array).
    for (const b of validated) {
      setBaseOffsetAt(buf, b.at, next);
      setLeaderEpochAt(buf, b.at, leaderEpoch);
      if (logAppendTime >= 0) {
        buf.writeInt16BE(attributesAt(buf, b.at) | TIMESTAMP_TYPE_MASK, b.at + ATTRIBUTES_OFFSET);
        writeInt64At(buf, b.at + MAX_TIMESTAMP_OFFSET, logAppendTime);
        updateCrcAt(buf, b.at);
        b.maxTimestamp = logAppendTime;
      }
      b.lastOffset = next + lastOffsetDeltaAt(buf, b.at);
      records += recordsCountAt(buf, b.at);
      next = b.lastOffset + 1;
    }
    if (leaderEpoch >= 0) this.assignEpoch(leaderEpoch, firstOffset);
    return this.appendValidated(buf, validated, firstOffset, records, logAppendTime);
  }

  /** Follower (or restore) append: offsets are already in the batches and must continue the log. */
  appendAsFollower(buf: Buffer, options: AppendOptions = {}): LogAppendInfo {
    this.checkOnline();
    const batches = this.validate(buf, options.crcVerified !== true);
    const first = batches[0];
    if (first === undefined) return this.emptyAppendInfo();
    const firstOffset = baseOffsetAt(buf, first.at);
    let expected = this.logEndOffsetValue;
    let records = 0;
    for (const b of batches) {
      const base = baseOffsetAt(buf, b.at);
      if (base < expected) {
        throw new StorageError('OFFSET_OUT_OF_RANGE', `batch base offset ${base} is below the log end offset ${expected} of ${this.name}`);
      }
      const epoch = leaderEpochAt(buf, b.at);
      if (epoch >= 0) this.assignEpoch(epoch, base);
      records += recordsCountAt(buf, b.at);
      expected = b.lastOffset + 1;
    }
    return this.appendValidated(buf, batches, firstOffset, records, -1);
  }

  private assignEpoch(epoch: number, startOffset: number): void {
    const latest = this.leaderEpochCache.latestEpoch();
    if (latest !== undefined && epoch <= latest) return;
    this.io('leader epoch checkpoint', () => this.leaderEpochCache.assign(epoch, startOffset));
  }

  private emptyAppendInfo(): LogAppendInfo {
    return {
      firstOffset: this.logEndOffsetValue,
      lastOffset: this.logEndOffsetValue - 1,
      logAppendTime: -1,
      maxTimestamp: -1,
      recordCount: 0,
      validBytes: 0,
      logStartOffset: this.logStartOffsetValue,
      durable: null,
    };
  }

  private appendValidated(buf: Buffer, batches: AppendedBatch[], firstOffset: number, records: number, logAppendTime: number): LogAppendInfo {
    const last = batches.at(-1);
    if (last === undefined) return this.emptyAppendInfo();
    let maxTimestamp = -1;
    for (const b of batches) if (b.maxTimestamp > maxTimestamp) maxTimestamp = b.maxTimestamp;
    // A follower's first batch may start past the log end (compaction gaps): the segment base is the batch's.
    const segmentBase = Math.max(this.logEndOffsetValue, firstOffset);
    // An append that triggers a flush is acknowledged only after that fdatasync, so its write can
    // wait for the flush round and go out together with the other appends of the round.
    const flushDue = last.lastOffset + 1 - this.recoveryPointValue >= this.config.flushMessages;
    // io() inlined: its closure would be allocated on every append.
    this.checkOnline();
    try {
      this.maybeRoll(buf.length, maxTimestamp, firstOffset, last.lastOffset, segmentBase);
      this.activeSegment.append(buf, batches, flushDue);
    } catch (err) {
      throw this.fail('append', err);
    }
    this.logEndOffsetValue = last.lastOffset + 1;
    this.hooks.onAppend?.(buf, batches);
    let durable: Promise<void> | null = null;
    if (flushDue) {
      durable = this.flush();
      // A caller that does not wait for durability must not crash the process on a failed flush;
      // the error is logged and the log goes offline either way.
      durable.catch(() => {});
    }
    return {
      firstOffset,
      lastOffset: last.lastOffset,
      logAppendTime,
      maxTimestamp,
      recordCount: records,
      validBytes: buf.length,
      logStartOffset: this.logStartOffsetValue,
      durable,
    };
  }

  /** Kafka's shouldRoll: size, time (with jitter), full indexes, or relative offsets overflowing. */
  private maybeRoll(bytes: number, maxTimestamp: number, firstOffset: number, lastOffset: number, newBase: number): void {
    const seg = this.activeSegment;
    const size = seg.size;
    let reason: string | undefined;
    if (size > 0 && size + bytes > this.config.segmentBytes) reason = 'segment.bytes';
    else if (size > 0 && this.timeWaitedForRoll(seg, maxTimestamp) > this.config.segmentMs - seg.rollJitterMs) reason = 'segment.ms';
    else if (seg.offsetIndex.isFull() || seg.timeIndex.isFull()) reason = 'index full';
    else if (lastOffset - seg.baseOffset > 0x7fffffff || firstOffset < seg.baseOffset) reason = 'offset range';
    if (reason !== undefined) this.roll(newBase);
  }

  private timeWaitedForRoll(seg: LogSegment, messageTimestamp: number): number {
    const first = seg.rollingBasedTimestamp;
    if (first !== undefined && first >= 0) return messageTimestamp - first;
    return this.clock.nowMs() - seg.createdMs;
  }

  /** Closes the active segment and starts a new one at `baseOffset` (default: the log end offset). */
  roll(baseOffset = this.logEndOffsetValue): LogSegment {
    return this.io('roll', () => {
      const old = this.activeSegment;
      if (old.size === 0 && old.baseOffset === baseOffset) return old;
      if (old.size === 0) {
        // An empty active segment is replaced rather than kept (it would overlap the new one's range).
        this.segmentList.pop();
        old.deleteFiles();
      } else {
        old.onBecomeInactive();
      }
      const seg = this.newSegment(baseOffset);
      this.segmentList.push(seg);
      const snapshot = this.hooks.takeSnapshot?.(baseOffset);
      if (snapshot !== undefined) this.writeUnsyncedProducerSnapshot(baseOffset, snapshot);
      // Kafka flushes the finished segment (and the snapshot) in the background and moves the
      // recovery point to it.
      if (old.size > 0) void this.flush().catch(() => {});
      return seg;
    });
  }

  // ---- flush (group commit) ----------------------------------------------------------------

  /**
   * Makes everything appended so far durable. Concurrent callers share fdatasyncs: while one
   * round is in flight, later callers wait for the next round, which covers all of them.
   */
  flush(): Promise<void> {
    try {
      this.checkOnline();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.logEndOffsetValue <= this.recoveryPointValue && !this.flushing) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.flushWaiters.push({ resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Start on a microtask: appenders woken by the previous round run first and join this one,
        // so a round covers every append that is ready instead of alternating 1 and N-1.
        queueMicrotask(() => void this.runFlushRounds());
      }
    });
  }

  private async runFlushRounds(): Promise<void> {
    this.flushing = true;
    try {
      while (this.flushWaiters.length > 0) {
        const waiters = this.flushWaiters;
        this.flushWaiters = [];
        const target = this.logEndOffsetValue;
        try {
          // Closed without a flush since these appends: their bytes may never reach the file.
          this.checkOnline();
          const active = this.activeSegment;
          const recoveryPoint = this.recoveryPointValue;
          const from = Math.max(0, this.segmentIndexFor(recoveryPoint));
          const segs = this.segmentList.slice(from);
          const snapshotsSynced = await this.syncProducerSnapshots(target);
          for (const seg of segs) {
            if (seg.file.isClosed) continue;
            await seg.flush(seg !== active);
          }
          // New files (a segment rolled, a snapshot) need their directory entries durable too.
          if (snapshotsSynced || segs.some((seg) => seg.baseOffset >= recoveryPoint)) await this.syncDirIfExists();
          if (target > this.recoveryPointValue) this.recoveryPointValue = Math.min(target, this.logEndOffsetValue);
          this.lastFlushMs = this.clock.monotonicMs();
          for (const w of waiters) w.resolve();
        } catch (err) {
          const e = this.fail('fdatasync', err);
          for (const w of waiters) w.reject(e);
          for (const w of this.flushWaiters) w.reject(e);
          this.flushWaiters = [];
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** flush.ms: flushes when unflushed data is older than the setting. */
  maybeFlushByTime(): Promise<void> | undefined {
    if (this.isOffline || this.unflushedMessages === 0) return undefined;
    if (this.clock.monotonicMs() - this.lastFlushMs < this.config.flushMs) return undefined;
    return this.flush();
  }

  // ---- reads and lookups ---------------------------------------------------------------------

  /**
   * Whole batches from the one containing `startOffset`, up to `maxBytes` (at least one batch when
   * `minOneMessage`), never a batch at or past `upperBound` (the high watermark or LSO for consumers).
   * Throws OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset].
   */
  read(startOffset: number, maxBytes: number, upperBound = this.logEndOffsetValue, minOneMessage = true): FetchDataInfo {
    this.checkOnline();
    if (startOffset < this.logStartOffsetValue || startOffset > this.logEndOffsetValue) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${startOffset} is outside [${this.logStartOffsetValue}, ${this.logEndOffsetValue}] of ${this.name}`,
      );
    }
    const bound = Math.min(upperBound, this.logEndOffsetValue);
    if (startOffset >= bound) return { fetchOffset: startOffset, slice: undefined };
    // io() spelled out: its callback would be one more closure per fetch.
    try {
      return { fetchOffset: startOffset, slice: this.readSlice(startOffset, maxBytes, bound, minOneMessage) };
    } catch (err) {
      throw this.fail('read', err);
    }
  }

  private readSlice(startOffset: number, maxBytes: number, bound: number, minOneMessage: boolean): FileSlice | undefined {
    for (let i = Math.max(0, this.segmentIndexFor(startOffset)); i < this.segmentList.length; i++) {
      const seg = this.segmentList[i]!;
      if (seg.baseOffset >= bound) break;
      const next = this.segmentList[i + 1];
      let maxPosition = seg.size;
      // Only a bound below the log end needs a position: the log end is the end of the file.
      if (bound < this.logEndOffsetValue && (next === undefined || next.baseOffset > bound)) {
        const b = seg.translateOffset(bound);
        if (b !== undefined) maxPosition = b.position;
      }
      const slice = seg.read(startOffset, maxBytes, maxPosition, minOneMessage);
      if (slice !== undefined) return slice;
    }
    return undefined;
  }

  /** ListOffsets: the first offset whose timestamp is >= `timestamp`, or a special timestamp's answer. */
  fetchOffsetByTimestamp(timestamp: number): TimestampAndOffset | undefined {
    this.checkOnline();
    const epochOf = (offset: number) => this.leaderEpochCache.epochForOffset(offset);
    switch (timestamp) {
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return { timestamp: -1, offset: this.logStartOffsetValue, leaderEpoch: epochOf(this.logStartOffsetValue) };
      case LATEST_TIMESTAMP:
        return { timestamp: -1, offset: this.logEndOffsetValue, leaderEpoch: this.leaderEpochCache.latestEpoch() };
      case LATEST_TIERED_TIMESTAMP:
        return { timestamp: -1, offset: -1, leaderEpoch: undefined };
      case MAX_TIMESTAMP:
        return this.io('max timestamp lookup', () => this.maxTimestampOffset());
      default:
        break;
    }
    if (timestamp < 0) return undefined;
    return this.io('timestamp lookup', () => {
      for (const seg of this.segmentList) {
        if (seg.size === 0) continue;
        if (seg.largestTimestamp() < timestamp) continue;
        const batch = seg.findBatchByTimestamp(timestamp, this.logStartOffsetValue);
        if (batch === undefined) continue;
        const data = this.readBatch(seg, batch.position, batch.size);
        const found = findRecordByTimestamp(data, timestamp, this.logStartOffsetValue);
        if (found !== undefined) return { ...found, leaderEpoch: epochOf(found.offset) };
      }
      return undefined;
    });
  }

  private maxTimestampOffset(): TimestampAndOffset | undefined {
    let best: { seg: LogSegment; timestamp: number } | undefined;
    for (const seg of this.segmentList) {
      const m = seg.size > 0 ? seg.maxTimestampSoFar() : undefined;
      if (m !== undefined && (best === undefined || m.timestamp > best.timestamp)) best = { seg, timestamp: m.timestamp };
    }
    if (best === undefined) return { timestamp: -1, offset: -1, leaderEpoch: undefined };
    const batch = best.seg.findBatchByTimestamp(best.timestamp, this.logStartOffsetValue);
    if (batch === undefined) return { timestamp: -1, offset: -1, leaderEpoch: undefined };
    const data = this.readBatch(best.seg, batch.position, batch.size);
    const found = findRecordWithMaxTimestamp(data);
    return { ...found, leaderEpoch: this.leaderEpochCache.epochForOffset(found.offset) };
  }

  private readBatch(seg: LogSegment, position: number, size: number): Buffer {
    const buf = Buffer.allocUnsafe(size);
    const n = seg.file.read(buf, 0, size, position);
    assert(n === size, `short read of a batch in ${seg.file.path}`);
    return buf;
  }

  /** For OffsetForLeaderEpoch. */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: number } {
    return this.leaderEpochCache.endOffsetFor(epoch, this.logEndOffsetValue);
  }

  // ---- truncation ----------------------------------------------------------------------------

  /** Follower truncation: removes every batch at or after the one containing `offset`. */
  truncateTo(offset: number): void {
    this.checkOnline();
    if (offset >= this.logEndOffsetValue) return;
    if (offset <= this.segmentList[0]!.baseOffset || offset < this.logStartOffsetValue) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    this.io('truncate', () => {
      const removed: LogSegment[] = [];
      while (this.segmentList.length > 1 && this.activeSegment.baseOffset >= offset) removed.push(this.segmentList.pop()!);
      this.retireSegments(removed);
      this.activeSegment.truncateTo(offset);
      this.logEndOffsetValue = this.activeSegment.readNextOffset();
      this.afterTruncate();
    });
  }

  /** Deletes everything and starts empty at `newOffset` (follower far behind the leader's log start). */
  truncateFullyAndStartAt(newOffset: number): void {
    this.checkOnline();
    this.io('truncate fully', () => {
      this.retireSegments(this.segmentList.splice(0));
      this.segmentList.push(this.newSegment(newOffset));
      this.logEndOffsetValue = newOffset;
      this.logStartOffsetValue = newOffset;
      this.leaderEpochCache.clear();
      this.afterTruncate();
    });
  }

  private afterTruncate(): void {
    const leo = this.logEndOffsetValue;
    this.recoveryPointValue = Math.min(this.recoveryPointValue, leo);
    this.highWatermarkValue = Math.min(this.highWatermarkValue, leo);
    this.logStartOffsetValue = Math.min(this.logStartOffsetValue, leo);
    this.leaderEpochCache.truncateFromEnd(leo);
    this.deleteSnapshotsAfter(leo);
    this.hooks.onTruncate?.(leo);
  }

  // ---- retention and DeleteRecords -----------------------------------------------------------

  /** DeleteRecords: moves the log start offset up (not past the high watermark). */
  maybeIncrementLogStartOffset(newStart: number): boolean {
    this.checkOnline();
    if (newStart > this.highWatermarkValue) {
      throw new StorageError('OFFSET_OUT_OF_RANGE', `cannot advance log start offset to ${newStart} past the high watermark ${this.highWatermarkValue}`);
    }
    if (newStart <= this.logStartOffsetValue) return false;
    this.logStartOffsetValue = newStart;
    this.io('log start offset', () => {
      this.leaderEpochCache.truncateFromStart(newStart);
      this.deleteSegments((seg, next) => next !== undefined && next.baseOffset <= this.logStartOffsetValue, 'log start offset');
    });
    this.hooks.onLogStartOffset?.(newStart);
    return true;
  }

  /** One retention pass: time, size and log-start-offset breaches. Returns segments deleted. */
  deleteOldSegments(): number {
    this.checkOnline();
    return this.io('retention', () => {
      let n = this.deleteSegments((seg, next) => next !== undefined && next.baseOffset <= this.logStartOffsetValue, 'log start offset');
      if (!isDeleteEnabled(this.config.cleanupPolicy)) return n;
      const now = this.clock.nowMs();
      if (this.config.retentionMs >= 0) {
        n += this.deleteSegments((seg) => now - seg.largestTimestamp() > this.config.retentionMs, 'retention.ms');
      }
      if (this.config.retentionBytes >= 0) {
        let excess = this.size - this.config.retentionBytes;
        n += this.deleteSegments((seg) => {
          if (excess - seg.size < 0) return false;
          excess -= seg.size;
          return true;
        }, 'retention.bytes');
      }
      return n;
    });
  }

  /**
   * Deletes leading segments while `predicate` holds and everything in them is below the high
   * watermark; rolls first if that would delete the active segment.
   */
  private deleteSegments(predicate: (seg: LogSegment, next: LogSegment | undefined) => boolean, reason: string): number {
    const victims: LogSegment[] = [];
    for (let i = 0; i < this.segmentList.length; i++) {
      const seg = this.segmentList[i]!;
      const next = this.segmentList[i + 1];
      const upper = next?.baseOffset ?? this.logEndOffsetValue;
      const lastAndEmpty = next === undefined && seg.size === 0;
      if (this.highWatermarkValue < upper || lastAndEmpty || !predicate(seg, next)) break;
      victims.push(seg);
    }
    if (victims.length === 0) return 0;
    if (victims.length === this.segmentList.length) this.roll();
    for (const seg of victims) {
      const i = this.segmentList.indexOf(seg);
      assert(i >= 0, 'deleted segment is in the log');
      this.segmentList.splice(i, 1);
    }
    this.retireSegments(victims);
    const first = this.segmentList[0]!;
    if (first.baseOffset > this.logStartOffsetValue) {
      this.logStartOffsetValue = first.baseOffset;
      this.leaderEpochCache.truncateFromStart(first.baseOffset);
      this.hooks.onLogStartOffset?.(first.baseOffset);
    }
    this.recoveryPointValue = Math.max(this.recoveryPointValue, first.baseOffset);
    this.deleteSnapshotsBefore(first.baseOffset);
    this.logger.info(`log ${this.name}: deleted ${victims.length} segment(s) by ${reason}`, {
      logStartOffset: this.logStartOffsetValue,
    });
    return victims.length;
  }

  /**
   * Kafka's asynchronous segment deletion, for segments already taken out of the list (retention,
   * truncation): renamed to `.deleted` now, their descriptors kept for reads in flight, removed
   * after file.delete.delay.ms off the event loop.
   */
  private retireSegments(segments: readonly LogSegment[]): void {
    if (segments.length === 0) return;
    for (const seg of segments) seg.markDeleted();
    this.scheduleDelete(segments);
  }

  /**
   * Starts the physical deletion of the `.deleted` segments whose delay (file.delete.delay.ms) has
   * passed; returns how many. Their descriptors are unusable from now on; the close and unlinks
   * run off the event loop (see `deletionsDone`), as Kafka's run on its scheduler thread: freeing
   * a large file's blocks takes milliseconds. A failed one takes the log offline.
   */
  deletePendingSegments(nowMs = this.clock.nowMs()): number {
    let n = 0;
    for (let i = 0; i < this.pendingDeletes.length; ) {
      const p = this.pendingDeletes[i]!;
      if (p.dueMs > nowMs) {
        i++;
        continue;
      }
      this.pendingDeletes.splice(i, 1);
      this.startDeletion(p.segment);
      n++;
    }
    return n;
  }

  private startDeletion(segment: LogSegment): void {
    this.deletionsInFlight++;
    this.deletions = this.deletions
      .then(() => segment.deleteFilesAsync())
      .catch((err: unknown) => {
        this.fail(`delete segment ${segment.file.path}`, err);
      })
      .finally(() => {
        this.deletionsInFlight--;
      });
  }

  /** Segment deletions started and not finished yet. */
  get segmentDeletionsInFlight(): number {
    return this.deletionsInFlight;
  }

  /** Resolves once every segment deletion started so far has finished (or failed). */
  deletionsDone(): Promise<void> {
    return this.deletions;
  }

  /** Earliest due time of a pending deletion, if any. */
  nextDeleteDueMs(): number | undefined {
    let min: number | undefined;
    for (const p of this.pendingDeletes) if (min === undefined || p.dueMs < min) min = p.dueMs;
    return min;
  }

  /** Replaces `old` segments (contiguous) by `replacement` (already renamed into place by the caller). */
  replaceSegments(old: readonly LogSegment[], replacement: readonly LogSegment[]): void {
    const first = old[0];
    if (first === undefined) return;
    const i = this.segmentList.indexOf(first);
    assert(i >= 0, 'replaced segments are in the log');
    for (let k = 0; k < old.length; k++) assert(this.segmentList[i + k] === old[k], 'replaced segments are contiguous');
    this.segmentList.splice(i, old.length, ...replacement);
  }

  /** Schedules `segments` (already removed from the list) for deletion after file.delete.delay.ms. */
  scheduleDelete(segments: readonly LogSegment[]): void {
    const due = this.clock.nowMs() + this.config.fileDeleteDelayMs;
    for (const s of segments) this.pendingDeletes.push({ segment: s, dueMs: due });
    if (this.config.fileDeleteDelayMs <= 0) this.deletePendingSegments(Number.MAX_SAFE_INTEGER);
  }

  // ---- transactions and producer snapshots -----------------------------------------------------

  /** Records an aborted transaction in the .txnindex of the segment holding its abort marker (`lastOffset`). */
  appendAbortedTxn(txn: AbortedTxn): void {
    this.io('txn index', () => {
      const seg = this.segmentList[Math.max(0, this.segmentIndexFor(txn.lastOffset))]!;
      seg.txnIndex.append(txn);
    });
  }

  /**
   * Aborted transactions overlapping [startOffset, upperBound), for read_committed fetches and the
   * cleaner: segments from the one holding `startOffset` on, stopping (as Kafka) after an entry
   * whose last stable offset reaches `upperBound` — no later marker can abort anything below it.
   */
  collectAbortedTransactions(startOffset: number, upperBound: number): AbortedTxn[] {
    // io() spelled out, as in read(): read_committed fetches ask on every read.
    this.checkOnline();
    try {
      const out: AbortedTxn[] = [];
      const from = Math.max(0, this.segmentIndexFor(startOffset));
      for (let i = from; i < this.segmentList.length; i++) {
        const seg = this.segmentList[i]!;
        if (seg.txnIndex.search(startOffset, upperBound, out)) break;
      }
      return out;
    } catch (err) {
      throw this.fail('txn index', err);
    }
  }

  /**
   * Kafka's fetch upper bound for the aborted-transactions list of a read: the offset of the first
   * offset-index entry at or past the slice's end, else the next segment's base (or the log end).
   */
  fetchUpperBoundOffset(startOffset: number, slice: FileSlice): number {
    this.checkOnline();
    try {
      let i = Math.max(0, this.segmentIndexFor(startOffset));
      while (i < this.segmentList.length - 1 && this.segmentList[i]!.file !== slice.file) i++;
      const seg = this.segmentList[i]!;
      const bound = seg.fetchUpperBoundOffset(slice.position + slice.size);
      if (bound !== undefined) return bound;
      return this.segmentList[i + 1]?.baseOffset ?? this.logEndOffsetValue;
    } catch (err) {
      throw this.fail('read', err);
    }
  }

  writeProducerSnapshot(offset: number, data: Buffer): void {
    this.io('producer snapshot', () => this.fs.writeFileAtomic(segmentFile(this.dir, offset, SNAPSHOT_SUFFIX), data));
  }

  /**
   * A roll's snapshot, as Kafka 3.9 takes it (takeSnapshot(false)): written straight to its file
   * (a new one: its offset is past every snapshot so far) without an fdatasync, which the flush
   * round does off the event loop (`syncProducerSnapshots`). A crash before that can leave it torn
   * or empty: loading then falls back to an older snapshot, as a corrupt one always did.
   */
  private writeUnsyncedProducerSnapshot(offset: number, data: Buffer): void {
    const fd = this.fs.open(segmentFile(this.dir, offset, SNAPSHOT_SUFFIX), 'create');
    try {
      this.fs.truncate(fd, 0);
      this.fs.write(fd, data, 0, data.length, 0);
    } finally {
      this.fs.close(fd);
    }
    this.unsyncedSnapshots.add(offset);
  }

  /**
   * Kafka's flushProducerStateSnapshot: fdatasyncs, on the thread pool, the unsynced snapshots at or
   * below `upTo` (the flush round's target), before the round moves the recovery point. A snapshot
   * deleted meanwhile (truncation, retention) is skipped. Returns whether any was synced.
   */
  private async syncProducerSnapshots(upTo: number): Promise<boolean> {
    let synced = false;
    for (const offset of [...this.unsyncedSnapshots]) {
      if (offset > upTo) continue;
      const fd = this.openIfExists(segmentFile(this.dir, offset, SNAPSHOT_SUFFIX));
      if (fd !== undefined) {
        try {
          await this.fs.fdatasync(fd);
        } finally {
          await this.fs.closeAsync(fd);
        }
        synced = true;
      }
      this.unsyncedSnapshots.delete(offset);
    }
    return synced;
  }

  /** The same, blocking, for closeSync(): every unsynced snapshot. */
  private syncProducerSnapshotsSync(): void {
    if (this.unsyncedSnapshots.size === 0) return;
    for (const offset of this.unsyncedSnapshots) {
      const fd = this.openIfExists(segmentFile(this.dir, offset, SNAPSHOT_SUFFIX));
      if (fd === undefined) continue;
      try {
        this.fs.fdatasyncSync(fd);
      } finally {
        this.fs.close(fd);
      }
    }
    this.unsyncedSnapshots.clear();
    this.fs.syncDir(this.dir);
  }

  private openIfExists(path: string): number | undefined {
    try {
      return this.fs.open(path, 'read');
    } catch (err) {
      if (fsErrorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** A directory fsync on the thread pool; the directory may have been renamed away (partition deleted) meanwhile, as Kafka's flushDirIfExists allows. */
  private async syncDirIfExists(): Promise<void> {
    try {
      await this.fs.syncDirAsync(this.dir);
    } catch (err) {
      if (fsErrorCode(err) !== 'ENOENT') throw err;
    }
  }

  producerSnapshotOffsets(): number[] {
    return this.fs
      .readdir(this.dir)
      .filter((n) => n.endsWith(SNAPSHOT_SUFFIX))
      .map((n) => offsetFromFileName(n))
      .filter((o): o is number => o !== undefined)
      .sort((a, b) => a - b);
  }

  latestProducerSnapshot(): { offset: number; data: Buffer } | undefined {
    const offset = this.producerSnapshotOffsets().at(-1);
    return offset === undefined ? undefined : this.producerSnapshot(offset);
  }

  producerSnapshot(offset: number): { offset: number; data: Buffer } | undefined {
    const data = this.fs.readFile(segmentFile(this.dir, offset, SNAPSHOT_SUFFIX));
    return data === undefined ? undefined : { offset, data };
  }

  private deleteSnapshotsAfter(offset: number): void {
    for (const o of this.producerSnapshotOffsets()) if (o > offset) this.deleteSnapshot(o);
  }

  /** Keeps the newest snapshot even when below `offset`, so producer state can still be restored. */
  private deleteSnapshotsBefore(offset: number): void {
    const all = this.producerSnapshotOffsets();
    for (const o of all.slice(0, -1)) if (o < offset) this.deleteSnapshot(o);
  }

  /** Removes the snapshot at `offset` (a corrupt one found at load too, as Kafka does). */
  deleteSnapshot(offset: number): void {
    this.fs.unlink(segmentFile(this.dir, offset, SNAPSHOT_SUFFIX));
    this.unsyncedSnapshots.delete(offset);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Clean close: waits for an in-flight flush, then closeSync(), then for the segment deletions it started. */
  async close(): Promise<void> {
    if (this.flushing) await this.flush().catch(() => {});
    await this.leaderEpochCache.writesDone();
    this.closeSync();
    await this.deletionsDone();
  }

  /**
   * Clean close, blocking: fdatasyncs everything past the recovery point and writes the indexes,
   * so the next open (with the checkpointed recovery point) can skip recovery.
   */
  closeSync(): void {
    if (this.isOffline) {
      this.closeHandles();
      return;
    }
    this.io('close', () => {
      this.syncProducerSnapshotsSync();
      const snapshot = this.hooks.takeSnapshot?.(this.logEndOffsetValue);
      if (snapshot !== undefined) this.writeProducerSnapshot(this.logEndOffsetValue, snapshot);
      const from = Math.max(0, this.segmentIndexFor(this.recoveryPointValue));
      const active = this.activeSegment;
      active.onBecomeInactive();
      for (let i = from; i < this.segmentList.length; i++) {
        const s = this.segmentList[i]!;
        s.offsetIndex.sync();
        s.timeIndex.sync();
        s.txnIndex.sync();
        this.fs.fdatasyncSync(s.file.fd);
      }
      this.recoveryPointValue = this.logEndOffsetValue;
      for (const s of this.segmentList) s.close();
      // Due or not: nothing reads them after a close. `close()` waits for them.
      for (const p of this.pendingDeletes.splice(0)) this.startDeletion(p.segment);
    });
  }

  /**
   * Closes descriptors without flushing (the log dir is gone or offline). The log is offline from
   * now on: appends still waiting for an fdatasync (their bytes possibly only staged) are never
   * acknowledged; their `durable` rejects.
   */
  closeHandles(): void {
    if (this.offlineError === undefined) this.offlineError = new StorageError('KAFKA_STORAGE_ERROR', `log ${this.name} was closed without a flush`);
    for (const s of this.segmentList) s.file.close();
    for (const p of this.pendingDeletes) p.segment.file.close();
  }

  /**
   * Removes the whole partition directory (topic deletion, reassignment away) as Kafka does: the
   * directory is renamed to `deleteDirName(...)` now — so the same partition can be created again
   * at once — and its files are removed off the event loop (freeing a large segment takes
   * milliseconds). Throws if the rename fails; the promise settles once the directory is gone and
   * rejects on an I/O error. A crash in between leaves the renamed directory: LogManager removes
   * it at startup.
   */
  delete(): Promise<void> {
    this.closeHandles();
    this.leaderEpochCache.close();
    const doomed = join(dirname(this.dir), deleteDirName(this.topicPartition, nextDeleteDirId(this.clock.nowMs())));
    this.fs.rename(this.dir, doomed);
    // A checkpoint write in flight may still create its temp file: remove the directory after it.
    return this.leaderEpochCache.writesDone().then(() => removeFlatDirAsync(this.fs, doomed));
  }

  /** Raw bytes of `[position, position + size)` of a segment: test and tool helper. */
  static readSliceSync(slice: FileSlice): Buffer {
    const buf = Buffer.allocUnsafe(slice.size);
    const n = slice.file.read(buf, 0, slice.size, slice.position);
    return n === slice.size ? buf : buf.subarray(0, n);
  }
}

let deleteDirSequence = 0;

/**
 * 32 hex digits, unique within the process (wall-clock ms, then a counter), where Kafka uses a
 * random UUID; leftovers of an earlier process are removed at startup, before any new deletion.
 */
function nextDeleteDirId(nowMs: number): string {
  deleteDirSequence++;
  return Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0') + deleteDirSequence.toString(16).padStart(20, '0');
}

/** Removes a directory holding only files (a partition directory), one thread-pool call at a time. */
async function removeFlatDirAsync(fs: FileSystem, path: string): Promise<void> {
  for (const name of fs.readdir(path)) await fs.unlinkAsync(join(path, name));
  await fs.rmdirAsync(path);
}

/** The same, blocking (at startup). */
export function removeFlatDir(fs: FileSystem, path: string): void {
  for (const name of fs.readdir(path)) fs.unlink(join(path, name));
  fs.rmdir(path);
}

/** Reads a slice into `target` (reused by the caller); returns the bytes read. */
export function readSliceInto(slice: FileSlice, target: Buffer): number {
  return slice.file.read(target, 0, Math.min(slice.size, target.length), slice.position);
}
