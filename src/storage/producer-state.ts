import type { Clock } from '../common/index.js';
import { NO_PRODUCER_EPOCH, NO_SEQUENCE, RecordBatch, endTxnMarkerOf, incrementSequence } from '../protocol/index.js';
import {
  HEADER_SIZE,
  baseOffsetAt,
  baseSequenceAt,
  batchSizeAt,
  isControlAt,
  isTransactionalAt,
  lastOffsetAt,
  lastOffsetDeltaAt,
  maxTimestampAt,
  producerEpochAt,
  producerIdAt,
} from './batch-header.js';
import type { StorageLogger } from './errors.js';
import { SILENT_LOGGER } from './errors.js';
import { topicPartitionKey } from './file-names.js';
import type { TopicPartition } from './file-names.js';
import { Log } from './log.js';
import type { LastProducerRecord, ProducerStateHooks } from './log.js';
import type { AppendedBatch } from './log-segment.js';
import { CorruptProducerSnapshotError, readProducerSnapshot, writeProducerSnapshot } from './producer-state-snapshot.js';
import type { ProducerSnapshotEntry } from './producer-state-snapshot.js';

/** Batches remembered per producer for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN; clients keep at most 5 in flight). */
export const NUM_BATCHES_TO_RETAIN = 5;
const INT32_MAX = 0x7fffffff;
/** Read size while replaying the log into producer state at load or after truncation. */
const REPLAY_READ_BYTES = 1 << 20;

/** Sequence `decrement` before `sequence`, wrapping below 0 to 2^31-1 (Kafka's decrementSequence). */
export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

/** Whether `nextSeq` directly follows `lastSeq` (sequences wrap from 2^31-1 to 0). */
export function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/** One appended batch of a producer: enough to answer its retry with the original offsets. */
export interface BatchMetadata {
  readonly lastSeq: number;
  readonly lastOffset: number;
  /** lastOffset - firstOffset, and lastSeq - firstSeq. */
  readonly offsetDelta: number;
  /** The batch's max timestamp (the broker's time on LogAppendTime topics). */
  readonly timestamp: number;
}

export function batchFirstSeq(b: BatchMetadata): number {
  return decrementSequence(b.lastSeq, b.offsetDelta);
}
export function batchFirstOffset(b: BatchMetadata): number {
  return b.lastOffset - b.offsetDelta;
}

/**
 * What a partition knows of one producer id (Kafka's ProducerStateEntry): its epoch, its last
 * batches (oldest first, at most NUM_BATCHES_TO_RETAIN), and the transaction seams: the epoch of the
 * coordinator that wrote its last marker and the first offset of its open transaction (-1: none).
 */
export class ProducerStateEntry {
  readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    public coordinatorEpoch = -1,
    public lastTimestamp = -1,
    public currentTxnFirstOffset = -1,
  ) {}

  /** The same producer's epoch, coordinator epoch, timestamp and transaction, with no batches. */
  static scratchOf(e: ProducerStateEntry): ProducerStateEntry {
    return new ProducerStateEntry(e.producerId, e.producerEpoch, e.coordinatorEpoch, e.lastTimestamp, e.currentTxnFirstOffset);
  }

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }
  get lastSeq(): number {
    const b = this.batches.at(-1);
    return b === undefined ? NO_SEQUENCE : b.lastSeq;
  }
  get firstSeq(): number {
    const b = this.batches[0];
    return b === undefined ? NO_SEQUENCE : batchFirstSeq(b);
  }
  get lastDataOffset(): number {
    return this.batches.at(-1)?.lastOffset ?? -1;
  }
  get firstDataOffset(): number {
    const b = this.batches[0];
    return b === undefined ? -1 : batchFirstOffset(b);
  }
  get lastOffsetDelta(): number {
    return this.batches.at(-1)?.offsetDelta ?? 0;
  }

  /** A new epoch forgets the batches of the old one. */
  maybeUpdateProducerEpoch(epoch: number): void {
    if (this.producerEpoch === epoch) return;
    this.batches.length = 0;
    this.producerEpoch = epoch;
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(epoch);
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push({ lastSeq, lastOffset, offsetDelta, timestamp });
    this.lastTimestamp = timestamp;
  }

  /** The remembered batch with exactly this epoch and sequence range: a retry of it. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (epoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.lastSeq === lastSeq && batchFirstSeq(b) === firstSeq);
  }
}

/** The producer-state outcome of a client's append, decided before anything is written. */
export type ProducerAppendCheck =
  | { readonly kind: 'append' }
  /** A retry of a remembered batch: nothing is appended, the answer carries the original offsets. */
  | { readonly kind: 'duplicate'; readonly firstOffset: number; readonly lastOffset: number; readonly timestamp: number }
  | { readonly kind: 'error'; readonly error: ProducerStateErrorCode; readonly message: string };

export type ProducerStateErrorCode =
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'INVALID_TXN_STATE'
  | 'TRANSACTION_COORDINATOR_FENCED';

const APPEND: ProducerAppendCheck = Object.freeze({ kind: 'append' });

/** A COMMIT or ABORT marker applied to producer state (the seam for the transaction layer). */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

export interface ProducerStateManagerParams {
  readonly topicPartition: TopicPartition;
  readonly clock: Clock;
  readonly logger?: StorageLogger;
  /** producer.id.expiration.ms (cluster-wide dynamic: read at each use). */
  readonly producerIdExpirationMs: () => number;
}

/**
 * Kafka's ProducerStateManager for one partition: the state of every producer id that wrote to it,
 * for idempotence (sequence checks, retries answered with their original offsets) and, later,
 * transactions. It observes the log through ProducerStateHooks: every appended batch (leader,
 * follower or replay) updates it; truncation reloads it; a roll or a clean shutdown snapshots it
 * into `<offset>.snapshot` in Kafka's format.
 *
 * Lifecycle: created by the log's hook factory before the log opens → `load(log)` once the log is
 * open (latest snapshot not past the log end, then the batches after it) → checks and hooks → the
 * log's close snapshots it. Before `load` it ignores the hooks and writes no snapshot.
 *
 * Invariant: after `load`, the state is that of replaying the log [logStart, logEnd) on top of
 * the snapshot, minus expired producers; leader appends are checked with `checkClientAppend`
 * synchronously right before `Log.appendAsLeader` (nothing may run in between).
 */
export class ProducerStateManager implements ProducerStateHooks {
  readonly topicPartition: TopicPartition;
  /** Loading replays markers into the txn indexes recovery reset (see Log.txnIndexRebuildFrom). */
  readonly rebuildsTxnIndex = true;
  private readonly clock: Clock;
  private readonly logger: StorageLogger;
  private readonly expirationMs: () => number;
  private readonly producerMap = new Map<number, ProducerStateEntry>();
  private logRef: Log | undefined;
  /** The log end offset this state reflects. */
  private mapEndOffset = 0;
  /** The offset of the newest snapshot written or loaded (a snapshot is written only past it). */
  private lastSnapOffset = 0;
  /** Called for every COMMIT/ABORT marker applied (after the txn index was updated). */
  onCompletedTxn: ((txn: CompletedTxn) => void) | undefined;
  /** Open transactions: producer id → first offset (Kafka's ongoingTxns). */
  private readonly ongoingTxns = new Map<number, number>();
  /**
   * Completed transactions whose marker the high watermark does not cover yet (Kafka's
   * unreplicatedTxns), in marker order: they still hold the first unstable offset back.
   */
  private unreplicatedTxns: CompletedTxn[] = [];
  /**
   * While replaying at load: aborted transactions whose marker is at or past this offset are written
   * into the txn index (recovery reset the txn indexes of the segments it revalidated).
   */
  private txnIndexRebuildFrom: number | undefined;
  /** Set while `rebuild` replays the log. */
  private replayingLog: Log | undefined;

  constructor(p: ProducerStateManagerParams) {
    this.topicPartition = p.topicPartition;
    this.clock = p.clock;
    this.logger = p.logger ?? SILENT_LOGGER;
    this.expirationMs = p.producerIdExpirationMs;
  }

  get isLoaded(): boolean {
    return this.logRef !== undefined;
  }
  get log(): Log | undefined {
    return this.logRef;
  }
  get endOffset(): number {
    return this.mapEndOffset;
  }
  get producerIdCount(): number {
    return this.producerMap.size;
  }
  /** Active producers (DescribeProducers later); do not mutate. */
  get producers(): ReadonlyMap<number, ProducerStateEntry> {
    return this.producerMap;
  }
  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producerMap.get(producerId);
  }

  /** The first offset of the oldest open transaction, if any. */
  firstUndecidedOffset(): number | undefined {
    let min: number | undefined;
    for (const first of this.ongoingTxns.values()) if (min === undefined || first < min) min = first;
    return min;
  }

  /**
   * Kafka's firstUnstableOffset: the first offset of the oldest transaction that is open, or
   * completed with a marker the high watermark does not cover yet. The log clamps it to its start.
   */
  firstUnstableOffset(): number | undefined {
    let min = this.firstUndecidedOffset();
    for (const t of this.unreplicatedTxns) if (min === undefined || t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  /** The high watermark moved: completed transactions it now covers stop holding the LSO back. */
  onHighWatermark(highWatermark: number): void {
    this.removeUnreplicatedTxns(highWatermark);
  }

  private removeUnreplicatedTxns(below: number): void {
    if (this.unreplicatedTxns.length === 0) return;
    this.unreplicatedTxns = this.unreplicatedTxns.filter((t) => t.lastOffset >= below);
  }

  /**
   * Kafka's lastStableOffset(completedTxn), stored with an aborted transaction in the txn index: the
   * first offset of the oldest transaction of another producer still open, else the marker's next offset.
   */
  private lastStableOffsetOf(txn: CompletedTxn): number {
    let min: number | undefined;
    for (const [id, first] of this.ongoingTxns) if (id !== txn.producerId && (min === undefined || first < min)) min = first;
    return min ?? txn.lastOffset + 1;
  }

  private setTxnFirstOffset(entry: ProducerStateEntry, offset: number): void {
    entry.currentTxnFirstOffset = offset;
    if (offset >= 0) this.ongoingTxns.set(entry.producerId, offset);
    else this.ongoingTxns.delete(entry.producerId);
  }

  /** Describes the active producers (DescribeProducers). */
  lastRecordsOfActiveProducers(): ReadonlyMap<number, LastProducerRecord> | undefined {
    if (this.logRef === undefined) return undefined;
    const out = new Map<number, LastProducerRecord>();
    for (const [pid, e] of this.producerMap) out.set(pid, { lastDataOffset: e.lastDataOffset, producerEpoch: e.producerEpoch });
    return out;
  }

  describeProducers(): Array<{ producerId: number; producerEpoch: number; lastSequence: number; lastTimestamp: number; coordinatorEpoch: number; currentTxnStartOffset: number }> {
    const out = [];
    for (const e of this.producerMap.values()) {
      out.push({
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        lastSequence: e.lastSeq,
        lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnStartOffset: e.currentTxnFirstOffset,
      });
    }
    return out;
  }

  private get name(): string {
    return topicPartitionKey(this.topicPartition);
  }

  // ---- load, replay, truncation -----------------------------------------------------------------

  /** Builds the state of an opened log: its latest snapshot, then every batch after it. Idempotent per log. */
  load(log: Log): void {
    if (this.logRef === log) return;
    this.logRef = undefined;
    // Only a complete rebuild counts as loaded: a failed read (offline log dir) leaves the manager
    // unloaded, so a later load tries again and no half state is ever snapshotted.
    this.txnIndexRebuildFrom = log.txnIndexRebuildFrom;
    try {
      this.rebuild(log);
    } finally {
      this.txnIndexRebuildFrom = undefined;
    }
    log.txnIndexRebuilt();
    this.logRef = log;
    this.onHighWatermark(log.highWatermark);
  }

  private rebuild(log: Log): void {
    this.producerMap.clear();
    this.ongoingTxns.clear();
    this.unreplicatedTxns = [];
    const start = log.logStartOffset;
    const end = log.logEndOffset;
    let from = start;
    this.lastSnapOffset = start;
    const snapshot = this.readLatestSnapshot(log, end);
    if (snapshot !== undefined) {
      const now = this.clock.nowMs();
      for (const e of snapshot.entries) {
        const entry = new ProducerStateEntry(e.producerId, e.producerEpoch, e.coordinatorEpoch, e.timestamp, e.currentTxnFirstOffset);
        if (e.lastOffset >= 0) entry.batches.push({ lastSeq: e.lastSequence, lastOffset: e.lastOffset, offsetDelta: e.offsetDelta, timestamp: e.timestamp });
        if (this.isExpired(entry, now)) continue;
        this.producerMap.set(e.producerId, entry);
        if (entry.currentTxnFirstOffset >= 0) this.ongoingTxns.set(entry.producerId, entry.currentTxnFirstOffset);
      }
      this.lastSnapOffset = snapshot.offset;
      from = Math.max(snapshot.offset, start);
    }
    this.mapEndOffset = from;
    this.replayingLog = log;
    try {
      this.replay(log, from, end);
    } finally {
      this.replayingLog = undefined;
    }
    this.mapEndOffset = end;
  }

  /**
   * The newest snapshot at or below `end` that parses. A corrupt one (a roll's snapshot is written
   * without an fdatasync, so a power cut can tear it) is removed and the next older one tried, as
   * Kafka does; with none left the state is rebuilt from the log start.
   */
  private readLatestSnapshot(log: Log, end: number): { offset: number; entries: ProducerSnapshotEntry[] } | undefined {
    let offsets: number[];
    try {
      offsets = log.producerSnapshotOffsets().filter((o) => o <= end);
    } catch (err) {
      this.logger.warn(`producer state of ${this.name}: cannot list snapshots, rebuilding from the log: ${String(err)}`);
      return undefined;
    }
    for (let i = offsets.length - 1; i >= 0; i--) {
      const offset = offsets[i]!;
      let found: { offset: number; data: Buffer } | undefined;
      try {
        found = log.producerSnapshot(offset);
      } catch (err) {
        this.logger.warn(`producer state of ${this.name}: cannot read snapshot ${offset}, rebuilding from the log: ${String(err)}`);
        return undefined;
      }
      if (found === undefined) continue;
      try {
        return { offset, entries: readProducerSnapshot(found.data) };
      } catch (err) {
        if (!(err instanceof CorruptProducerSnapshotError)) throw err;
        this.logger.warn(`producer state of ${this.name}: snapshot ${offset} is corrupt (${err.message}); trying an older one`);
        this.removeCorruptSnapshot(log, offset);
      }
    }
    return undefined;
  }

  private removeCorruptSnapshot(log: Log, offset: number): void {
    try {
      log.deleteSnapshot(offset);
    } catch (err) {
      // Left in place it is only tried (and skipped) again at the next load.
      this.logger.warn(`producer state of ${this.name}: cannot remove corrupt snapshot ${offset}: ${String(err)}`);
    }
  }

  /** Applies every batch of [from, end) read back from the log. */
  private replay(log: Log, from: number, end: number): void {
    let offset = from;
    while (offset < end) {
      const info = log.read(offset, REPLAY_READ_BYTES, end, true);
      if (info.slice === undefined) break;
      const buf = Log.readSliceSync(info.slice);
      let pos = 0;
      let next = offset;
      while (pos + HEADER_SIZE <= buf.length) {
        const size = batchSizeAt(buf, pos);
        if (size <= 0 || pos + size > buf.length) break;
        const lastOffset = lastOffsetAt(buf, pos);
        if (lastOffset >= offset) this.applyBatch(buf, pos, size, lastOffset, maxTimestampAt(buf, pos));
        next = Math.max(next, lastOffset + 1);
        pos += size;
      }
      if (next <= offset) break;
      offset = next;
    }
  }

  // ---- hooks ------------------------------------------------------------------------------------

  onAppend(buf: Buffer, batches: readonly AppendedBatch[]): void {
    if (this.logRef === undefined) return;
    for (const b of batches) this.applyBatch(buf, b.at, b.size, b.lastOffset, b.maxTimestamp);
    const last = batches.at(-1);
    if (last !== undefined) this.mapEndOffset = last.lastOffset + 1;
  }

  onTruncate(logEndOffset: number): void {
    const log = this.logRef;
    if (log === undefined || logEndOffset === this.mapEndOffset) return;
    if (log.logStartOffset >= logEndOffset) {
      // Truncated fully (Kafka's truncateFullyAndStartAt): nothing of the old state survives.
      this.producerMap.clear();
      this.ongoingTxns.clear();
      this.unreplicatedTxns = [];
      this.mapEndOffset = logEndOffset;
      this.lastSnapOffset = logEndOffset;
      return;
    }
    this.rebuild(log);
    this.onHighWatermark(log.highWatermark);
  }

  /** Kafka 3.9 keeps producers whose data retention deleted (until they expire), so retries still dedupe. */
  onLogStartOffset(logStartOffset: number): void {
    this.removeUnreplicatedTxns(logStartOffset);
    if (this.mapEndOffset < logStartOffset) this.mapEndOffset = logStartOffset;
  }

  takeSnapshot(offset: number): Buffer | undefined {
    if (this.logRef === undefined || offset <= this.lastSnapOffset) return undefined;
    this.lastSnapOffset = offset;
    return this.snapshotBytes();
  }

  /** The current state in Kafka's snapshot format (entries by producer id). */
  snapshotBytes(): Buffer {
    const entries: ProducerSnapshotEntry[] = [];
    const ids = [...this.producerMap.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const e = this.producerMap.get(id)!;
      entries.push({
        producerId: id,
        producerEpoch: e.producerEpoch,
        lastSequence: e.lastSeq,
        lastOffset: e.lastDataOffset,
        offsetDelta: e.lastOffsetDelta,
        timestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: e.currentTxnFirstOffset,
      });
    }
    return writeProducerSnapshot(entries);
  }

  // ---- expiry -----------------------------------------------------------------------------------

  private isExpired(e: ProducerStateEntry, nowMs: number): boolean {
    return e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp >= this.expirationMs();
  }

  /** Forgets producers idle for producer.id.expiration.ms (none with an open transaction). Returns how many. */
  removeExpiredProducers(nowMs = this.clock.nowMs()): number {
    let n = 0;
    for (const [id, e] of this.producerMap) {
      if (this.isExpired(e, nowMs)) {
        this.producerMap.delete(id);
        n++;
      }
    }
    return n;
  }

  // ---- applying batches (every origin) ----------------------------------------------------------

  /**
   * Kafka's ProducerAppendInfo for replicated/replayed batches: the epoch is not checked against an
   * older one (logged), sequences are not checked; control batches end the producer's transaction.
   */
  private applyBatch(buf: Buffer, at: number, size: number, lastOffset: number, maxTimestamp: number): void {
    const producerId = producerIdAt(buf, at);
    if (producerId < 0) return;
    const epoch = producerEpochAt(buf, at);
    const firstOffset = baseOffsetAt(buf, at);
    let entry = this.producerMap.get(producerId);
    if (entry === undefined) {
      entry = new ProducerStateEntry(producerId);
      this.producerMap.set(producerId, entry);
    }
    if (epoch < entry.producerEpoch) {
      this.logger.warn(`producer ${producerId} appended epoch ${epoch} at offset ${firstOffset} of ${this.name}, older than ${entry.producerEpoch}`);
    }
    if (isControlAt(buf, at)) {
      this.applyMarker(entry, buf.subarray(at, at + size), epoch, firstOffset, maxTimestamp);
      return;
    }
    const baseSeq = baseSequenceAt(buf, at);
    const delta = lastOffset - firstOffset;
    const lastSeq = baseSeq < 0 ? NO_SEQUENCE : incrementSequence(baseSeq, lastOffsetDeltaAt(buf, at));
    entry.addBatch(epoch, lastSeq, lastOffset, delta, maxTimestamp);
    const transactional = isTransactionalAt(buf, at);
    if (transactional && entry.currentTxnFirstOffset < 0) this.setTxnFirstOffset(entry, firstOffset);
  }

  private applyMarker(entry: ProducerStateEntry, batch: Buffer, epoch: number, offset: number, timestamp: number): void {
    let marker;
    try {
      marker = endTxnMarkerOf(new RecordBatch(batch));
    } catch (err) {
      // An emptied control batch (its transaction was cleaned away) carries no marker: nothing to apply.
      this.logger.info(`producer state of ${this.name}: control batch at ${offset} has no readable marker: ${String(err)}`);
      return;
    }
    if (marker === null) return;
    if (marker.coordinatorEpoch < entry.coordinatorEpoch) {
      this.logger.info(`marker of producer ${entry.producerId} at ${offset} of ${this.name} has coordinator epoch ${marker.coordinatorEpoch} < ${entry.coordinatorEpoch}`);
    }
    const firstOffset = entry.currentTxnFirstOffset >= 0 ? entry.currentTxnFirstOffset : offset;
    entry.maybeUpdateProducerEpoch(epoch);
    entry.coordinatorEpoch = marker.coordinatorEpoch;
    entry.lastTimestamp = timestamp;
    const txn: CompletedTxn = { producerId: entry.producerId, firstOffset, lastOffset: offset, isAborted: marker.type === 0 };
    // Kafka's order: the txn index entry takes the LSO while the transaction still counts as open
    // (only other producers' open transactions matter), then the transaction completes.
    if (txn.isAborted) this.indexAbortedTxn(txn);
    this.setTxnFirstOffset(entry, -1);
    this.unreplicatedTxns.push(txn);
    this.onCompletedTxn?.(txn);
  }

  /**
   * Writes an aborted transaction into the txn index of the segment holding its marker: on every
   * live append (leader or follower) and, while loading, for markers in segments recovery revalidated.
   */
  private indexAbortedTxn(txn: CompletedTxn): void {
    let log = this.logRef;
    if (this.replayingLog !== undefined) {
      // A replay re-reads markers already indexed, except in segments recovery revalidated.
      const from = this.txnIndexRebuildFrom;
      log = from !== undefined && txn.lastOffset >= from ? this.replayingLog : undefined;
    }
    if (log === undefined) return;
    log.appendAbortedTxn({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: this.lastStableOffsetOf(txn) });
  }

  // ---- checks of a client's append (leader) -----------------------------------------------------

  /**
   * Kafka's analyzeAndValidateProducerState for a client's produce, before anything is written:
   * a batch that repeats one of its producer's last NUM_BATCHES_TO_RETAIN batches (same epoch, same
   * sequence range) makes the whole append a duplicate, answered with that batch's offsets; an
   * epoch older than the producer's is INVALID_PRODUCER_EPOCH; a sequence that does not follow the
   * last one (or a new epoch not starting at 0) is OUT_OF_ORDER_SEQUENCE_NUMBER. A producer this
   * partition does not know (never seen, or expired) may start at any sequence — Kafka 3.9's answer to
   * UNKNOWN_PRODUCER_ID (KIP-360). `firstOffset` is where the append would start (messages only).
   */
  checkClientAppend(buf: Buffer, firstOffset: number): ProducerAppendCheck {
    let updated: Map<number, ProducerStateEntry> | undefined;
    let offset = firstOffset;
    let pos = 0;
    while (pos + HEADER_SIZE <= buf.length) {
      const size = batchSizeAt(buf, pos);
      const delta = lastOffsetDeltaAt(buf, pos);
      const producerId = producerIdAt(buf, pos);
      if (producerId >= 0 && !isControlAt(buf, pos)) {
        const epoch = producerEpochAt(buf, pos);
        const firstSeq = baseSequenceAt(buf, pos);
        const lastSeq = incrementSequence(firstSeq, delta);
        const current = this.producerMap.get(producerId);
        const dup = current?.findDuplicate(epoch, firstSeq, lastSeq);
        if (dup !== undefined) {
          return { kind: 'duplicate', firstOffset: batchFirstOffset(dup), lastOffset: dup.lastOffset, timestamp: dup.timestamp };
        }
        updated ??= new Map();
        const base = current ?? new ProducerStateEntry(producerId);
        const scratch = updated.get(producerId) ?? ProducerStateEntry.scratchOf(base);
        const problem = this.checkDataBatch(scratch, base, epoch, firstSeq, offset);
        if (problem !== undefined) return problem;
        const transactional = isTransactionalAt(buf, pos);
        scratch.addBatch(epoch, lastSeq, offset + delta, delta, maxTimestampAt(buf, pos));
        if (scratch.currentTxnFirstOffset >= 0 && !transactional) {
          return error('INVALID_TXN_STATE', `Expected transactional write from producer ${producerId} at offset ${offset} in partition ${this.name}`);
        }
        if (scratch.currentTxnFirstOffset < 0 && transactional) scratch.currentTxnFirstOffset = offset;
        updated.set(producerId, scratch);
      }
      offset += delta + 1;
      pos += size;
    }
    return APPEND;
  }

  /**
   * Kafka's appendEndTxnMarker checks for markers written by a transaction coordinator (origin
   * COORDINATOR), before anything is written: a producer epoch older than the partition's →
   * INVALID_PRODUCER_EPOCH; a coordinator epoch older than the one of the producer's last marker →
   * TRANSACTION_COORDINATOR_FENCED. (Replicated and replayed markers are only logged.)
   */
  checkMarkerAppend(buf: Buffer): ProducerAppendCheck {
    let pos = 0;
    while (pos + HEADER_SIZE <= buf.length) {
      const size = batchSizeAt(buf, pos);
      const producerId = producerIdAt(buf, pos);
      const entry = this.producerMap.get(producerId);
      if (entry !== undefined && isControlAt(buf, pos)) {
        const epoch = producerEpochAt(buf, pos);
        if (epoch < entry.producerEpoch) {
          return error('INVALID_PRODUCER_EPOCH', `Epoch of producer ${producerId} in ${this.name} is ${epoch}, which is smaller than the last seen epoch ${entry.producerEpoch}`);
        }
        const marker = endTxnMarkerOf(new RecordBatch(buf.subarray(pos, pos + size)));
        if (marker !== null && entry.coordinatorEpoch > marker.coordinatorEpoch) {
          return error(
            'TRANSACTION_COORDINATOR_FENCED',
            `Invalid coordinator epoch for producer ${producerId} in ${this.name}: ${marker.coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`,
          );
        }
      }
      pos += size;
    }
    return APPEND;
  }

  private checkDataBatch(updated: ProducerStateEntry, current: ProducerStateEntry, epoch: number, firstSeq: number, offset: number): ProducerAppendCheck | undefined {
    const id = current.producerId;
    if (epoch < updated.producerEpoch) {
      return error(
        'INVALID_PRODUCER_EPOCH',
        `Epoch of producer ${id} at offset ${offset} in ${this.name} is ${epoch}, which is smaller than the last seen epoch ${updated.producerEpoch}`,
      );
    }
    if (epoch !== updated.producerEpoch) {
      if (firstSeq !== 0 && updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        return error(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `Invalid sequence number for new epoch of producer ${id} at offset ${offset} in partition ${this.name}: ` +
            `${epoch} (request epoch), ${firstSeq} (seq. number), ${updated.producerEpoch} (current producer epoch)`,
        );
      }
      return undefined;
    }
    const currentLastSeq = !updated.isEmpty ? updated.lastSeq : epoch === current.producerEpoch ? current.lastSeq : NO_SEQUENCE;
    // No known epoch (a new or expired producer, or its data was deleted): any sequence is accepted.
    if (current.producerEpoch === NO_PRODUCER_EPOCH || inSequence(currentLastSeq, firstSeq)) return undefined;
    return error(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      `Out of order sequence number for producer ${id} at offset ${offset} in partition ${this.name}: ` +
        `${firstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`,
    );
  }
}

function error(code: ProducerStateErrorCode, message: string): ProducerAppendCheck {
  return { kind: 'error', error: code, message };
}

export interface ProducerStatesParams {
  readonly clock: Clock;
  readonly logger?: StorageLogger;
  /** producer.id.expiration.ms, read at each use (a cluster-wide dynamic config). */
  readonly producerIdExpirationMs: () => number;
}

/**
 * The ProducerStateManager of every log, keyed by partition: LogManager's `producerStateHooks`
 * factory (`hooksFor`) creates one per opened log; the produce path finds it with `get`.
 */
export class ProducerStates {
  private readonly managers = new Map<string, ProducerStateManager>();

  constructor(private readonly params: ProducerStatesParams) {}

  /** A fresh manager for a log being opened (replacing one of an earlier log of the same partition). */
  hooksFor(tp: TopicPartition): ProducerStateManager {
    const m = new ProducerStateManager({
      topicPartition: tp,
      clock: this.params.clock,
      producerIdExpirationMs: this.params.producerIdExpirationMs,
      ...(this.params.logger === undefined ? {} : { logger: this.params.logger }),
    });
    this.managers.set(topicPartitionKey(tp), m);
    return m;
  }

  get(tp: TopicPartition): ProducerStateManager | undefined {
    return this.managers.get(topicPartitionKey(tp));
  }

  forget(tp: TopicPartition): void {
    this.managers.delete(topicPartitionKey(tp));
  }

  /** producer.id.expiration.check.interval.ms tick: expires idle producers everywhere. */
  removeExpiredProducers(nowMs = this.params.clock.nowMs()): number {
    let n = 0;
    for (const m of this.managers.values()) n += m.removeExpiredProducers(nowMs);
    return n;
  }
}
