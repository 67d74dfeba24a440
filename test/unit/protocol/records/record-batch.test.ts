import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32cJs } from '../../../../src/common/crc32c.js';
import {
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  RecordBatch,
  batchSizeAt,
  buildRecordBatch,
  CorruptRecordsError,
  iterateBatches,
  validateBatch,
  incrementSequence,
  type BatchProblem,
  type CompressionType,
  type RecordInput,
} from '../../../../src/protocol/records/index.js';
import { Prng } from '../../../support/prng.js';

const SAMPLE: RecordInput[] = [
  { key: 'k0', value: 'v0', timestamp: 1_700_000_000_000, headers: [{ key: 'h', value: 'x' }] },
  { key: null, value: Buffer.from([1, 2, 3]), timestamp: 1_700_000_000_005 },
  { key: 'k2', value: null, timestamp: 1_699_999_999_990, headers: [{ key: 'a', value: null }, { key: 'é', value: '' }] },
];

function sampleBatch(extra: Partial<Parameters<typeof buildRecordBatch>[0]> = {}): Buffer {
  return buildRecordBatch({
    baseOffset: 100,
    partitionLeaderEpoch: 7,
    producerId: 4242,
    producerEpoch: 3,
    baseSequence: 10,
    records: SAMPLE,
    ...extra,
  });
}

test('header fields sit at Kafka\'s fixed offsets', () => {
  const buf = sampleBatch();
  assert.equal(buf.readBigInt64BE(0), 100n);
  assert.equal(buf.readInt32BE(8), buf.length - LOG_OVERHEAD);
  assert.equal(buf.readInt32BE(12), 7);
  assert.equal(buf.readInt8(16), 2);
  // The stored CRC is CRC-32C of bytes 21..end, computed here with the independent JS implementation.
  assert.equal(buf.readUInt32BE(17), crc32cJs(buf.subarray(21)));
  assert.equal(buf.readInt16BE(21), 0);
  assert.equal(buf.readInt32BE(23), 2);
  assert.equal(buf.readBigInt64BE(27), 1_700_000_000_000n);
  assert.equal(buf.readBigInt64BE(35), 1_700_000_000_005n);
  assert.equal(buf.readBigInt64BE(43), 4242n);
  assert.equal(buf.readInt16BE(51), 3);
  assert.equal(buf.readInt32BE(53), 10);
  assert.equal(buf.readInt32BE(57), 3);
  assert.equal(BATCH_HEADER_SIZE, 61);
});

test('getters read the header', () => {
  const b = new RecordBatch(sampleBatch({ isTransactional: true }));
  assert.equal(b.baseOffset, 100);
  assert.equal(b.batchLength, b.buf.length - 12);
  assert.equal(b.sizeInBytes, b.buf.length);
  assert.equal(b.partitionLeaderEpoch, 7);
  assert.equal(b.magic, 2);
  assert.equal(b.compression, 0);
  assert.equal(b.timestampType, 0);
  assert.equal(b.isTransactional, true);
  assert.equal(b.isControl, false);
  assert.equal(b.hasDeleteHorizon, false);
  assert.equal(b.lastOffsetDelta, 2);
  assert.equal(b.lastOffset, 102);
  assert.equal(b.nextOffset, 103);
  assert.equal(b.baseTimestamp, 1_700_000_000_000);
  assert.equal(b.maxTimestamp, 1_700_000_000_005);
  assert.equal(b.producerId, 4242);
  assert.equal(b.producerEpoch, 3);
  assert.equal(b.baseSequence, 10);
  assert.equal(b.lastSequence, 12);
  assert.equal(b.recordCount, 3);
  assert.ok(b.verifyCrc());
});

test('defaults: no producer id/epoch/sequence, leader epoch -1, and -1 reads back as a number', () => {
  const b = new RecordBatch(buildRecordBatch({ records: [{ value: 'x' }] }));
  assert.equal(b.producerId, -1);
  assert.equal(b.producerEpoch, -1);
  assert.equal(b.baseSequence, -1);
  assert.equal(b.lastSequence, -1);
  assert.equal(b.partitionLeaderEpoch, -1);
  assert.equal(b.baseOffset, 0);
  assert.equal(b.baseTimestamp, -1);
  assert.equal(validateBatch(b.buf), null);
});

test('records iterate with offsets, timestamps, keys, values and headers', () => {
  const b = new RecordBatch(sampleBatch());
  const records = [...b.records()];
  assert.equal(records.length, 3);
  assert.deepEqual(
    records.map((r) => [r.offset, r.offsetDelta, r.timestamp, r.timestampDelta, r.key?.toString() ?? null]),
    [
      [100, 0, 1_700_000_000_000, 0, 'k0'],
      [101, 1, 1_700_000_000_005, 5, null],
      [102, 2, 1_699_999_999_990, -10, 'k2'],
    ],
  );
  assert.equal(records[0]!.value!.toString(), 'v0');
  assert.deepEqual(records[1]!.value, Buffer.from([1, 2, 3]));
  assert.equal(records[2]!.value, null);
  assert.deepEqual(records[0]!.headers, [{ key: 'h', value: Buffer.from('x') }]);
  assert.deepEqual(records[2]!.headers, [
    { key: 'a', value: null },
    { key: 'é', value: Buffer.alloc(0) },
  ]);
  const total = records.reduce((n, r) => n + r.sizeInBytes, 0);
  assert.equal(total, b.buf.length - BATCH_HEADER_SIZE);
});

test('uncompressed records are views into the batch buffer, not copies', () => {
  const b = new RecordBatch(sampleBatch());
  const [first] = b.records();
  assert.ok(first?.value);
  assert.equal(first.value.buffer, b.buf.buffer);
  // Writing through the batch shows through the view.
  const at = first.value.byteOffset - b.buf.byteOffset;
  b.buf[at] = 0x5a;
  assert.equal(first.value[0], 0x5a);
});

test('records() is lazy and re-iterable', () => {
  const b = new RecordBatch(sampleBatch());
  const it = b.records();
  const iter = it[Symbol.iterator]();
  assert.equal(iter.next().value?.offset, 100);
  assert.equal([...it].length, 3);
  assert.equal([...it].length, 3);
});

test('baseOffset and partitionLeaderEpoch are set in place without touching the CRC', () => {
  const b = new RecordBatch(sampleBatch());
  const crc = b.crc;
  b.baseOffset = 2 ** 40 + 5;
  b.partitionLeaderEpoch = 99;
  assert.equal(b.baseOffset, 2 ** 40 + 5);
  assert.equal(b.partitionLeaderEpoch, 99);
  assert.equal(b.crc, crc);
  assert.ok(b.verifyCrc());
  assert.equal([...b.records()][2]!.offset, 2 ** 40 + 7);
  assert.equal(validateBatch(b.buf), null);
});

test('setLogAppendTime sets the attribute and maxTimestamp, rewrites the CRC, and overrides record timestamps', () => {
  const b = new RecordBatch(sampleBatch());
  b.setLogAppendTime(1_800_000_000_000);
  assert.equal(b.timestampType, 1);
  assert.equal(b.maxTimestamp, 1_800_000_000_000);
  assert.ok(b.verifyCrc());
  assert.equal(validateBatch(b.buf), null);
  for (const r of b.records()) assert.equal(r.timestamp, 1_800_000_000_000);
});

test('timestamp setters change CRC\'d bytes: verifyCrc fails until updateCrc', () => {
  const b = new RecordBatch(sampleBatch());
  b.maxTimestamp = 5;
  b.baseTimestamp = 1;
  assert.equal(b.verifyCrc(), false);
  assert.deepEqual(validateBatch(b.buf)?.kind, 'bad-crc');
  b.updateCrc();
  assert.ok(b.verifyCrc());
  assert.equal(b.maxTimestamp, 5);
  assert.equal(b.baseTimestamp, 1);
});

test('lastSequence wraps past Int32 max as Kafka does', () => {
  assert.equal(incrementSequence(0x7fffffff, 1), 0);
  assert.equal(incrementSequence(0x7ffffffe, 3), 1);
  assert.equal(incrementSequence(5, 3), 8);
  const b = new RecordBatch(sampleBatch({ baseSequence: 0x7ffffffe }));
  assert.equal(b.lastSequence, 0);
});

test('attribute flags: control, LogAppendTime, delete horizon, compression', () => {
  const b = new RecordBatch(
    buildRecordBatch({
      records: [{ value: 'x', timestamp: 10 }],
      isControl: true,
      isTransactional: true,
      timestampType: 1,
      maxTimestamp: 50,
      deleteHorizonMs: 40,
      compression: 1,
    }),
  );
  assert.equal(b.attributes, 0x01 | 0x08 | 0x10 | 0x20 | 0x40);
  assert.equal(b.isControl, true);
  assert.equal(b.hasDeleteHorizon, true);
  assert.equal(b.baseTimestamp, 40);
  assert.equal(b.compression, 1);
  assert.equal([...b.records()][0]!.timestamp, 50);
});

for (const compression of [1, 2, 3, 4] as CompressionType[]) {
  test(`compressed batch (type ${compression}) round-trips and validates`, () => {
    const records: RecordInput[] = Array.from({ length: 500 }, (_, i) => ({
      key: `key-${i}`,
      value: JSON.stringify({ i, text: 'lorem ipsum dolor sit amet '.repeat(i % 5) }),
      timestamp: 1000 + i,
      headers: i % 3 === 0 ? [{ key: 'trace', value: `t${i}` }] : [],
    }));
    const buf = buildRecordBatch({ baseOffset: 7, records, compression });
    const b = new RecordBatch(buf);
    assert.equal(b.compression, compression);
    assert.equal(validateBatch(buf), null);
    const out = [...b.records()];
    assert.equal(out.length, 500);
    out.forEach((r, i) => {
      assert.equal(r.offset, 7 + i);
      assert.equal(r.timestamp, 1000 + i);
      assert.equal(r.key?.toString(), `key-${i}`);
      assert.equal(r.value?.toString(), records[i]!.value);
      assert.equal(r.headers.length, i % 3 === 0 ? 1 : 0);
    });
    assert.ok(buf.length < BATCH_HEADER_SIZE + out.reduce((n, r) => n + r.sizeInBytes, 0));
  });
}

test('offset gaps (compacted batches) keep their deltas; produce validation rejects them', () => {
  const buf = buildRecordBatch({
    baseOffset: 10,
    records: [
      { value: 'a', offsetDelta: 0 },
      { value: 'b', offsetDelta: 4 },
    ],
  });
  const b = new RecordBatch(buf);
  assert.equal(b.lastOffsetDelta, 4);
  assert.deepEqual(
    [...b.records()].map((r) => r.offset),
    [10, 14],
  );
  assert.equal(validateBatch(buf), null);
  assert.equal(validateBatch(buf, { produce: true })?.kind, 'record-count-mismatch');
  assert.equal(validateBatch(sampleBatch(), { produce: true }), null);
  assert.equal(validateBatch(buildRecordBatch({ records: [] }), { produce: true })?.kind, 'record-count-mismatch');
  assert.equal(validateBatch(buildRecordBatch({ records: [] })), null);
});

test('batchSizeAt and iterateBatches split a concatenation; a partial tail is not yielded', () => {
  const a = sampleBatch({ baseOffset: 0 });
  const b = sampleBatch({ baseOffset: 3, compression: 1 });
  const all = Buffer.concat([a, b]);
  assert.equal(batchSizeAt(all, 0), a.length);
  assert.equal(batchSizeAt(all, a.length), b.length);
  assert.equal(batchSizeAt(all, all.length - 11), -1);
  assert.equal(batchSizeAt(all, all.length), -1);
  assert.deepEqual(
    [...iterateBatches(all)].map((x) => x.baseOffset),
    [0, 3],
  );
  for (const cut of [all.length - 1, a.length + 11, a.length + 12, a.length + 60]) {
    const got = [...iterateBatches(all.subarray(0, cut))];
    assert.equal(got.length, 1, `cut at ${cut}`);
    assert.equal(got[0]!.buf.length, a.length);
  }
  assert.equal([...iterateBatches(Buffer.alloc(0))].length, 0);
  assert.equal([...iterateBatches(all.subarray(0, 5))].length, 0);
});

test('iterateBatches refuses a length smaller than a batch header', () => {
  const bad = sampleBatch();
  bad.writeInt32BE(10, 8);
  assert.throws(() => [...iterateBatches(bad)], CorruptRecordsError);
});

test('RecordBatch refuses a buffer shorter than the header', () => {
  assert.throws(() => new RecordBatch(Buffer.alloc(60)), CorruptRecordsError);
});

function problemOf(mutate: (buf: Buffer) => Buffer | void, fixCrc = true, base = sampleBatch()): BatchProblem | null {
  const copy = Buffer.from(base);
  const out = mutate(copy) ?? copy;
  if (fixCrc && out.length >= BATCH_HEADER_SIZE) new RecordBatch(out).updateCrc();
  return validateBatch(out);
}

test('validateBatch names each kind of problem', () => {
  assert.equal(validateBatch(sampleBatch()), null);
  assert.deepEqual(validateBatch(Buffer.alloc(30)), { kind: 'too-short', size: 30 });
  assert.equal(problemOf((b) => b.subarray(0, b.length - 1))?.kind, 'length-mismatch');
  assert.equal(problemOf((b) => Buffer.concat([b, Buffer.alloc(1)]))?.kind, 'length-mismatch');
  assert.deepEqual(problemOf((b) => void b.writeInt8(1, 16)), { kind: 'bad-magic', magic: 1 });
  const flipped = problemOf((b) => void (b[70] = b[70]! ^ 1), false);
  assert.equal(flipped?.kind, 'bad-crc');
  assert.equal(problemOf((b) => void b.writeInt16BE(5, 21))?.kind, 'unsupported-compression');
  assert.equal(problemOf((b) => void b.writeInt32BE(0x7fffffff, 43))?.kind, 'bad-header');
  assert.equal(problemOf((b) => void b.writeInt32BE(4, 57))?.kind, 'record-count-mismatch');
  assert.equal(problemOf((b) => void b.writeInt32BE(2, 57))?.kind, 'record-count-mismatch');
  assert.equal(problemOf((b) => void b.writeInt32BE(-1, 57))?.kind, 'record-count-mismatch');
  assert.equal(problemOf((b) => void b.writeInt32BE(1_000_000, 57))?.kind, 'record-count-mismatch');
  assert.equal(problemOf((b) => void b.writeInt32BE(5, 23))?.kind, 'last-offset-delta-mismatch');
  // The first record's length varint claims more bytes than the batch has.
  assert.equal(problemOf((b) => void (b[BATCH_HEADER_SIZE] = 0x7e))?.kind, 'corrupt-record');
  // Compressed section that is not gzip.
  const gz = sampleBatch({ compression: 1 });
  assert.equal(problemOf((b) => void b.fill(0x41, BATCH_HEADER_SIZE), true, gz)?.kind, 'decompression-failed');
  assert.equal(validateBatch(gz, { maxDecompressedBytes: 10 })?.kind, 'decompressed-too-large');
  assert.equal(validateBatch(gz, { records: false, maxDecompressedBytes: 10 }), null);
});

test('validateBatch never throws and records() throws only CorruptRecordsError on mutated batches', () => {
  const prng = new Prng(2024);
  const rand = (): number => prng.next();
  const bases = [sampleBatch(), sampleBatch({ compression: 1 }), sampleBatch({ compression: 2 }), sampleBatch({ compression: 3 }), sampleBatch({ compression: 4 })];
  let problems = 0;
  for (let iter = 0; iter < 3000; iter++) {
    const base = bases[iter % bases.length]!;
    const buf = Buffer.from(base);
    const flips = 1 + Math.floor(rand() * 4);
    for (let f = 0; f < flips; f++) {
      // Mostly hit the records section, where lengths live; sometimes the header.
      const pos = rand() < 0.8 ? BATCH_HEADER_SIZE + Math.floor(rand() * (buf.length - BATCH_HEADER_SIZE)) : Math.floor(rand() * BATCH_HEADER_SIZE);
      buf[pos] = Math.floor(rand() * 256);
    }
    const truncated = rand() < 0.2 ? buf.subarray(0, Math.floor(rand() * buf.length)) : buf;
    if (truncated.length >= BATCH_HEADER_SIZE) new RecordBatch(truncated).updateCrc();
    let problem: BatchProblem | null = null;
    assert.doesNotThrow(() => {
      problem = validateBatch(truncated, { maxDecompressedBytes: 1 << 20 });
    }, `iteration ${iter}`);
    if (problem !== null) problems++;
    if (truncated.length >= BATCH_HEADER_SIZE) {
      try {
        for (const r of new RecordBatch(truncated).records({ maxDecompressedBytes: 1 << 20 })) void r;
      } catch (e) {
        assert.ok(e instanceof CorruptRecordsError, `iteration ${iter}: ${String(e)}`);
      }
    }
  }
  // Most random corruptions must be noticed (the rest hit bytes such as values whose change is legal).
  assert.ok(problems > 1500, `only ${problems} problems found`);
});

test('a record whose fields overrun its own length is corrupt even if the batch has more bytes', () => {
  // Two records; shrink the first one's declared length by one so its header count spills over.
  const buf = buildRecordBatch({ records: [{ value: 'aaaa' }, { value: 'bbbb' }] });
  const first = buf[BATCH_HEADER_SIZE]!; // zigzag varint of a small length: one byte
  buf[BATCH_HEADER_SIZE] = first - 2;
  new RecordBatch(buf).updateCrc();
  const p = validateBatch(buf);
  assert.ok(p !== null && (p.kind === 'corrupt-record' || p.kind === 'record-count-mismatch'), JSON.stringify(p));
});
