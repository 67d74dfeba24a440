import type { Clock, FileSystem } from '../common/index.js';
import { buildRecordBatch, NO_TIMESTAMP, RecordBatch } from '../protocol/index.js';
import type { Record, RecordInput } from '../protocol/index.js';
import { HEADER_SIZE, isControlAt, producerEpochAt, producerIdAt } from './batch-header.js';
import { CleanedTxnState } from './cleaned-txns.js';
import type { StorageLogger } from './errors.js';
import { CLEANED_SUFFIX, SWAP_SUFFIX, topicPartitionKey } from './file-names.js';
import type { TopicPartition } from './file-names.js';
import type { LastProducerRecord, Log } from './log.js';
import { LogSegment } from './log-segment.js';

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
 * Compaction (cleanup.policy=compact): keeps the latest record per key, preserving offsets, with
 * Kafka 3.9's handling of transactions and delete horizons (KIP-534).
 *
 * One pass: map key → latest offset over the dirty range [firstDirty, firstUncleanable) (records
 * of aborted transactions and control batches ignored), then rewrite every segment below the map's
 * end, walking transactions in offset order (`CleanedTxnState`): see `filterBatch` for what stays.
 * Cleaned segments are written as `.cleaned` (with a txn index of the aborted transactions that
 * still have data), renamed to `.swap`, the originals to `.deleted`, then the swap into place: a
 * crash at any point is completed by Log recovery.
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
    const { map, endOffset } = this.buildOffsetMap(log, plan);
    const lastRecords = log.lastRecordsOfActiveProducers() ?? lastRecordsFromLog(log);
    const toClean = log.segments.filter((s, i) => {
      const next = log.segments[i + 1];
      return next !== undefined && next.baseOffset <= endOffset;
    });
    // One walk over the whole cleaned range, carried across groups (transactions span segments).
    const txns = new CleanedTxnState();
    const ctx: FilterContext = { map, txns, lastRecords, now, deleteRetentionMs: log.config.deleteRetentionMs, upperBound: plan.firstUncleanableOffset };
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
      // The cleaned segment's txn index holds only the aborted transactions that still have data.
      txns.retainedAborted = (t) => cleaned.txnIndex.append(t);
      for (const seg of group) {
        bytesIn += seg.size;
        const i = log.segments.indexOf(seg);
        const next = log.segments[i + 1];
        txns.addAborted(log.collectAbortedTransactions(seg.baseOffset, next === undefined ? seg.readNextOffset() : next.baseOffset));
        for (const loc of [...seg.batchesFrom(0)]) {
          const out = filterBatch(readBatch(seg, loc), ctx);
          recordsRemoved += out.removed;
          if (out.bytes === undefined) continue;
          const b = out.bytes;
          cleaned.append(b, [{ at: 0, size: b.length, lastOffset: loc.lastOffset, maxTimestamp: new RecordBatch(b).maxTimestamp }]);
        }
      }
      txns.retainedAborted = undefined;
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

  /**
   * key → latest offset over the dirty range (records of aborted transactions and control batches
   * left out); stops early at a segment boundary when the map is full.
   */
  private buildOffsetMap(log: Log, plan: CleaningPlan): { map: Map<string, number>; endOffset: number } {
    const map = new Map<string, number>();
    const txns = new CleanedTxnState();
    txns.addAborted(log.collectAbortedTransactions(plan.firstDirtyOffset, plan.firstUncleanableOffset));
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
        if (batch.isControl) {
          txns.onControlBatch(batch);
          continue;
        }
        if (txns.onDataBatch(batch)) continue;
        for (const r of batch.records()) {
          if (r.key === null || r.offset < plan.firstDirtyOffset) continue;
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
}

interface FilterContext {
  readonly map: Map<string, number>;
  readonly txns: CleanedTxnState;
  readonly lastRecords: ReadonlyMap<number, LastProducerRecord>;
  readonly now: number;
  readonly deleteRetentionMs: number;
  /** The pass's first uncleanable offset: the batch ending right before it is kept, if only empty. */
  readonly upperBound: number;
}

/**
 * What the cleaner writes for one batch (Kafka's checkBatchRetention + shouldRetainRecord +
 * MemoryRecords.filterTo, record format v2):
 * - a batch of an aborted transaction loses its records; a control batch whose transaction has no
 *   data left in this pass is kept until its delete horizon (set now if absent) has passed, then goes;
 * - a data record stays if it has a key, no later offset has that key, and it is not a tombstone
 *   whose batch's delete horizon passed; a batch keeping a tombstone without a horizon gets one
 *   (now + delete.retention.ms, in the baseTimestamp, attribute bit 6), as does a marker found
 *   removable, so both go on a later pass (KIP-534);
 * - the batch holding a live producer's last data offset (or, with none, its last marker of its
 *   epoch) and the batch ending at the pass's upper bound stay, emptied if need be, so producer
 *   state and the log end survive.
 */
function filterBatch(data: Buffer, ctx: FilterContext): { bytes: Buffer | undefined; removed: number } {
  const batch = new RecordBatch(data);
  const canDiscard = batch.isControl ? ctx.txns.onControlBatch(batch) : ctx.txns.onDataBatch(batch);
  const discardRecords = batch.isControl ? canDiscard && batch.hasDeleteHorizon && batch.baseTimestamp <= ctx.now : canDiscard;
  const retainEmpty = (batch.producerId >= 0 && isLastOfProducer(batch, ctx.lastRecords)) || batch.nextOffset === ctx.upperBound;
  if (!retainEmpty && discardRecords) return { bytes: undefined, removed: batch.recordCount };
  const kept: RecordInput[] = [];
  let total = 0;
  let tombstones = false;
  for (const r of batch.records()) {
    total++;
    const keep = discardRecords ? false : batch.isControl ? true : shouldRetainRecord(batch, r, ctx);
    if (!keep) continue;
    if (r.value === null) tombstones = true;
    kept.push({
      key: r.key,
      value: r.value,
      headers: r.headers.map((h) => ({ key: h.key, value: h.value })),
      timestamp: r.timestamp,
      offsetDelta: r.offsetDelta,
    });
  }
  const removed = total - kept.length;
  const common = {
    baseOffset: batch.baseOffset,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
    isControl: batch.isControl,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    timestampType: batch.timestampType,
    lastOffsetDelta: batch.lastOffsetDelta,
  };
  if (kept.length > 0) {
    const needHorizon = (tombstones || (canDiscard && batch.isControl)) && !batch.hasDeleteHorizon;
    if (removed === 0 && !needHorizon) return { bytes: data, removed: 0 };
    const horizon = needHorizon ? ctx.now + ctx.deleteRetentionMs : batch.hasDeleteHorizon ? batch.baseTimestamp : undefined;
    const rebuilt = buildRecordBatch({
      ...common,
      records: kept,
      compression: batch.compression,
      ...(batch.timestampType === 1 ? { maxTimestamp: batch.maxTimestamp } : {}),
      ...(horizon === undefined ? {} : { deleteHorizonMs: horizon }),
    });
    return { bytes: rebuilt, removed };
  }
  if (!retainEmpty) return { bytes: undefined, removed };
  // Kafka's empty header: no records, no compression, no base timestamp, the original max timestamp.
  return { bytes: buildRecordBatch({ ...common, records: [], baseTimestamp: NO_TIMESTAMP, maxTimestamp: batch.maxTimestamp }), removed };
}

function isLastOfProducer(batch: RecordBatch, lastRecords: ReadonlyMap<number, LastProducerRecord>): boolean {
  const last = lastRecords.get(batch.producerId);
  if (last === undefined) return false;
  if (last.lastDataOffset >= 0) return batch.lastOffset === last.lastDataOffset;
  return batch.isControl && batch.producerEpoch === last.producerEpoch;
}

function shouldRetainRecord(batch: RecordBatch, r: Record, ctx: FilterContext): boolean {
  // A record without a key has no place in a compacted log (Kafka counts it invalid and drops it).
  if (r.key === null) return false;
  const latest = ctx.map.get(r.key.toString('latin1'));
  if (latest !== undefined && r.offset < latest) return false;
  if (r.value !== null) return true;
  return !batch.hasDeleteHorizon || ctx.now < batch.baseTimestamp;
}

/**
 * Without producer state (a log opened bare): the same answer from the log itself — per producer id
 * its last epoch and the last offset of its last data batch of that epoch (a new epoch forgets it).
 */
function lastRecordsFromLog(log: Log): Map<number, LastProducerRecord> {
  const out = new Map<number, { lastDataOffset: number; producerEpoch: number }>();
  for (const seg of log.segments) {
    for (const loc of seg.batchesFrom(0)) {
      const h = readBatch(seg, { ...loc, size: Math.min(loc.size, HEADER_SIZE) });
      const pid = producerIdAt(h, 0);
      if (pid < 0) continue;
      const epoch = producerEpochAt(h, 0);
      let e = out.get(pid);
      if (e === undefined) {
        e = { lastDataOffset: -1, producerEpoch: epoch };
        out.set(pid, e);
      }
      if (e.producerEpoch !== epoch) {
        e.producerEpoch = epoch;
        e.lastDataOffset = -1;
      }
      if (!isControlAt(h, 0)) e.lastDataOffset = loc.lastOffset;
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
