import { DecodeError } from '../codec/index.js';
import { Reader } from '../codec/index.js';
import { CorruptRecordsError, RecordCountError } from './errors.js';

/** One header of a record: a UTF-8 key and a nullable value (a view into the batch). */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record of a v2 batch, decoded lazily. Key, value and header values are views, not copies. */
export interface Record {
  /** baseOffset + offsetDelta. */
  offset: number;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp when it uses LogAppendTime. */
  timestamp: number;
  offsetDelta: number;
  timestampDelta: number;
  /** Record-level attributes: unused by every Kafka version so far, kept as read. */
  attributes: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Bytes this record takes in the (uncompressed) records section, length prefix included. */
  sizeInBytes: number;
}

/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, header count. */
export const MIN_RECORD_SIZE = 7;

/** Where the records of a batch are and how their offsets and timestamps resolve. */
export interface RecordsSource {
  /** The uncompressed records section. */
  data: Buffer;
  recordCount: number;
  baseOffset: number;
  baseTimestamp: number;
  /** Set for LogAppendTime batches: every record's timestamp is this. */
  logAppendTime: number | null;
}

/**
 * Iterates exactly `recordCount` records over `data`, checking every length against the bytes left,
 * and that the records fill the section exactly. Any malformation is a CorruptRecordsError.
 */
export function* iterateRecords(src: RecordsSource): Generator<Record, void, undefined> {
  const r = new Reader(src.data);
  if (src.recordCount < 0) throw new RecordCountError(`negative record count ${src.recordCount}`);
  if (src.recordCount > src.data.length / MIN_RECORD_SIZE) {
    throw new RecordCountError(`record count ${src.recordCount} cannot fit in ${src.data.length} bytes`);
  }
  for (let i = 0; i < src.recordCount; i++) {
    if (r.remaining() === 0) throw new RecordCountError(`records end after ${i} of ${src.recordCount}`);
    yield readRecord(r, src, i);
  }
  if (r.remaining() !== 0) {
    throw new RecordCountError(`${r.remaining()} bytes left after the batch's ${src.recordCount} records`);
  }
}

/** Reads one record at the reader's position. Exposed for callers that walk records themselves. */
export function readRecord(r: Reader, src: RecordsSource, index: number): Record {
  const start = r.pos;
  try {
    const length = r.varint();
    if (length < MIN_RECORD_SIZE - 1 || length > r.remaining()) {
      throw new CorruptRecordsError(`record ${index}: length ${length} does not fit in ${r.remaining()} bytes`);
    }
    const end = r.pos + length;
    // A sub-reader ending at the record's end keeps every field inside the declared length.
    const body = new Reader(r.buf, r.pos, end);
    const attributes = body.int8();
    const timestampDelta = body.varlong();
    const offsetDelta = body.varint();
    const key = nullableVarBytes(body, 'key');
    const value = nullableVarBytes(body, 'value');
    const headerCount = body.varint();
    // Each header takes at least two bytes (key length and value length).
    if (headerCount < 0 || headerCount * 2 > body.remaining()) {
      throw new CorruptRecordsError(`record ${index}: bad header count ${headerCount}`);
    }
    const headers: RecordHeader[] = new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyLength = body.varint();
      if (keyLength < 0) throw new CorruptRecordsError(`record ${index}: null header key`);
      const hkey = body.utf8(keyLength);
      headers[h] = { key: hkey, value: nullableVarBytes(body, 'header value') };
    }
    if (body.remaining() !== 0) {
      throw new CorruptRecordsError(`record ${index}: ${body.remaining()} bytes left inside its declared length`);
    }
    r.pos = end;
    return {
      offset: src.baseOffset + offsetDelta,
      timestamp: src.logAppendTime ?? src.baseTimestamp + timestampDelta,
      offsetDelta,
      timestampDelta,
      attributes,
      key,
      value,
      headers,
      sizeInBytes: end - start,
    };
  } catch (e) {
    if (e instanceof CorruptRecordsError) throw e;
    if (e instanceof DecodeError) throw new CorruptRecordsError(`record ${index}: ${e.message}`);
    throw e;
  }
}

function nullableVarBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n < -1) throw new CorruptRecordsError(`negative ${what} length ${n}`);
  return n === -1 ? null : r.bytes(n);
}
