import { crc32c } from '../../common/index.js';
import { int64At, isSafeInt64At, writeInt64At } from '../codec/index.js';
import { CompressionError, CorruptRecordsError, RecordCountError } from './errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompress, isCompressionType, type CompressionType } from './compression.js';
import { iterateRecords, MIN_RECORD_SIZE, type Record } from './record.js';

/**
 * Record batch format v2 (magic 2), the only one Gregor stores. Layout (big-endian):
 *
 *   0 baseOffset int64         | 12 partitionLeaderEpoch int32 | 17 crc uint32 (CRC-32C of 21..end)
 *   8 batchLength int32        | 16 magic int8                 | 21 attributes int16
 *  23 lastOffsetDelta int32    | 27 baseTimestamp int64        | 35 maxTimestamp int64
 *  43 producerId int64         | 51 producerEpoch int16        | 53 baseSequence int32
 *  57 recordCount int32        | 61 records...
 *
 * baseOffset and partitionLeaderEpoch sit before the CRC'd range so that the broker can assign
 * them in place without recomputing the checksum.
 */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes before what batchLength counts. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

const OFF_BASE_OFFSET = 0;
const OFF_BATCH_LENGTH = 8;
const OFF_PARTITION_LEADER_EPOCH = 12;
const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;
const OFF_BASE_TIMESTAMP = 27;
const OFF_MAX_TIMESTAMP = 35;
const OFF_PRODUCER_ID = 43;
const OFF_PRODUCER_EPOCH = 51;
const OFF_BASE_SEQUENCE = 53;
const OFF_RECORD_COUNT = 57;
/** The CRC covers everything from the attributes to the end of the batch. */
export const CRC_START = OFF_ATTRIBUTES;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

/** Reads an int64 as a number; values beyond ±(2^53-1) are a corrupt batch. */
function readInt64(buf: Buffer, pos: number, what: string): number {
  const v = int64At(buf, pos);
  if (Number.isNaN(v)) throw new CorruptRecordsError(`${what} is outside the safe integer range`);
  return v;
}

/** Options for reading records out of a batch. */
export interface RecordsOptions {
  /** Bound on the decompressed records section (compressed batches only). */
  maxDecompressedBytes?: number;
}

/**
 * A zero-copy view over a Buffer holding one v2 batch. Getters read fixed offsets; setters write
 * in place. The view does not validate on construction (beyond the header being present): call
 * validateBatch() on untrusted input first, or getters of a corrupt batch may throw
 * CorruptRecordsError.
 */
export class RecordBatch {
  readonly buf: Buffer;

  constructor(buf: Buffer) {
    if (buf.length < BATCH_HEADER_SIZE) {
      throw new CorruptRecordsError(`record batch needs ${BATCH_HEADER_SIZE} bytes, got ${buf.length}`);
    }
    this.buf = buf;
  }

  get baseOffset(): number {
    return readInt64(this.buf, OFF_BASE_OFFSET, 'baseOffset');
  }
  set baseOffset(v: number) {
    writeInt64At(this.buf, OFF_BASE_OFFSET, v);
  }

  get batchLength(): number {
    return this.buf.readInt32BE(OFF_BATCH_LENGTH);
  }

  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(OFF_PARTITION_LEADER_EPOCH);
  }
  set partitionLeaderEpoch(v: number) {
    this.buf.writeInt32BE(v, OFF_PARTITION_LEADER_EPOCH);
  }

  get magic(): number {
    return this.buf.readInt8(OFF_MAGIC);
  }

  get crc(): number {
    return this.buf.readUInt32BE(OFF_CRC);
  }

  get attributes(): number {
    return this.buf.readInt16BE(OFF_ATTRIBUTES);
  }

  /** Attribute bits 0-2. Throws CorruptRecordsError for the undefined codes 5-7. */
  get compression(): CompressionType {
    const c = this.attributes & ATTR_COMPRESSION_MASK;
    if (!isCompressionType(c)) throw new CompressionError('unsupported', `unknown compression type ${c}`);
    return c;
  }

  get timestampType(): TimestampType {
    return this.attributes & ATTR_TIMESTAMP_TYPE ? 1 : 0;
  }

  get isTransactional(): boolean {
    return (this.attributes & ATTR_TRANSACTIONAL) !== 0;
  }

  get isControl(): boolean {
    return (this.attributes & ATTR_CONTROL) !== 0;
  }

  /** Set on batches the log cleaner rewrote with a delete horizon (KIP-534); baseTimestamp then holds it. */
  get hasDeleteHorizon(): boolean {
    return (this.attributes & ATTR_DELETE_HORIZON) !== 0;
  }

  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(OFF_LAST_OFFSET_DELTA);
  }

  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }

  get nextOffset(): number {
    return this.lastOffset + 1;
  }

  get baseTimestamp(): number {
    return readInt64(this.buf, OFF_BASE_TIMESTAMP, 'baseTimestamp');
  }
  /** Inside the CRC'd range: call updateCrc() afterwards. */
  set baseTimestamp(v: number) {
    writeInt64At(this.buf, OFF_BASE_TIMESTAMP, v);
  }

  get maxTimestamp(): number {
    return readInt64(this.buf, OFF_MAX_TIMESTAMP, 'maxTimestamp');
  }
  /** Inside the CRC'd range: call updateCrc() afterwards. */
  set maxTimestamp(v: number) {
    writeInt64At(this.buf, OFF_MAX_TIMESTAMP, v);
  }

  get producerId(): number {
    return readInt64(this.buf, OFF_PRODUCER_ID, 'producerId');
  }

  get producerEpoch(): number {
    return this.buf.readInt16BE(OFF_PRODUCER_EPOCH);
  }

  get baseSequence(): number {
    return this.buf.readInt32BE(OFF_BASE_SEQUENCE);
  }

  /** Sequence of the last record; sequences wrap from 2^31-1 to 0, as in Kafka. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    return incrementSequence(base, this.lastOffsetDelta);
  }

  get recordCount(): number {
    return this.buf.readInt32BE(OFF_RECORD_COUNT);
  }

  /** LOG_OVERHEAD + batchLength: the whole batch on disk and on the wire. */
  get sizeInBytes(): number {
    return LOG_OVERHEAD + this.batchLength;
  }

  /**
   * Stamps the batch with the broker's time (topic config message.timestamp.type=LogAppendTime):
   * sets the timestamp-type attribute and maxTimestamp, and recomputes the CRC, since both fields
   * are inside its range (as Kafka's setMaxTimestamp does).
   */
  setLogAppendTime(timestampMs: number): void {
    const attributes = this.attributes | ATTR_TIMESTAMP_TYPE;
    this.buf.writeInt16BE(attributes, OFF_ATTRIBUTES);
    this.maxTimestamp = timestampMs;
    this.updateCrc();
  }

  /** CRC-32C over attributes..end of the batch (as bounded by batchLength and the buffer). */
  computeCrc(): number {
    return crc32c(this.buf.subarray(CRC_START, this.end()));
  }

  verifyCrc(): boolean {
    return this.computeCrc() === this.crc;
  }

  updateCrc(): void {
    this.buf.writeUInt32BE(this.computeCrc(), OFF_CRC);
  }

  /** The stored records section: compressed bytes for compressed batches. */
  recordsSection(): Buffer {
    return this.buf.subarray(BATCH_HEADER_SIZE, this.end());
  }

  /**
   * The records, lazily. Uncompressed batches yield views into this buffer; compressed ones are
   * decompressed (synchronously, bounded by maxDecompressedBytes) when iteration starts, and
   * the records are views into the decompressed copy. Throws CorruptRecordsError (or its
   * subclass CompressionError) on malformed input.
   */
  records(options: RecordsOptions = {}): Iterable<Record> {
    return {
      [Symbol.iterator]: () => this.recordsIterator(options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES),
    };
  }

  private recordsIterator(maxDecompressedBytes: number): Generator<Record, void, undefined> {
    const compression = this.compression;
    const section = this.recordsSection();
    const data = compression === 0 ? section : decompress(compression, section, maxDecompressedBytes);
    return iterateRecords({
      data,
      recordCount: this.recordCount,
      baseOffset: this.baseOffset,
      baseTimestamp: this.baseTimestamp,
      logAppendTime: this.timestampType === 1 ? this.maxTimestamp : null,
    });
  }

  private end(): number {
    return Math.min(this.buf.length, Math.max(BATCH_HEADER_SIZE, LOG_OVERHEAD + this.batchLength));
  }
}

/** Kafka's sequence arithmetic: adds `increment`, wrapping past Int32 max back to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1;
  return sequence + increment;
}

/** Size of the batch starting at `pos` (LOG_OVERHEAD + batchLength), or -1 if its length is not there yet. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  if (buf.length - pos < LOG_OVERHEAD) return -1;
  return LOG_OVERHEAD + buf.readInt32BE(pos + OFF_BATCH_LENGTH);
}

/**
 * Splits a concatenation of batches into views. A partial batch at the end (a fetch response cut
 * at its byte limit, a torn write) is not yielded. A length too small for a batch header cannot be
 * stepped over and throws CorruptRecordsError.
 */
export function* iterateBatches(buf: Buffer): Generator<RecordBatch, void, undefined> {
  let pos = 0;
  for (;;) {
    const size = batchSizeAt(buf, pos);
    if (size < 0) return;
    if (size < BATCH_HEADER_SIZE) {
      throw new CorruptRecordsError(`batch at byte ${pos} declares ${size} bytes, less than a batch header`);
    }
    if (size > buf.length - pos) return;
    yield new RecordBatch(buf.subarray(pos, pos + size));
    pos += size;
  }
}

/** What is wrong with a batch, for the broker to answer with the right error code. */
export type BatchProblem =
  | { kind: 'too-short'; size: number }
  | { kind: 'length-mismatch'; batchLength: number; size: number }
  | { kind: 'bad-magic'; magic: number }
  | { kind: 'bad-crc'; stored: number; computed: number }
  | { kind: 'bad-header'; message: string }
  | { kind: 'unsupported-compression'; code: number }
  | { kind: 'record-count-mismatch'; recordCount: number; message: string }
  | { kind: 'last-offset-delta-mismatch'; lastOffsetDelta: number; actual: number }
  | { kind: 'corrupt-record'; message: string }
  | { kind: 'decompression-failed'; message: string }
  | { kind: 'decompressed-too-large'; maxBytes: number };

export interface ValidateOptions extends RecordsOptions {
  /** Also decode every record (decompressing if needed). Default true. */
  records?: boolean;
  /**
   * Apply the rules of a batch fresh from a producer (Kafka's LogValidator): at least one record,
   * and offsets without gaps (lastOffsetDelta + 1 === recordCount). Batches rewritten by
   * compaction legitimately break the second rule, so it is off by default.
   */
  produce?: boolean;
}

/**
 * Checks that `buf` holds exactly one well-formed v2 batch, returning the first problem found or
 * null. Never throws on bad input. Header-only checks (length, magic, CRC, header fields) come
 * first and are cheap; with `records` (the default) every record is also decoded and counted.
 */
export function validateBatch(buf: Buffer, options: ValidateOptions = {}): BatchProblem | null {
  if (buf.length < BATCH_HEADER_SIZE) return { kind: 'too-short', size: buf.length };
  const batch = new RecordBatch(buf);
  const batchLength = batch.batchLength;
  if (LOG_OVERHEAD + batchLength !== buf.length) return { kind: 'length-mismatch', batchLength, size: buf.length };
  if (batch.magic !== CURRENT_MAGIC) return { kind: 'bad-magic', magic: batch.magic };
  const computed = batch.computeCrc();
  if (computed !== batch.crc) return { kind: 'bad-crc', stored: batch.crc, computed };
  const header = headerProblem(batch);
  if (header !== null) return header;
  if (options.produce === true) {
    const recordCount = batch.recordCount;
    if (recordCount === 0) return { kind: 'record-count-mismatch', recordCount, message: 'batch has no records' };
    if (batch.lastOffsetDelta + 1 !== recordCount) {
      return { kind: 'record-count-mismatch', recordCount, message: `lastOffsetDelta ${batch.lastOffsetDelta} does not match` };
    }
  }
  if (options.records === false) return null;
  return recordsProblem(batch, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
}

/** The first int64 header field beyond ±(2^53-1), which Gregor cannot hold as a number; null if none. */
function unsafeInt64Field(buf: Buffer): string | null {
  // Straight-line checks: validateBatch runs on every produced batch, so no table to iterate.
  if (!isSafeInt64At(buf, OFF_BASE_OFFSET)) return 'baseOffset';
  if (!isSafeInt64At(buf, OFF_BASE_TIMESTAMP)) return 'baseTimestamp';
  if (!isSafeInt64At(buf, OFF_MAX_TIMESTAMP)) return 'maxTimestamp';
  if (!isSafeInt64At(buf, OFF_PRODUCER_ID)) return 'producerId';
  return null;
}

function headerProblem(batch: RecordBatch): BatchProblem | null {
  const code = batch.attributes & ATTR_COMPRESSION_MASK;
  if (!isCompressionType(code)) return { kind: 'unsupported-compression', code };
  const unsafe = unsafeInt64Field(batch.buf);
  if (unsafe !== null) return { kind: 'bad-header', message: `${unsafe} is outside the safe integer range` };
  const recordCount = batch.recordCount;
  if (recordCount < 0) return { kind: 'record-count-mismatch', recordCount, message: 'negative record count' };
  if (batch.lastOffsetDelta < 0) return { kind: 'bad-header', message: `negative lastOffsetDelta ${batch.lastOffsetDelta}` };
  if (batch.compression === 0 && recordCount * MIN_RECORD_SIZE > batch.buf.length - BATCH_HEADER_SIZE) {
    return { kind: 'record-count-mismatch', recordCount, message: 'more records than bytes can hold' };
  }
  return null;
}

function recordsProblem(batch: RecordBatch, maxDecompressedBytes: number): BatchProblem | null {
  const recordCount = batch.recordCount;
  let seen = 0;
  let lastDelta = -1;
  try {
    for (const record of batch.records({ maxDecompressedBytes })) {
      // Offsets inside a batch strictly increase (compaction may leave gaps, never reorder).
      if (record.offsetDelta <= lastDelta) {
        return { kind: 'corrupt-record', message: `record ${seen} has offsetDelta ${record.offsetDelta} after ${lastDelta}` };
      }
      lastDelta = record.offsetDelta;
      seen++;
    }
  } catch (e) {
    if (e instanceof CompressionError) {
      if (e.kind === 'too-large') return { kind: 'decompressed-too-large', maxBytes: maxDecompressedBytes };
      if (e.kind === 'unsupported') return { kind: 'unsupported-compression', code: batch.attributes & 7 };
      return { kind: 'decompression-failed', message: e.message };
    }
    if (e instanceof RecordCountError) return { kind: 'record-count-mismatch', recordCount, message: e.message };
    if (e instanceof CorruptRecordsError) return { kind: 'corrupt-record', message: e.message };
    throw e;
  }
  if (recordCount > 0 && lastDelta !== batch.lastOffsetDelta) {
    return { kind: 'last-offset-delta-mismatch', lastOffsetDelta: batch.lastOffsetDelta, actual: lastDelta };
  }
  return null;
}
