import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzFrames, decodeLikeBroker } from '../../support/frame-fuzz.js';
import { testSeed } from '../../support/prng.js';
import { DecodeError, ProduceRequest, Reader, decodeBody, parseRequestHeader } from '../../../src/protocol/index.js';

test('fuzz: 100,000 mutated and random request frames decode or fail with DecodeError only', () => {
  const seed = testSeed();
  const stats = fuzzFrames(seed, 100_000);
  assert.equal(stats.frames, 100_000);
  // Both outcomes must be exercised, or the fuzzer is not testing anything.
  assert.ok(stats.decoded > 10_000, `decoded ${stats.decoded} (seed ${seed})`);
  assert.ok(stats.decodeErrors > 30_000, `errors ${stats.decodeErrors} (seed ${seed})`);
  assert.ok(stats.maxFrameMs < 250, `a frame took ${stats.maxFrameMs} ms (seed ${seed})`);
});

test('huge declared lengths are rejected before anything is allocated', () => {
  // Produce v9 (flexible), header v2, then a compact array claiming 2^31 topics in a 30-byte frame.
  const frame = Buffer.from('0000000900000001000466757a7a00' + '00' + 'ffff' + '000003e8' + 'ffffffff0f', 'hex');
  assert.equal(decodeLikeBroker(frame), 'error');
  const h = parseRequestHeader(frame);
  assert.equal(h.header.clientId, 'fuzz');
  assert.throws(() => decodeBody(ProduceRequest, frame, h.bodyOffset, 9), /array of 4294967294 elements cannot fit in 0 bytes/);
  const r = new Reader(Buffer.from('7fffffff', 'hex'));
  assert.throws(() => r.bytesField(), DecodeError);
  const r2 = new Reader(Buffer.from('7fff', 'hex'));
  assert.throws(() => r2.string(), DecodeError);
  const r3 = new Reader(Buffer.from('fffffffe', 'hex'));
  assert.throws(() => r3.nullableBytesField(), /negative length/);
  const r4 = new Reader(Buffer.from('ffffffffff01', 'hex'));
  assert.throws(() => r4.uvarint(), /overlong varint/);
  const r5 = new Reader(Buffer.from('00200000' + '00000000', 'hex'));
  assert.throws(() => r5.int64(), /safe integer range/);
});
