import { assert } from '../../common/index.js';
import { Writer, sizeOfVarint, sizeOfVarlong } from '../codec/index.js';
import { compress, type CompressionType } from './compression.js';
import {
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RecordBatch,
  type TimestampType,
} from './record-batch.js';

export type BytesInput = Buffer | string | null;

export interface RecordHeaderInput {
  key: string;
  value: BytesInput;
}

export interface RecordInput {
  key?: BytesInput;
  value: BytesInput;
  headers?: readonly RecordHeaderInput[];
  /** Epoch milliseconds; the batch's `timestamp` option when absent. */
  timestamp?: number;
  /** Offset relative to the batch's base; the record's index when absent (compaction leaves gaps). */
  offsetDelta?: number;
}

export interface BuildRecordBatchOptions {
  baseOffset?: number;
  records: readonly RecordInput[];
  compression?: CompressionType;
  compressionLevel?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  partitionLeaderEpoch?: number;
  timestampType?: TimestampType;
  /** Timestamp of records that carry none (default NO_TIMESTAMP, -1): the builder never reads a clock. */
  timestamp?: number;
  /** Defaults to the first record's timestamp, as Kafka's builder does (deltas may be negative). */
  baseTimestamp?: number;
  /** Defaults to the largest record timestamp (the LogAppendTime for such batches). */
  maxTimestamp?: number;
  /** Marks the batch as rewritten by the cleaner with this delete horizon; it becomes the baseTimestamp. */
  deleteHorizonMs?: number;
  /** Defaults to the last record's offsetDelta (0 for an empty batch). */
  lastOffsetDelta?: number;
}

interface EncodedRecord {
  bodySize: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
}

function toBytes(v: BytesInput | undefined): Buffer | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function sizeOfNullableVarBytes(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeNullableVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.raw(b);
}

/**
 * Encodes a v2 record batch with a correct CRC-32C. Used by tests, clients and the broker's own
 * records (control markers, coordinator state). Synchronous, compression included.
 */
export function buildRecordBatch(options: BuildRecordBatchOptions): Buffer {
  const inputs = options.records;
  const defaultTimestamp = options.timestamp ?? NO_TIMESTAMP;
  const firstTimestamp = inputs.length > 0 ? (inputs[0]!.timestamp ?? defaultTimestamp) : defaultTimestamp;
  const baseTimestamp = options.deleteHorizonMs ?? options.baseTimestamp ?? firstTimestamp;

  let maxTimestamp = NO_TIMESTAMP;
  let lastDelta = -1;
  const encoded: EncodedRecord[] = [];
  let sectionSize = 0;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const timestamp = input.timestamp ?? defaultTimestamp;
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    const offsetDelta = input.offsetDelta ?? i;
    assert(offsetDelta > lastDelta, `record ${i}: offsetDelta ${offsetDelta} must exceed ${lastDelta}`);
    lastDelta = offsetDelta;
    const rec = encodeRecord(input, timestamp - baseTimestamp, offsetDelta);
    encoded.push(rec);
    sectionSize += sizeOfVarint(rec.bodySize) + rec.bodySize;
  }

  const w = new Writer(sectionSize);
  for (const rec of encoded) writeRecord(w, rec);
  const uncompressed = w.buf;
  const compression = options.compression ?? 0;
  const section =
    compression === 0
      ? uncompressed
      : compress(compression, uncompressed, options.compressionLevel === undefined ? {} : { level: options.compressionLevel });

  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  section.copy(buf, BATCH_HEADER_SIZE);
  const h = new Writer(BATCH_HEADER_SIZE);
  h.int64(options.baseOffset ?? 0);
  h.int32(BATCH_HEADER_SIZE - LOG_OVERHEAD + section.length);
  h.int32(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH);
  h.int8(CURRENT_MAGIC);
  h.uint32(0); // CRC, filled in below
  h.int16(attributesOf(options));
  h.int32(options.lastOffsetDelta ?? Math.max(lastDelta, 0));
  h.int64(baseTimestamp);
  h.int64(options.maxTimestamp ?? maxTimestamp);
  h.int64(options.producerId ?? NO_PRODUCER_ID);
  h.int16(options.producerEpoch ?? NO_PRODUCER_EPOCH);
  h.int32(options.baseSequence ?? NO_SEQUENCE);
  h.int32(inputs.length);
  h.buf.copy(buf, 0);
  new RecordBatch(buf).updateCrc();
  return buf;
}

function attributesOf(o: BuildRecordBatchOptions): number {
  let a = o.compression ?? 0;
  if (o.timestampType === 1) a |= ATTR_TIMESTAMP_TYPE;
  if (o.isTransactional === true) a |= ATTR_TRANSACTIONAL;
  if (o.isControl === true) a |= ATTR_CONTROL;
  if (o.deleteHorizonMs !== undefined) a |= ATTR_DELETE_HORIZON;
  return a;
}

function encodeRecord(input: RecordInput, timestampDelta: number, offsetDelta: number): EncodedRecord {
  const key = toBytes(input.key);
  const value = toBytes(input.value);
  const headers = (input.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBytes(h.value) }));
  let bodySize =
    1 + // attributes
    sizeOfVarlong(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    sizeOfNullableVarBytes(key) +
    sizeOfNullableVarBytes(value) +
    sizeOfVarint(headers.length);
  for (const h of headers) bodySize += sizeOfNullableVarBytes(h.key) + sizeOfNullableVarBytes(h.value);
  return { bodySize, timestampDelta, offsetDelta, key, value, headers };
}

function writeRecord(w: Writer, rec: EncodedRecord): void {
  w.varint(rec.bodySize);
  w.int8(0);
  w.varlong(rec.timestampDelta);
  w.varint(rec.offsetDelta);
  writeNullableVarBytes(w, rec.key);
  writeNullableVarBytes(w, rec.value);
  w.varint(rec.headers.length);
  for (const h of rec.headers) {
    writeNullableVarBytes(w, h.key);
    writeNullableVarBytes(w, h.value);
  }
}
