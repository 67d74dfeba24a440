import { assertNever } from '../../common/index.js';
import { buildRecordBatch } from './builder.js';
import { CorruptRecordsError } from './errors.js';
import type { Record } from './record.js';
import type { RecordBatch } from './record-batch.js';

/**
 * Control records: the transaction markers a transaction coordinator writes into each partition
 * (a control batch holds exactly one). Key = version int16 + type int16; the value of an
 * end-transaction marker = version int16 + coordinatorEpoch int32.
 */
export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TXN_MARKER_VERSION = 0;
const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VALUE_SIZE = 6;

export interface EndTxnMarker {
  type: ControlRecordType;
  coordinatorEpoch: number;
}

export interface BuildControlBatchOptions {
  type: ControlRecordType;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** Epoch milliseconds of the marker (the caller's clock). */
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

export function controlTypeName(type: ControlRecordType): 'ABORT' | 'COMMIT' {
  switch (type) {
    case 0:
      return 'ABORT';
    case 1:
      return 'COMMIT';
    default:
      return assertNever(type, 'control record type');
  }
}

/** A transactional control batch holding one COMMIT or ABORT marker. */
export function buildControlBatch(o: BuildControlBatchOptions): Buffer {
  const key = Buffer.alloc(CONTROL_KEY_SIZE);
  key.writeInt16BE(CONTROL_RECORD_KEY_VERSION, 0);
  key.writeInt16BE(o.type, 2);
  const value = Buffer.alloc(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(o.coordinatorEpoch, 2);
  return buildRecordBatch({
    baseOffset: o.baseOffset ?? 0,
    ...(o.partitionLeaderEpoch === undefined ? {} : { partitionLeaderEpoch: o.partitionLeaderEpoch }),
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    isTransactional: true,
    isControl: true,
    timestamp: o.timestamp,
    records: [{ key, value }],
  });
}

/**
 * The type of a control record from its key. Kafka reads only the version and type, ignoring any
 * bytes a newer key version may append; unknown types are returned as their code so callers can skip them.
 */
export function parseControlRecordType(key: Buffer | null): number {
  if (key === null || key.length < CONTROL_KEY_SIZE) throw new CorruptRecordsError('control record key is too short');
  const version = key.readInt16BE(0);
  if (version < 0) throw new CorruptRecordsError(`invalid control record key version ${version}`);
  return key.readInt16BE(2);
}

/** Decodes a COMMIT/ABORT marker record; throws CorruptRecordsError for anything else. */
export function parseEndTxnMarker(record: Pick<Record, 'key' | 'value'>): EndTxnMarker {
  const type = parseControlRecordType(record.key);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) {
    throw new CorruptRecordsError(`control record type ${type} is not an end-transaction marker`);
  }
  const value = record.value;
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new CorruptRecordsError('end-transaction marker value is too short');
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new CorruptRecordsError(`invalid end-transaction marker version ${version}`);
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}

/** The marker of a control batch (its first record), or null if the batch is not a control batch. */
export function endTxnMarkerOf(batch: RecordBatch): EndTxnMarker | null {
  if (!batch.isControl) return null;
  for (const record of batch.records()) return parseEndTxnMarker(record);
  throw new CorruptRecordsError('control batch has no records');
}
