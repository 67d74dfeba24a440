import { AssertionError } from '../../common/index.js';

const TWO_32 = 4294967296;

/**
 * A big-endian int64 at a fixed position as a number, or NaN when it lies outside ±(2^53-1)
 * (callers turn that into their own decode error). Gregor keeps int64 values as numbers; see
 * docs/DEVIATIONS.md.
 */
export function int64At(buf: Buffer, at: number): number {
  if (!isSafeInt64At(buf, at)) return NaN;
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

/** Whether the big-endian int64 at `at` is within ±(2^53-1), without computing it (no number to box). */
export function isSafeInt64At(buf: Buffer, at: number): boolean {
  const hi = buf.readInt32BE(at);
  return hi <= 0x1fffff && (hi > -0x200000 || (hi === -0x200000 && buf.readUInt32BE(at + 4) !== 0));
}

/** Writes a safe integer as a big-endian int64; anything else is a bug in the caller. */
export function writeInt64At(buf: Buffer, at: number, v: number): void {
  // Not assert(): its message would be built on every call (a string per int64 written).
  if (!Number.isSafeInteger(v)) throw new AssertionError(`int64 value ${v} is not a safe integer`);
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * TWO_32, at + 4);
}
