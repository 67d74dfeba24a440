import { AssertionError } from '../../common/index.js';

import { writeInt64At } from './int64.js';

/** Records at least this large are sent as their own slice instead of being copied into the frame. */
export const ZERO_COPY_MIN_BYTES = 4096;

// Size passes add the bytes that the write pass will send as separate slices, so the frame buffer
// is allocated without room for them. Size and write run synchronously back to back, so one
// module-level tally is safe on Node's single thread.
let zeroCopyTally = 0;

export function resetZeroCopyTally(): void {
  zeroCopyTally = 0;
}

export function takeZeroCopyTally(): number {
  const t = zeroCopyTally;
  zeroCopyTally = 0;
  return t;
}

/** Size of a records/bytes payload that may go out as its own slice. */
export function sizeOfRecordsPayload(b: Buffer): number {
  if (b.length >= ZERO_COPY_MIN_BYTES) zeroCopyTally += b.length;
  return b.length;
}

export function sizeOfUvarint(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

export function sizeOfVarint(v: number): number {
  return sizeOfUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
}

export function sizeOfVarlong(v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

export function sizeOfUtf8(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Sizes of the schema language's length-prefixed forms. */
export function sizeOfString(s: string | null, flexible: boolean): number {
  if (s === null) return flexible ? 1 : 2;
  const n = Buffer.byteLength(s, 'utf8');
  return (flexible ? sizeOfUvarint(n + 1) : 2) + n;
}

export function sizeOfBytes(b: Buffer | null, flexible: boolean): number {
  if (b === null) return flexible ? 1 : 4;
  return (flexible ? sizeOfUvarint(b.length + 1) : 4) + b.length;
}

export function sizeOfRecords(b: Buffer | null, flexible: boolean): number {
  if (b === null) return flexible ? 1 : 4;
  return (flexible ? sizeOfUvarint(b.length + 1) : 4) + sizeOfRecordsPayload(b);
}

export function sizeOfArrayLength(n: number, flexible: boolean): number {
  return flexible ? sizeOfUvarint(n + 1) : 4;
}

/**
 * Writes into one buffer allocated up front from a size pass. Large records payloads are not copied:
 * they become separate slices in `chunks`, to be written to the socket with the frame around them.
 */
export class Writer {
  buf: Buffer;
  pos: number;
  /** Created by the first zero-copy payload: most messages have none. */
  private slices: Buffer[] | undefined;
  private sliceStart = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
  }

  int8(v: number): void {
    this.pos = this.buf.writeInt8(v, this.pos);
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  uint16(v: number): void {
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  int32(v: number): void {
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  uint32(v: number): void {
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  int64(v: number): void {
    writeInt64At(this.buf, this.pos, v);
    this.pos += 8;
  }

  int64Big(v: bigint): void {
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }

  float64(v: number): void {
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  uuid(s: string): void {
    const n = this.buf.write(s, this.pos, 16, 'base64url');
    if (n !== 16 || s.length !== 22) throw new AssertionError(`invalid uuid ${s}`);
    this.pos += 16;
  }

  uvarint(v: number): void {
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  raw(b: Buffer): void {
    this.pos += b.copy(this.buf, this.pos);
  }

  utf8(s: string, byteLength: number): void {
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  string(s: string | null, flexible: boolean): void {
    if (s === null) {
      if (flexible) this.uvarint(0);
      else this.int16(-1);
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    if (flexible) this.uvarint(n + 1);
    else this.int16(n);
    this.utf8(s, n);
  }

  bytes(b: Buffer | null, flexible: boolean): void {
    if (b === null) {
      if (flexible) this.uvarint(0);
      else this.int32(-1);
      return;
    }
    if (flexible) this.uvarint(b.length + 1);
    else this.int32(b.length);
    this.raw(b);
  }

  /** Like bytes(), but a large payload goes out as its own slice (see sizeOfRecords). */
  records(b: Buffer | null, flexible: boolean): void {
    if (b === null || b.length < ZERO_COPY_MIN_BYTES) {
      this.bytes(b, flexible);
      return;
    }
    if (flexible) this.uvarint(b.length + 1);
    else this.int32(b.length);
    const slices = (this.slices ??= []);
    if (this.pos > this.sliceStart) slices.push(this.buf.subarray(this.sliceStart, this.pos));
    slices.push(b);
    this.sliceStart = this.pos;
  }

  arrayLength(n: number, flexible: boolean): void {
    if (flexible) this.uvarint(n + 1);
    else this.int32(n);
  }

  /** The written bytes as non-empty slices, in order (call once). Asserts that the size pass was exact. */
  finish(): Buffer[] {
    // Not assert(): its message would be built on every call.
    if (this.pos !== this.buf.length) throw new AssertionError(`size pass said ${this.buf.length} bytes, wrote ${this.pos}`);
    const slices = this.slices;
    if (slices === undefined) return [this.buf];
    if (this.pos > this.sliceStart) slices.push(this.buf.subarray(this.sliceStart, this.pos));
    return slices;
  }
}
