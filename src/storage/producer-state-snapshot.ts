import { crc32c } from '../common/index.js';
import { int64At, writeInt64At } from './batch-header.js';

/**
 * Producer-state snapshot files (`<offset>.snapshot`) in Kafka's byte format, so a log dir can move
 * between Gregor and Kafka: version int16 (= 1), crc uint32 (CRC-32C of every byte after it), then
 * an int32-counted array of fixed 46-byte entries:
 *
 *   producer_id int64 | epoch int16 | last_sequence int32 | last_offset int64 | offset_delta int32 |
 *   timestamp int64 | coordinator_epoch int32 | current_txn_first_offset int64 (-1: none)
 *
 * Only the last batch of each producer is kept (its sequence range is last_sequence - offset_delta ..
 * last_sequence); a producer with no batch has last_offset -1.
 */
export const PRODUCER_SNAPSHOT_VERSION = 1;
const CRC_OFFSET = 2;
const ENTRIES_OFFSET = 6;
const ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export interface ProducerSnapshotEntry {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastOffset: number;
  readonly offsetDelta: number;
  readonly timestamp: number;
  readonly coordinatorEpoch: number;
  readonly currentTxnFirstOffset: number;
}

/** A snapshot that fails its version, size or CRC check (Kafka's CorruptSnapshotException). */
export class CorruptProducerSnapshotError extends Error {
  override readonly name = 'CorruptProducerSnapshotError';
}

export function writeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(ENTRIES_OFFSET + 4 + entries.length * ENTRY_SIZE);
  buf.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(entries.length, ENTRIES_OFFSET);
  let pos = ENTRIES_OFFSET + 4;
  for (const e of entries) {
    writeInt64At(buf, pos, e.producerId);
    buf.writeInt16BE(e.producerEpoch, pos + 8);
    buf.writeInt32BE(e.lastSequence, pos + 10);
    writeInt64At(buf, pos + 14, e.lastOffset);
    buf.writeInt32BE(e.offsetDelta, pos + 22);
    writeInt64At(buf, pos + 26, e.timestamp);
    buf.writeInt32BE(e.coordinatorEpoch, pos + 34);
    writeInt64At(buf, pos + 38, e.currentTxnFirstOffset);
    pos += ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_OFFSET)) >>> 0, CRC_OFFSET);
  return buf;
}

/** Parses a snapshot file; throws CorruptProducerSnapshotError when it is not a valid version-1 snapshot. */
export function readProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] {
  if (buf.length < ENTRIES_OFFSET + 4) throw new CorruptProducerSnapshotError(`snapshot of ${buf.length} bytes is too short`);
  const version = buf.readInt16BE(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) throw new CorruptProducerSnapshotError(`Snapshot contained an unknown file version ${version}`);
  const stored = buf.readUInt32BE(CRC_OFFSET);
  const computed = crc32c(buf.subarray(ENTRIES_OFFSET)) >>> 0;
  if (stored !== computed) {
    throw new CorruptProducerSnapshotError(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${stored}. Computed crc: ${computed}`);
  }
  const count = buf.readInt32BE(ENTRIES_OFFSET);
  if (count < 0 || buf.length !== ENTRIES_OFFSET + 4 + count * ENTRY_SIZE) {
    throw new CorruptProducerSnapshotError(`snapshot declares ${count} entries in ${buf.length} bytes`);
  }
  const out: ProducerSnapshotEntry[] = [];
  let pos = ENTRIES_OFFSET + 4;
  for (let i = 0; i < count; i++) {
    const entry: ProducerSnapshotEntry = {
      producerId: safe(int64At(buf, pos), 'producer_id'),
      producerEpoch: buf.readInt16BE(pos + 8),
      lastSequence: buf.readInt32BE(pos + 10),
      lastOffset: safe(int64At(buf, pos + 14), 'last_offset'),
      offsetDelta: buf.readInt32BE(pos + 22),
      timestamp: safe(int64At(buf, pos + 26), 'timestamp'),
      coordinatorEpoch: buf.readInt32BE(pos + 34),
      currentTxnFirstOffset: safe(int64At(buf, pos + 38), 'current_txn_first_offset'),
    };
    out.push(entry);
    pos += ENTRY_SIZE;
  }
  return out;
}

function safe(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new CorruptProducerSnapshotError(`${what} is outside the safe integer range`);
  return v;
}
