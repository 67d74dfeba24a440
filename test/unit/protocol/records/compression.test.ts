import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import {
  compress,
  decompress,
  CompressionError,
  compressionName,
  type CompressionType,
} from '../../../../src/protocol/records/index.js';

const require = createRequire(import.meta.url);
const snappy = require('snappy') as { compressSync(b: Buffer): Buffer };
const lz4 = require('lz4-napi') as {
  compressFrameSync(b: Buffer, o?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer;
  decompressFrameSync(b: Buffer): Buffer;
};

const CODECS: CompressionType[] = [1, 2, 3, 4];

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

function jsonText(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const s = JSON.stringify({ id: i, user: `user-${i % 977}`, action: ['view', 'click', 'buy'][i % 3], ts: 1_700_000_000_000 + i * 13 });
    parts.push(s);
    n += s.length + 1;
  }
  return Buffer.from(parts.join('\n')).subarray(0, bytes);
}

function expectError(fn: () => unknown, kind: CompressionError['kind'], label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CompressionError, `${label}: expected CompressionError, got ${String(e)}`);
    assert.equal(e.kind, kind, `${label}: ${e.message}`);
    return true;
  });
}

/** xxHash32 (seed 0), needed to write an LZ4 frame descriptor checksum by hand. */
function xxh32(data: Buffer): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P4 = 668265263;
  const P5 = 374761393;
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  let i = 0;
  let h: number;
  if (data.length >= 16) {
    const v = [(P1 + P2) >>> 0, P2, 0, (0 - P1) >>> 0];
    while (i + 16 <= data.length) {
      for (let k = 0; k < 4; k++) {
        v[k] = Math.imul(rotl((v[k]! + Math.imul(data.readUInt32LE(i), P2)) >>> 0, 13), P1) >>> 0;
        i += 4;
      }
    }
    h = (rotl(v[0]!, 1) + rotl(v[1]!, 7) + rotl(v[2]!, 12) + rotl(v[3]!, 18)) >>> 0;
  } else {
    h = P5;
  }
  h = (h + data.length) >>> 0;
  for (; i + 4 <= data.length; i += 4) h = Math.imul(rotl((h + Math.imul(data.readUInt32LE(i), P3)) >>> 0, 17), P4) >>> 0;
  for (; i < data.length; i++) h = Math.imul(rotl((h + Math.imul(data[i]!, P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

for (const type of CODECS) {
  const name = compressionName(type);

  test(`${name}: round-trips empty, tiny, random and text inputs`, () => {
    for (const input of [Buffer.alloc(0), Buffer.from('x'), randomBytes(100_000, 3), jsonText(300_000)]) {
      const c = compress(type, input);
      assert.deepEqual(decompress(type, c), input, `${input.length} bytes`);
    }
  });

  test(`${name}: compresses text well`, () => {
    const input = jsonText(1 << 20);
    assert.ok(compress(type, input).length < input.length / 2);
  });

  test(`${name}: output beyond maxBytes is a 'too-large' error, up to it is fine`, () => {
    const input = jsonText(200_000);
    const c = compress(type, input);
    assert.equal(decompress(type, c, input.length).length, input.length);
    expectError(() => decompress(type, c, input.length - 1), 'too-large', name);
  });

  test(`${name}: a 16 MiB bomb is refused with a 1 MiB bound`, () => {
    const bomb = compress(type, Buffer.alloc(16 << 20));
    assert.ok(bomb.length < 1 << 20);
    expectError(() => decompress(type, bomb, 1 << 20), 'too-large', name);
  });

  test(`${name}: garbage, truncation and bit flips give CompressionError, nothing else`, () => {
    const good = compress(type, jsonText(50_000));
    const inputs: Buffer[] = [Buffer.alloc(0), randomBytes(1000, 9), good.subarray(0, good.length >> 1), good.subarray(0, 3)];
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(good);
      const r = randomBytes(4, i + 1);
      const at = r.readUInt16LE(0) % b.length;
      b[at] = b[at]! ^ (1 << (r[2]! & 7));
      inputs.push(b);
    }
    for (const [i, input] of inputs.entries()) {
      try {
        const out = decompress(type, input, 1 << 20);
        // Some flips hit bytes the format does not check; the output is still bounded.
        assert.ok(out.length <= 1 << 20);
      } catch (e) {
        assert.ok(e instanceof CompressionError, `input ${i}: ${String(e)}`);
      }
    }
    // Fully broken inputs are always errors.
    assert.throws(() => decompress(type, randomBytes(1000, 9), 1 << 20), CompressionError);
    assert.throws(() => decompress(type, good.subarray(0, good.length >> 1), 1 << 20), CompressionError);
  });
}

test('none: passes data through, still bounded', () => {
  const b = Buffer.from('abc');
  assert.equal(decompress(0, b), b);
  expectError(() => decompress(0, b, 2), 'too-large', 'none');
});

test('gzip: concatenated members decode as one stream', () => {
  const c = Buffer.concat([gzipSync('hello '), gzipSync('world')]);
  assert.equal(decompress(1, c).toString(), 'hello world');
});

test('snappy: writes the xerial framing the Java client writes, in 32 KiB blocks', () => {
  const input = jsonText(100_000);
  const c = compress(2, input);
  assert.deepEqual(c.subarray(0, 8), Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
  assert.equal(c.readInt32BE(8), 1);
  assert.equal(c.readInt32BE(12), 1);
  let pos = 16;
  let blocks = 0;
  while (pos < c.length) {
    pos += 4 + c.readInt32BE(pos);
    blocks++;
  }
  assert.equal(pos, c.length);
  assert.equal(blocks, Math.ceil(100_000 / 32_768));
});

test('snappy: reads raw snappy (librdkafka) and hand-built xerial frames', () => {
  const input = jsonText(70_000);
  assert.deepEqual(decompress(2, snappy.compressSync(input)), input);
  const blocks = [input.subarray(0, 10_000), input.subarray(10_000)].map((b) => snappy.compressSync(b));
  const header = Buffer.from('82534e415050590000000001000000010000', 'hex').subarray(0, 16);
  const framed = Buffer.concat([header, ...blocks.flatMap((b) => [Buffer.from(u32be(b.length)), b])]);
  assert.deepEqual(decompress(2, framed), input);
  // A xerial block length past the end is corrupt, not a RangeError.
  const bad = Buffer.from(framed);
  bad.writeInt32BE(1 << 30, 16);
  expectError(() => decompress(2, bad), 'corrupt', 'snappy');
});

function u32be(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

test('lz4: reads frames with block checksums and content checksums', () => {
  const input = jsonText(300_000);
  for (const opts of [{ blockChecksums: true }, { contentChecksum: true }, { blockChecksums: true, contentChecksum: true }]) {
    assert.deepEqual(decompress(3, lz4.compressFrameSync(input, opts)), input, JSON.stringify(opts));
  }
});

/** An LZ4 frame as Kafka's Java client lays it out, with stored (uncompressed) blocks and optional content size. */
function handBuiltLz4Frame(payload: Buffer, contentSize: boolean): Buffer {
  const flg = 0x40 | 0x20 | (contentSize ? 0x08 : 0); // version 01, independent blocks
  const bd = 0x40; // 64 KiB blocks
  const descriptor = Buffer.alloc(2 + (contentSize ? 8 : 0));
  descriptor[0] = flg;
  descriptor[1] = bd;
  if (contentSize) descriptor.writeBigUInt64LE(BigInt(payload.length), 2);
  const hc = (xxh32(descriptor) >>> 8) & 0xff;
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([hc])];
  for (let pos = 0; pos < payload.length; pos += 65536) {
    const block = payload.subarray(pos, pos + 65536);
    const size = Buffer.alloc(4);
    size.writeUInt32LE((block.length | 0x80000000) >>> 0);
    parts.push(size, block);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

test('lz4: writes the Java client\'s frame layout (independent 64 KiB blocks, no checksums), readable by lz4_flex', () => {
  assert.equal(xxh32(Buffer.alloc(0)), 0x02cc5d05); // the reference implementation's empty-input value
  const input = Buffer.concat([jsonText(200_000), randomBytes(70_000, 11)]);
  const c = compress(3, input);
  assert.deepEqual(c.subarray(0, 6), Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]));
  assert.equal(c[6], (xxh32(c.subarray(4, 6)) >>> 8) & 0xff);
  assert.deepEqual(c.subarray(c.length - 4), Buffer.alloc(4));
  // Decoded by the library's own frame decoder, without our frame walker.
  assert.deepEqual(lz4.decompressFrameSync(c), input);
  // The random tail does not compress: at least one block is stored uncompressed (high bit set).
  let pos = 7;
  let stored = 0;
  for (;;) {
    const word = c.readUInt32LE(pos);
    if (word === 0) break;
    if (word & 0x80000000) stored++;
    pos += 4 + (word & 0x7fffffff);
  }
  assert.ok(stored >= 1);
});

test('lz4: reads stored blocks, content size, concatenated and skippable frames', () => {
  const input = randomBytes(150_000, 5);
  assert.deepEqual(decompress(3, handBuiltLz4Frame(input, false)), input);
  assert.deepEqual(decompress(3, handBuiltLz4Frame(input, true)), input);
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
  const two = Buffer.concat([compress(3, Buffer.from('abc')), skippable, compress(3, Buffer.from('def'))]);
  assert.equal(decompress(3, two).toString(), 'abcdef');
  // The bound is checked before decoding: stored blocks count exactly.
  expectError(() => decompress(3, handBuiltLz4Frame(input, false), 149_999), 'too-large', 'lz4');
});

test('zstd: concatenated frames decode in order and share one bound', () => {
  const a = jsonText(50_000);
  const b = jsonText(70_000);
  const c = Buffer.concat([compress(4, a), compress(4, b)]);
  assert.deepEqual(decompress(4, c), Buffer.concat([a, b]));
  expectError(() => decompress(4, c, 100_000), 'too-large', 'zstd');
});

/** A zstd frame without a content size (as streaming writers emit), made of `n` RLE blocks of 128 KiB. */
function zstdRleBomb(blocks: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from([0x00, 0x38])]; // no FCS, window 128 KiB
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const header = ((128 * 1024) << 3) | (1 << 1) | last;
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x61]));
  }
  return Buffer.concat(parts);
}

test('zstd: frames without a content size decode, and a bomb of them is refused', () => {
  const small = zstdRleBomb(3);
  assert.deepEqual(decompress(4, small), Buffer.alloc(3 * 128 * 1024, 0x61));
  const bomb = zstdRleBomb(1000); // 128 MiB from 4 KiB
  expectError(() => decompress(4, bomb, 1 << 20), 'too-large', 'zstd');
  // With a bound between actual and block bound the frame still decodes.
  assert.equal(decompress(4, small, 3 * 128 * 1024).length, 3 * 128 * 1024);
});

test('zstd: a declared content size above the bound is refused before decoding', () => {
  const c = compress(4, Buffer.alloc(100_000, 1));
  expectError(() => decompress(4, c, 99_999), 'too-large', 'zstd');
});
