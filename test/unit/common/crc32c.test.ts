import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, crc32cJs, crc32cNative, crc32cImplementation } from '../../../src/common/crc32c.js';

// Known answers: RFC 3720 (iSCSI) appendix B.4 and the standard check value.
const VECTORS: [string, Buffer, number][] = [
  ['"123456789"', Buffer.from('123456789', 'latin1'), 0xe3069283],
  ['empty', Buffer.alloc(0), 0],
  ['32 zero bytes', Buffer.alloc(32, 0x00), 0x8a9136aa],
  ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['0..31 ascending', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['31..0 descending', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
];

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
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

test('the native implementation loads on this platform', () => {
  // CI machines are linux-x64, where @node-rs/crc32 ships a prebuilt binary; falling back silently
  // there would cost ~10x on every produce.
  assert.equal(crc32cImplementation, 'native');
  assert.notEqual(crc32cNative, null);
});

for (const [name, impl] of [
  ['crc32cJs', crc32cJs],
  ['crc32cNative', crc32cNative],
  ['crc32c', crc32c],
] as const) {
  test(`${name} matches the known vectors`, (t) => {
    if (impl === null) return t.skip('native implementation not available');
    for (const [label, input, expected] of VECTORS) {
      assert.equal(impl(input), expected, label);
    }
  });

  test(`${name} continues a running checksum across pieces`, (t) => {
    if (impl === null) return t.skip('native implementation not available');
    const data = randomBytes(1000, 7);
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      assert.equal(impl(data.subarray(cut), impl(data.subarray(0, cut))), impl(data), `cut at ${cut}`);
    }
  });
}

test('JS and native agree on random inputs of every length and alignment', (t) => {
  if (crc32cNative === null) return t.skip('native implementation not available');
  const big = randomBytes(5000, 12345);
  for (let len = 0; len < 300; len++) {
    for (const offset of [0, 1, 3, 5]) {
      const slice = big.subarray(offset, offset + len);
      assert.equal(crc32cJs(slice), crc32cNative(slice), `len ${len} offset ${offset}`);
    }
  }
  for (let seed = 1; seed <= 20; seed++) {
    const data = randomBytes(1 + ((seed * 7919) % 70000), seed);
    assert.equal(crc32cJs(data), crc32cNative(data), `seed ${seed}`);
  }
});

test('results are unsigned 32-bit integers', () => {
  const data = randomBytes(64, 99);
  for (const impl of [crc32cJs, crc32c]) {
    const v = impl(data);
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  }
});
