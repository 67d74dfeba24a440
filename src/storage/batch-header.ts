import { crc32c } from '../common/index.js';
import { ATTR_CONTROL, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../protocol/index.js';

/**
 * Fixed-offset reads of a record batch (magic 2) header straight from a buffer. Storage scans
 * headers of file chunks in bulk (recovery, index rebuild, reads) without creating objects, so it
 * keeps this small helper rather than a view per batch; record-level work uses protocol/records.
 */
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** Size of the v2 header, records follow. */
export const HEADER_SIZE = BATCH_HEADER_SIZE;
/** baseOffset + batchLength: the part of the header not counted in batchLength. */
export { LOG_OVERHEAD };

export const TIMESTAMP_TYPE_MASK = ATTR_TIMESTAMP_TYPE;
export const TRANSACTIONAL_MASK = ATTR_TRANSACTIONAL;
export const CONTROL_MASK = ATTR_CONTROL;

/**
 * A signed 64-bit big-endian value as a number (offsets and timestamps stay far below 2^53).
 * Unchecked, unlike protocol's int64At/writeInt64At (NaN / assertion outside ±2^53): storage
 * indexes whatever a validated batch carries.
 */
export function int64At(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}
export function writeInt64At(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, at + 4);
}
export function baseOffsetAt(buf: Buffer, pos: number): number {
  return int64At(buf, pos + BASE_OFFSET_OFFSET);
}
export function setBaseOffsetAt(buf: Buffer, pos: number, offset: number): void {
  writeInt64At(buf, pos + BASE_OFFSET_OFFSET, offset);
}
export function batchLengthAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
}
/** Whole size of the batch on disk, including the 12-byte log overhead. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
}
export function leaderEpochAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET);
}
export function setLeaderEpochAt(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}
export function magicAt(buf: Buffer, pos: number): number {
  return buf.readInt8(pos + MAGIC_OFFSET);
}
export function attributesAt(buf: Buffer, pos: number): number {
  return buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
}
export function lastOffsetDeltaAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
}
export function lastOffsetAt(buf: Buffer, pos: number): number {
  return baseOffsetAt(buf, pos) + lastOffsetDeltaAt(buf, pos);
}
export function maxTimestampAt(buf: Buffer, pos: number): number {
  return int64At(buf, pos + MAX_TIMESTAMP_OFFSET);
}
export function producerIdAt(buf: Buffer, pos: number): number {
  return int64At(buf, pos + PRODUCER_ID_OFFSET);
}
export function producerEpochAt(buf: Buffer, pos: number): number {
  return buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET);
}
export function baseSequenceAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET);
}
export function recordsCountAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
}
export function isControlAt(buf: Buffer, pos: number): boolean {
  return (attributesAt(buf, pos) & CONTROL_MASK) !== 0;
}
export function isTransactionalAt(buf: Buffer, pos: number): boolean {
  return (attributesAt(buf, pos) & TRANSACTIONAL_MASK) !== 0;
}
export function storedCrcAt(buf: Buffer, pos: number): number {
  return buf.readUInt32BE(pos + CRC_OFFSET);
}
/** The CRC-32C over attributes..end, as the header should carry it. */
export function computeCrcAt(buf: Buffer, pos: number): number {
  const size = batchSizeAt(buf, pos);
  return crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + size));
}
export function updateCrcAt(buf: Buffer, pos: number): void {
  buf.writeUInt32BE(computeCrcAt(buf, pos), pos + CRC_OFFSET);
}

/**
 * Why the batch at `pos` is not a well-formed, checksummed v2 batch fully inside `buf[pos, end)`,
 * or undefined when it is. Used by recovery and by append validation.
 */
export function batchProblemAt(buf: Buffer, pos: number, end: number, verifyCrc: boolean): string | undefined {
  if (end - pos < HEADER_SIZE) return `only ${end - pos} bytes left, a batch header needs ${HEADER_SIZE}`;
  const length = batchLengthAt(buf, pos);
  if (length < HEADER_SIZE - LOG_OVERHEAD) return `batch length ${length} is smaller than a header`;
  if (length + LOG_OVERHEAD > end - pos) return `batch length ${length} runs past the end (${end - pos} bytes left)`;
  const magic = magicAt(buf, pos);
  if (magic !== 2) return `magic ${magic} is not supported (only record batch v2)`;
  if (lastOffsetDeltaAt(buf, pos) < 0) return 'negative last offset delta';
  if (baseOffsetAt(buf, pos) < 0) return 'negative base offset';
  if (verifyCrc && storedCrcAt(buf, pos) !== computeCrcAt(buf, pos)) return 'CRC mismatch';
  return undefined;
}
