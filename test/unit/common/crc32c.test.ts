import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  crc32c,
  crc32cAddon,
  crc32cAddon3way,
  crc32cAddonImplementation,
  crc32cImplementation,
  crc32cJs,
  crc32cNative,
  crc32cNodeRs,
} from '../../../src/common/crc32c.js';
import { repoRoot } from '../../support/repo.js';

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

test('a native implementation loads on this platform', () => {
  // CI machines are linux-x64, where @node-rs/crc32 ships a prebuilt binary; falling back silently
  // there would cost ~10x on every produce.
  assert.notEqual(crc32cImplementation, 'js');
  assert.notEqual(crc32cNative, null);
  assert.notEqual(crc32cNodeRs, null);
});

test('the addon is used whenever it has been built', () => {
  // scripts/test builds it; a build that exists but does not load (or fails its self-test) would
  // silently cost 4-8x on every produce, so it fails here instead.
  const built = existsSync(join(repoRoot(), 'native', 'crc32c', 'build', 'crc32c.node'));
  if (!built) {
    assert.equal(crc32cAddon, null);
    return;
  }
  assert.equal(crc32cImplementation, 'addon');
  assert.ok(crc32cAddonImplementation === 'avx512-vpclmulqdq' || crc32cAddonImplementation === 'sse42-3way', String(crc32cAddonImplementation));
  assert.notEqual(crc32cAddon3way, null);
});

const IMPLEMENTATIONS = [
  ['crc32cJs', crc32cJs],
  ['crc32cNodeRs', crc32cNodeRs],
  ['crc32cAddon', crc32cAddon],
  ['crc32cAddon3way', crc32cAddon3way],
  ['crc32c', crc32c],
] as const;

for (const [name, impl] of IMPLEMENTATIONS) {
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

for (const [name, impl] of IMPLEMENTATIONS.slice(1)) {
  test(`${name} agrees with the JS reference on random inputs of every length and alignment`, (t) => {
    if (impl === null) return t.skip(`${name} not available`);
    const big = randomBytes(70_000, 12345);
    // Every length up to 1100 covers each path's thresholds (512 bytes for folding, 3 x 256 for three
    // short streams) and tails; the listed ones sit around the 256-byte folding step and 3 x 8 KiB.
    const lengths = [...Array.from({ length: 1100 }, (_, i) => i), 2047, 2048, 2049, 24_575, 24_576, 24_577, 24_576 + 768 + 9, 65_536 + 255];
    for (const len of lengths) {
      for (const offset of len < 1100 ? [0, 3] : [0, 1, 3, 5, 8]) {
        const slice = big.subarray(offset, offset + len);
        const previous = (len * 2654435761) >>> 0;
        assert.equal(impl(slice, previous), crc32cJs(slice, previous), `len ${len} offset ${offset}`);
      }
    }
    for (let seed = 1; seed <= 20; seed++) {
      const data = randomBytes(1 + ((seed * 7919) % 70000), seed);
      assert.equal(impl(data), crc32cJs(data), `seed ${seed}`);
    }
  });
}

test('the addon takes a Uint8Array that is a view into a larger buffer, and rejects other input', (t) => {
  const addon = crc32cAddon;
  if (addon === null) return t.skip('addon not built');
  const backing = randomBytes(4096, 5);
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 17, 3000);
  assert.equal(addon(view), crc32cJs(view));
  assert.throws(() => addon('abc' as unknown as Uint8Array), TypeError);
  assert.throws(() => addon(new Uint16Array(4) as unknown as Uint8Array), TypeError);
});

test('results are unsigned 32-bit integers', () => {
  const data = randomBytes(64, 99);
  for (const impl of [crc32cJs, crc32c, crc32cNodeRs, crc32cAddon, crc32cAddon3way]) {
    if (impl === null) continue;
    const v = impl(data);
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  }
});
