/**
 * Record batch validation per MiB: node <build>/bench/micro/record-batch.js
 * - 1 MiB of 1 KiB batches (one ~1 KiB record each, the shape of a small-message producer):
 *   walk + verifyCrc + header reads; full validateBatch (decoding every record);
 * - 1 MiB of 16 KiB batches of 100-byte records: full validateBatch;
 * - one lz4 batch holding 1 MiB of records: validateBatch with decompression.
 * Prints one JSON line.
 */
import { RecordBatch, buildRecordBatch, iterateBatches, validateBatch, type RecordInput } from '../../src/protocol/records/index.js';
import { bench, machine, type BenchResult } from './harness.js';

function batches(totalBytes: number, recordsPerBatch: number, valueBytes: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  let offset = 0;
  while (size < totalBytes) {
    const records: RecordInput[] = Array.from({ length: recordsPerBatch }, (_, i) => ({
      key: `key-${offset + i}`,
      value: Buffer.alloc(valueBytes, 97 + (i % 26)),
      timestamp: 1_700_000_000_000 + i,
    }));
    const b = buildRecordBatch({ baseOffset: offset, records, producerId: 1, producerEpoch: 0, baseSequence: offset });
    parts.push(b);
    size += b.length;
    offset += recordsPerBatch;
  }
  return Buffer.concat(parts);
}

const small = batches(1 << 20, 1, 950);
const medium = batches(1 << 20, 160, 90);
const lz4Records: RecordInput[] = Array.from({ length: 8000 }, (_, i) => ({
  key: `key-${i}`,
  value: JSON.stringify({ id: i, user: `user-${i % 977}`, action: ['view', 'click', 'buy'][i % 3], note: 'lorem ipsum dolor sit amet' }),
  timestamp: 1_700_000_000_000 + i,
}));
const lz4Batch = buildRecordBatch({ records: lz4Records, compression: 3 });
const lz4Uncompressed = lz4Records.reduce((n, r) => n + String(r.value).length + String(r.key).length + 10, 0);

const results: BenchResult[] = [];
let sink = 0;
results.push(bench('1 KiB batches: iterate + verifyCrc + header fields, per MiB', () => {
  for (const b of iterateBatches(small)) {
    if (!b.verifyCrc()) throw new Error('crc');
    sink += b.lastOffset + b.producerId + b.baseSequence + b.recordCount;
  }
}, { bytesPerOp: small.length }));
results.push(bench('1 KiB batches: validateBatch without records, per MiB', () => {
  for (const b of iterateBatches(small)) if (validateBatch(b.buf, { records: false }) !== null) throw new Error('invalid');
}, { bytesPerOp: small.length }));
results.push(bench('1 KiB batches: validateBatch with records, per MiB', () => {
  for (const b of iterateBatches(small)) if (validateBatch(b.buf) !== null) throw new Error('invalid');
}, { bytesPerOp: small.length }));
results.push(bench('16 KiB batches of 100 B records: validateBatch with records, per MiB', () => {
  for (const b of iterateBatches(medium)) if (validateBatch(b.buf) !== null) throw new Error('invalid');
}, { bytesPerOp: medium.length }));
results.push(bench('lz4 batch (~1 MiB of records): validateBatch with decompression, per uncompressed MiB', () => {
  if (validateBatch(lz4Batch) !== null) throw new Error('invalid');
}, { bytesPerOp: lz4Uncompressed, runs: 3 }));
void RecordBatch;
process.stdout.write(JSON.stringify({ bench: 'record-batch', machine: machine(), sink, results }) + '\n');
