import { createRequire } from 'node:module';

/**
 * CRC-32C (Castagnoli), the checksum of Kafka's record batch format v2.
 *
 * A produce request is checksummed in full before it is appended, so this sits on the hot path. In
 * order of preference: Gregor's own addon (native/crc32c: ~70 GB/s with AVX-512 VPCLMULQDQ, ~34 GB/s
 * with three crc32 streams), @node-rs/crc32 (one SSE4.2/ARMv8 CRC stream, ~8.5 GB/s), and a pure-JS
 * slicing-by-8 (~1 GB/s). All give the same answers (tested against each other); the first that loads
 * and passes a self-test is used.
 *
 * Both take an optional running value so a checksum can be computed over several pieces:
 * crc32c(b, crc32c(a)) === crc32c(concat(a, b)).
 */

export type Crc32cFunction = (data: Uint8Array, previous?: number) => number;

const POLY_REFLECTED = 0x82f63b78;

/** Eight 256-entry tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLES: Uint32Array = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + b] = c >>> 0;
    }
  }
  return t;
}

/** Pure-JS CRC-32C, slicing-by-8: processes eight bytes per step with eight table lookups. */
export function crc32cJs(data: Uint8Array, previous = 0): number {
  const t = TABLES;
  let crc = ~previous >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const lo = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    crc =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) {
    crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

type NativeCrc32c = (input: Uint8Array, initialState?: number | null) => number;

/**
 * A loaded implementation is used only if it agrees with the JS reference on the standard check value
 * and on 1,000 bytes (long enough to take a vectorised path), so a mismatched or miscompiled binary
 * falls back instead of rejecting every produce request.
 */
function selfTest(fn: Crc32cFunction): boolean {
  const sample = new Uint8Array(1000);
  for (let i = 0; i < sample.length; i++) sample[i] = (i * 167 + 13) & 0xff;
  return fn(new TextEncoder().encode('123456789')) === 0xe3069283 && fn(sample, 0x12345678) === crc32cJs(sample, 0x12345678);
}

function wrap(native: unknown): Crc32cFunction | null {
  if (typeof native !== 'function') return null;
  const f = native as NativeCrc32c;
  const fn: Crc32cFunction = (data, previous = 0) => f(data, previous) >>> 0;
  try {
    return selfTest(fn) ? fn : null;
  } catch {
    return null;
  }
}

function tryRequire(specifier: string): Record<string, unknown> | null {
  try {
    return createRequire(import.meta.url)(specifier) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * Gregor's own addon (native/crc32c, built by `node native/crc32c/build.mjs`, which scripts/test runs):
 * AVX-512 VPCLMULQDQ folding or three interleaved crc32 streams, 4-8x @node-rs/crc32 on 1 MiB. The
 * path is relative to this file compiled at <build>/src/common/, <build> being one level below the
 * repository root (dist/) or two (.build/x/): both are tried.
 */
const addon = tryRequire('../../../native/crc32c/build/crc32c.node') ?? tryRequire('../../../../native/crc32c/build/crc32c.node');

/** Gregor's addon, or null where it is not built or not usable. */
export const crc32cAddon: Crc32cFunction | null = wrap(addon?.['crc32c']);
/** The addon's three-stream path alone (for tests and benchmarks), or null. */
export const crc32cAddon3way: Crc32cFunction | null = wrap(addon?.['crc32c3way']);
/** Which path the addon chose for this CPU, e.g. 'avx512-vpclmulqdq' or 'sse42-3way'. */
export const crc32cAddonImplementation: string | null =
  crc32cAddon !== null && typeof addon?.['implementation'] === 'string' ? addon['implementation'] : null;

/** @node-rs/crc32 (one stream of the SSE4.2/ARMv8 CRC instruction), or null where it cannot load. */
export const crc32cNodeRs: Crc32cFunction | null = wrap(tryRequire('@node-rs/crc32')?.['crc32c']);

/** The native implementation in use (the addon, else @node-rs/crc32), or null where neither loads. */
export const crc32cNative: Crc32cFunction | null = crc32cAddon ?? crc32cNodeRs;

/** Which implementation `crc32c` uses on this machine. */
export const crc32cImplementation: 'addon' | 'node-rs' | 'js' = crc32cAddon !== null ? 'addon' : crc32cNodeRs !== null ? 'node-rs' : 'js';

/** CRC-32C of `data`, continuing from `previous` (0 to start). */
export const crc32c: Crc32cFunction = crc32cNative ?? crc32cJs;
