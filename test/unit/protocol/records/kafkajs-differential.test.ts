import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  RecordBatch,
  buildRecordBatch,
  compress,
  decompress,
  validateBatch,
  type CompressionType,
  type RecordInput,
} from '../../../../src/protocol/records/index.js';
import { Prng } from '../../../support/prng.js';

/**
 * Differential tests against kafkajs's record batch encoder and decoder (an independent
 * implementation): its batches decode in ours to the same records, ours decode in it, and for
 * the same input the uncompressed bytes are identical.
 */

const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer };
type KafkajsHeaders = Record<string, Buffer | Buffer[]>;
const kRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(o: object): Promise<Encoder>;
};
const kRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
}) => Encoder;
const kBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<KafkajsBatch>;
const KDecoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: number | string): unknown };
const kCompression = require('kafkajs/src/protocol/message/compression/index.js') as {
  Codecs: Record<number, () => { compress(e: Encoder): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
};

interface KafkajsBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  inTransaction: boolean;
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: KafkajsHeaders }[];
}

// kafkajs ships only gzip; for snappy, lz4 and zstd its users plug in codecs. Plugging in ours
// checks the batch layout around a compressed section (count, then the codec's bytes); the codecs
// themselves are checked against kafka-python's in kafka-python-differential.test.ts.
for (const type of [2, 3, 4] as CompressionType[]) {
  kCompression.Codecs[type] = () => ({
    compress: async (e: Encoder) => compress(type, e.buffer),
    decompress: async (b: Buffer) => decompress(type, b),
  });
}

interface Sample {
  records: (RecordInput & { timestamp: number; key: Buffer | null; value: Buffer | null })[];
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  isTransactional: boolean;
}

function randomSample(seed: number): Sample {
  const prng = new Prng(seed);
  const rand = (): number => prng.next();
  const bytes = (max: number): Buffer => Buffer.from(Array.from({ length: Math.floor(rand() * max) }, () => Math.floor(rand() * 256)));
  const n = 1 + Math.floor(rand() * 40);
  const t0 = 1_600_000_000_000 + Math.floor(rand() * 1e11);
  const records: Sample['records'] = [];
  for (let i = 0; i < n; i++) {
    // Header keys unique per record: kafkajs folds headers into an object keyed by name.
    const headers = Array.from({ length: Math.floor(rand() * 4) }, (_, h) => ({ key: `h${h}-${Math.floor(rand() * 1000)}`, value: bytes(20) }));
    records.push({
      key: rand() < 0.2 ? null : bytes(30),
      value: rand() < 0.1 ? null : bytes(rand() < 0.1 ? 3000 : 200),
      timestamp: t0 + Math.floor((rand() - 0.3) * 100_000),
      headers,
    });
  }
  return {
    records,
    baseOffset: Math.floor(rand() * 2 ** 40),
    producerId: rand() < 0.5 ? -1 : Math.floor(rand() * 2 ** 45),
    producerEpoch: Math.floor(rand() * 32767),
    baseSequence: Math.floor(rand() * 2 ** 31),
    partitionLeaderEpoch: Math.floor(rand() * 1000),
    isTransactional: rand() < 0.3,
  };
}

async function kafkajsBatch(s: Sample, compression: CompressionType): Promise<Buffer> {
  const first = s.records[0]!.timestamp;
  const enc = await kRecordBatch.RecordBatch({
    compression,
    firstOffset: Long.fromValue(s.baseOffset),
    firstTimestamp: first,
    maxTimestamp: Math.max(...s.records.map((r) => r.timestamp)),
    partitionLeaderEpoch: s.partitionLeaderEpoch,
    lastOffsetDelta: s.records.length - 1,
    transactional: s.isTransactional,
    producerId: Long.fromValue(s.producerId),
    producerEpoch: s.producerEpoch,
    firstSequence: s.baseSequence,
    records: s.records.map((r, i) =>
      kRecord({
        offsetDelta: i,
        timestampDelta: r.timestamp - first,
        key: r.key,
        value: r.value,
        headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, h.value as Buffer])),
      }),
    ),
  });
  return enc.buffer;
}

function ourBatch(s: Sample, compression: CompressionType): Buffer {
  return buildRecordBatch({ ...s, compression });
}

function assertSameRecords(batch: RecordBatch, s: Sample): void {
  const got = [...batch.records()];
  assert.equal(got.length, s.records.length);
  got.forEach((r, i) => {
    const want = s.records[i]!;
    assert.equal(r.offset, s.baseOffset + i);
    assert.equal(r.timestamp, want.timestamp);
    assert.deepEqual(r.key, want.key);
    assert.deepEqual(r.value, want.value);
    assert.deepEqual(
      r.headers,
      (want.headers ?? []).map((h) => ({ key: h.key, value: h.value })),
    );
  });
}

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

for (const compression of [0, 1, 2, 3, 4] as CompressionType[]) {
  test(`kafkajs-encoded batches (compression ${compression}) decode in ours to the same records`, async () => {
    for (const seed of SEEDS) {
      const s = randomSample(seed);
      const buf = await kafkajsBatch(s, compression);
      assert.equal(validateBatch(buf), null, `seed ${seed}`);
      const b = new RecordBatch(buf);
      assert.equal(b.baseOffset, s.baseOffset);
      assert.equal(b.producerId, s.producerId);
      assert.equal(b.producerEpoch, s.producerEpoch);
      assert.equal(b.baseSequence, s.baseSequence);
      assert.equal(b.partitionLeaderEpoch, s.partitionLeaderEpoch);
      assert.equal(b.isTransactional, s.isTransactional);
      assert.equal(b.compression, compression);
      assert.equal(b.recordCount, s.records.length);
      assert.equal(b.lastOffsetDelta, s.records.length - 1);
      assertSameRecords(b, s);
    }
  });

  test(`our batches (compression ${compression}) decode in kafkajs to the same records`, async () => {
    for (const seed of SEEDS) {
      const s = randomSample(seed);
      const decoded = await kBatchDecoder(new KDecoder(ourBatch(s, compression)));
      assert.equal(decoded.firstOffset, String(s.baseOffset));
      assert.equal(decoded.producerId, String(s.producerId));
      assert.equal(decoded.firstSequence, s.baseSequence);
      assert.equal(decoded.inTransaction, s.isTransactional);
      assert.equal(decoded.records.length, s.records.length);
      decoded.records.forEach((r, i) => {
        const want = s.records[i]!;
        assert.equal(r.offset, String(s.baseOffset + i));
        assert.equal(r.timestamp, String(want.timestamp));
        assert.deepEqual(r.key, want.key);
        assert.deepEqual(r.value, want.value);
        assert.deepEqual(r.headers, Object.fromEntries((want.headers ?? []).map((h) => [h.key, h.value])));
      });
    }
  });
}

test('uncompressed batches are byte-identical to kafkajs for the same input', async () => {
  for (const seed of SEEDS) {
    const s = randomSample(seed);
    assert.deepEqual(ourBatch(s, 0), await kafkajsBatch(s, 0), `seed ${seed}`);
  }
});

test('gzip batches are byte-identical to kafkajs too (both use node:zlib at its default level)', async () => {
  for (const seed of SEEDS.slice(0, 10)) {
    const s = randomSample(seed);
    assert.deepEqual(ourBatch(s, 1), await kafkajsBatch(s, 1), `seed ${seed}`);
  }
});
