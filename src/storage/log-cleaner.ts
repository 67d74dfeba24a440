import type { Clock, FileSystem } from '../common/index.js';
import { buildRecordBatch, RecordBatch } from '../protocol/index.js';
import type { RecordInput } from '../protocol/index.js';
import type { StorageLogger } from './errors.js';
import { CLEANED_SUFFIX, SWAP_SUFFIX, topicPartitionKey } from './file-names.js';
import type { TopicPartition } from './file-names.js';
import type { Log } from './log.js';
import { LogSegment } from './log-segment.js';
import type { BatchLocation } from './log-segment.js';
import type { AbortedTxn } from './transaction-index.js';

/** Bytes the cleaner counts per key in its map (Kafka's SkimpyOffsetMap uses a 16-byte hash + 8-byte offset). */
const BYTES_PER_MAP_ENTRY = 24;

export interface LogCleanerParams {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  /** log.cleaner.dedupe.buffer.size: bounds the key map; a pass stops at the last segment that fit. */
  readonly dedupeBufferBytes: number;
}

/** What the cleaner would do for a log now: the sans-IO planning step. */
export interface CleaningPlan {
  readonly firstDirtyOffset: number;
  /** Exclusive end of the cleanable range: a segment boundary. */
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  readonly dirtyRatio: number;
  /** max.compaction.lag.ms forces a pass regardless of the ratio. */
  readonly lagExceeded: boolean;
}

export interface CleaningStats {
  readonly segmentsIn: number;
  readonly segmentsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly recordsRemoved: number;
}

/**
 * Compaction (cleanup.policy=compact): keeps the latest record per key, preserving offsets.
 *
 * One pass: map key → latest offset over the dirty range [firstDirty, firstUncleanable) (records
 * of aborted transactions and control batches ignored), then rewrite every segment below
 * firstUncleanable keeping a record only if no later offset has its key; tombstones go once they
 * were already cleaned in an earlier pass and are older than delete.retention.ms; records of
 * aborted transactions go; control batches (transaction markers) and the last batch header of a
 * producer (empty if need be, so idempotent producer state survives) stay. Cleaned segments are
 * written as `.cleaned`, renamed to `.swap`, the originals to `.deleted`, then the swap into
 * place: a crash at any point is completed by Log recovery.
 */
export class LogCleaner {
  private readonly checkpoints = new Map<string, Map<string, number>>();
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly logger: StorageLogger;
  private readonly maxMapEntries: number;
  lastStats: CleaningStats | undefined;

  constructor(params: LogCleanerParams) {
    this.fs = params.fs;
    this.clock = params.clock;
    this.logger = params.logger;
    this.maxMapEntries = Math.max(1, Math.floor(params.dedupeBufferBytes / BYTES_PER_MAP_ENTRY));
  }

  loadCheckpoint(dir: string, entries: Map<string, number>): void {
    this.checkpoints.set(dir, new Map(entries));
  }

  checkpointEntries(dir: string): Array<[TopicPartition, number]> {
    const out: Array<[TopicPartition, number]> = [];
    for (const [key, offset] of this.checkpoints.get(dir) ?? []) {
      const i = key.lastIndexOf('-');
      out.push([{ topic: key.slice(0, i), partition: Number(key.slice(i + 1)) }, offset]);
    }
    return out;
  }

  forget(log: Log): void {
    for (const m of this.checkpoints.values()) m.delete(topicPartitionKey(log.topicPartition));
  }

  private checkpointFor(dir: string): Map<string, number> {
    let m = this.checkpoints.get(dir);
    if (m === undefined) {
      m = new Map();
      this.checkpoints.set(dir, m);
    }
    return m;
  }

  /** Plans a pass for `log`, or undefined when nothing is cleanable. */
  plan(log: Log, dir: string): CleaningPlan | undefined {
    const now = this.clock.nowMs();
    const segments = log.segments;
    const checkpointed = this.checkpointFor(dir).get(topicPartitionKey(log.topicPartition)) ?? 0;
    const firstDirtyOffset = Math.max(checkpointed, log.logStartOffset);
    let limit = Math.min(log.activeSegment.baseOffset, log.highWatermark);
    if (log.firstUnstableOffset !== undefined) limit = Math.min(limit, log.firstUnstableOffset);
    let firstUncleanableOffset = segments[0]!.baseOffset;
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let lagExceeded = false;
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i]!;
      const nextBase = segments[i + 1]!.baseOffset;
      if (nextBase > limit) break;
      if (nextBase <= firstDirtyOffset) {
        cleanBytes += seg.size;
        firstUncleanableOffset = nextBase;
        continue;
      }
      // min.compaction.lag.ms: a segment with records younger than the lag ends the cleanable range.
      if (log.config.minCompactionLagMs > 0 && seg.largestTimestamp() > now - log.config.minCompactionLagMs) break;
      if (log.config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER && dirtyBytes === 0) {
        const first = firstBatchTimestamp(seg);
        if (first !== undefined && first >= 0 && now - first > log.config.maxCompactionLagMs) lagExceeded = true;
      }
      dirtyBytes += seg.size;
      firstUncleanableOffset = nextBase;
    }
    if (dirtyBytes === 0) return undefined;
    const total = cleanBytes + dirtyBytes;
    return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, dirtyBytes, dirtyRatio: total === 0 ? 0 : dirtyBytes / total, lagExceeded };
  }

  /** Cleans `log` when its dirty ratio reaches min.cleanable.dirty.ratio or max.compaction.lag.ms has passed. */
  maybeClean(log: Log, dir: string): boolean {
    const plan = this.plan(log, dir);
    if (plan === undefined) return false;
    if (plan.dirtyRatio < log.config.minCleanableDirtyRatio && !plan.lagExceeded) return false;
    this.clean(log, dir, plan);
    return true;
  }

  /** Runs one cleaning pass now (tests and the admin path); returns undefined when nothing is cleanable. */
  cleanNow(log: Log, dir: string): CleaningStats | undefined {
    const plan = this.plan(log, dir);
    if (plan === undefined) return undefined;
    return this.clean(log, dir, plan);
  }

  private clean(log: Log, dir: string, plan: CleaningPlan): CleaningStats {
    const now = this.clock.nowMs();
    const aborted = collectAborted(log, plan.firstUncleanableOffset);
    const { map, endOffset } = this.buildOffsetMap(log, plan, aborted);
    const lastBatchOfProducer = lastBatchPerProducer(log, endOffset);
    const deleteHorizonMs = now - log.config.deleteRetentionMs;
    const toClean = log.segments.filter((s, i) => {
      const next = log.segments[i + 1];
      return next !== undefined && next.baseOffset <= endOffset;
    });
    let segmentsOut = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    let recordsRemoved = 0;
    for (const group of groupSegments(toClean, log)) {
      const cleaned = LogSegment.create(
        this.fs,
        log.dir,
        group[0]!.baseOffset,
        { indexIntervalBytes: log.config.indexIntervalBytes, maxIndexBytes: log.config.segmentIndexBytes },
        now,
        0,
        CLEANED_SUFFIX,
      );
      this.fs.truncate(cleaned.file.fd, 0);
      for (const seg of group) {
        bytesIn += seg.size;
        for (const loc of [...seg.batchesFrom(0)]) {
          const data = readBatch(seg, loc);
          const out = this.filterBatch(data, loc, {
            map,
            aborted,
            lastBatchOfProducer,
            tombstonesRemovable: loc.lastOffset < plan.firstDirtyOffset && loc.maxTimestamp < deleteHorizonMs,
          });
          recordsRemoved += out.removed;
          if (out.bytes === undefined) continue;
          const b = out.bytes;
          cleaned.append(b, [{ at: 0, size: b.length, lastOffset: loc.lastOffset, maxTimestamp: loc.maxTimestamp }]);
        }
        for (const t of seg.txnIndex.all()) cleaned.txnIndex.append(t);
      }
      cleaned.onBecomeInactive();
      cleaned.offsetIndex.sync();
      cleaned.timeIndex.sync();
      cleaned.txnIndex.sync();
      this.fs.fdatasyncSync(cleaned.file.fd);
      bytesOut += cleaned.size;
      segmentsOut++;
      // Swap: .cleaned → .swap (commit point), originals → .deleted, .swap → live names.
      cleaned.renameAll(CLEANED_SUFFIX, SWAP_SUFFIX);
      this.fs.syncDir(log.dir);
      log.replaceSegments(group, [cleaned]);
      for (const old of group) old.markDeleted();
      cleaned.renameAll(SWAP_SUFFIX, '');
      this.fs.syncDir(log.dir);
      log.scheduleDelete(group);
    }
    this.checkpointFor(dir).set(topicPartitionKey(log.topicPartition), endOffset);
    const stats = { segmentsIn: toClean.length, segmentsOut, bytesIn, bytesOut, recordsRemoved };
    this.lastStats = stats;
    this.logger.info(`cleaned log ${log.name}`, { ...stats, firstDirtyOffset: plan.firstDirtyOffset, endOffset });
    return stats;
  }

  /** key → latest offset over the dirty range; stops early at a segment boundary when the map is full. */
  private buildOffsetMap(log: Log, plan: CleaningPlan, aborted: AbortedLookup): { map: Map<string, number>; endOffset: number } {
    const map = new Map<string, number>();
    let endOffset = plan.firstDirtyOffset;
    const segs = log.segments;
    for (let i = 0; i < segs.length - 1; i++) {
      const seg = segs[i]!;
      const nextBase = segs[i + 1]!.baseOffset;
      if (nextBase <= plan.firstDirtyOffset) continue;
      if (nextBase > plan.firstUncleanableOffset) break;
      const sizeBefore = map.size;
      const snapshot = map.size > 0 && map.size + seg.size / 8 > this.maxMapEntries ? new Map(map) : undefined;
      for (const loc of seg.batchesFrom(0)) {
        if (loc.lastOffset < plan.firstDirtyOffset) continue;
        const batch = new RecordBatch(readBatch(seg, loc));
        if (batch.isControl || (batch.isTransactional && aborted.isAborted(batch.producerId, loc.baseOffset))) continue;
        for (const r of batch.records()) {
          if (r.key === null) continue;
          map.set(r.key.toString('latin1'), r.offset);
        }
      }
      if (map.size > this.maxMapEntries && sizeBefore > 0 && snapshot !== undefined) {
        this.logger.info(`cleaner map full for ${log.name}; this pass stops at offset ${endOffset}`);
        return { map: snapshot, endOffset };
      }
      endOffset = nextBase;
    }
    return { map, endOffset };
  }

  private filterBatch(
    data: Buffer,
    loc: BatchLocation,
    ctx: { map: Map<string, number>; aborted: AbortedLookup; lastBatchOfProducer: Map<number, number>; tombstonesRemovable: boolean },
  ): { bytes: Buffer | undefined; removed: number } {
    const batch = new RecordBatch(data);
    if (batch.isControl) return { bytes: data, removed: 0 };
    const abortedBatch = batch.isTransactional && ctx.aborted.isAborted(batch.producerId, loc.baseOffset);
    const kept: RecordInput[] = [];
    let total = 0;
    for (const r of batch.records()) {
      total++;
      if (abortedBatch) continue;
      if (r.key !== null) {
        const latest = ctx.map.get(r.key.toString('latin1'));
        if (latest !== undefined && r.offset < latest) continue;
        if (r.value === null && ctx.tombstonesRemovable) continue;
      }
      kept.push({
        key: r.key,
        value: r.value,
        headers: r.headers.map((h) => ({ key: h.key, value: h.value })),
        timestamp: r.timestamp,
        offsetDelta: r.offsetDelta,
      });
    }
    const removed = total - kept.length;
    if (removed === 0) return { bytes: data, removed: 0 };
    const keepEmpty = batch.producerId >= 0 && ctx.lastBatchOfProducer.get(batch.producerId) === loc.baseOffset;
    if (kept.length === 0 && !keepEmpty) return { bytes: undefined, removed };
    const rebuilt = buildRecordBatch({
      baseOffset: loc.baseOffset,
      records: kept,
      compression: batch.compression,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      isTransactional: batch.isTransactional,
      partitionLeaderEpoch: batch.partitionLeaderEpoch,
      timestampType: batch.timestampType,
      maxTimestamp: batch.maxTimestamp,
      ...(kept.length === 0 ? { baseTimestamp: batch.baseTimestamp } : {}),
      lastOffsetDelta: batch.lastOffsetDelta,
    });
    return { bytes: rebuilt, removed };
  }
}

interface AbortedLookup {
  isAborted(producerId: number, offset: number): boolean;
}

function collectAborted(log: Log, upTo: number): AbortedLookup {
  const byProducer = new Map<number, AbortedTxn[]>();
  for (const t of log.collectAbortedTransactions(log.logStartOffset, upTo)) {
    const list = byProducer.get(t.producerId) ?? [];
    list.push(t);
    byProducer.set(t.producerId, list);
  }
  return {
    isAborted(producerId, offset) {
      const list = byProducer.get(producerId);
      if (list === undefined) return false;
      return list.some((t) => t.firstOffset <= offset && offset <= t.lastOffset);
    },
  };
}

/** For each producer id, the base offset of its last batch in the log (kept even when emptied). */
function lastBatchPerProducer(log: Log, endOffset: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const seg of log.segments) {
    if (seg.baseOffset >= endOffset) break;
    for (const loc of seg.batchesFrom(0)) {
      const header = readBatch(seg, { ...loc, size: Math.min(loc.size, 61) });
      const pid = Number(header.readBigInt64BE(43));
      if (pid >= 0) out.set(pid, loc.baseOffset);
    }
  }
  return out;
}

function readBatch(seg: LogSegment, loc: { position: number; size: number }): Buffer {
  const buf = Buffer.allocUnsafe(loc.size);
  const n = seg.file.read(buf, 0, loc.size, loc.position);
  if (n !== loc.size) throw new Error(`short read in ${seg.file.path} at ${loc.position}`);
  return buf;
}

function firstBatchTimestamp(seg: LogSegment): number | undefined {
  for (const b of seg.batchesFrom(0)) return b.maxTimestamp;
  return undefined;
}

/** Groups consecutive segments so each cleaned segment stays within segment.bytes and int32 relative offsets. */
function groupSegments(segments: readonly LogSegment[], log: Log): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let current: LogSegment[] = [];
  let size = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    seg.ensureIndexes();
    const nextBase = log.segments[log.segments.indexOf(seg) + 1]?.baseOffset ?? log.logEndOffset;
    const first = current[0];
    const fits =
      first !== undefined &&
      size + seg.size <= log.config.segmentBytes &&
      nextBase - 1 - first.baseOffset <= 0x7fffffff &&
      seg.offsetIndex.entries + current.reduce((n, s) => n + s.offsetIndex.entries, 0) < seg.offsetIndex.maxEntries;
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(seg);
    size += seg.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
