import { createRequire } from 'node:module';

/**
 * CRC-32C (Castagnoli), the checksum of Kafka's record batch format v2.
 *
 * The native implementation (@node-rs/crc32: SSE4.2/ARMv8 CRC instructions through napi-rs) runs at
 * several GB/s; a produce request is checksummed in full on arrival, so this sits on the hot path.
 * The pure-JS slicing-by-8 fallback is used only if the native addon cannot be loaded on this
 * platform; it is ~10x slower but gives the same answers (tested against each other).
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

function loadNative(): Crc32cFunction | null {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c?: unknown };
    if (typeof mod.crc32c !== 'function') return null;
    const native = mod.crc32c as (input: Uint8Array, initialState?: number | null) => number;
    // Refuse an addon that loads but answers wrongly (e.g. a mismatched prebuilt binary).
    if (native(Buffer.from('123456789', 'latin1'), 0) >>> 0 !== 0xe3069283) return null;
    return (data, previous = 0) => native(data, previous) >>> 0;
  } catch {
    return null;
  }
}

/** The native implementation, or null where it could not be loaded. */
export const crc32cNative: Crc32cFunction | null = loadNative();

/** Which implementation `crc32c` uses on this machine. */
export const crc32cImplementation: 'native' | 'js' = crc32cNative === null ? 'js' : 'native';

/** CRC-32C of `data`, continuing from `previous` (0 to start). */
export const crc32c: Crc32cFunction = crc32cNative ?? crc32cJs;
