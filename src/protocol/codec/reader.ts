import { DecodeError } from './errors.js';
import { int64At } from './int64.js';

/**
 * A bounds-checked cursor over a Buffer. Every read checks the remaining bytes first and throws
 * DecodeError on short input, so a length taken from the wire never allocates past the frame.
 * `bytes()` and the string readers return views or decoded strings of bytes that are present.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless n more bytes are present. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new DecodeError(`short input: need ${n} bytes at ${this.pos}, ${this.end - this.pos} left`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** An int64 as a number; values outside ±(2^53-1) are a decode error (see int64Big for the rare exceptions). */
  int64(): number {
    this.need(8);
    const v = int64At(this.buf, this.pos);
    if (Number.isNaN(v)) throw new DecodeError(`int64 at ${this.pos} is outside the safe integer range`);
    this.pos += 8;
    return v;
  }

  int64Big(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A UUID as Kafka prints it: 22 characters of URL-safe base64 without padding. */
  uuid(): string {
    this.need(16);
    const s = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }

  /** Unsigned varint of at most 5 bytes (32 bits). */
  uvarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.end) throw new DecodeError(`short input: varint at ${this.pos}`);
      const b = buf[pos++]!;
      if (shift === 28 && b > 0x0f) throw new DecodeError(`overlong varint at ${this.pos}`);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return result;
      }
    }
    throw new DecodeError(`overlong varint at ${this.pos}`);
  }

  /** Zigzag-encoded signed int32. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed int64, as a checked number (|value| < 2^52; record deltas are far smaller). */
  varlong(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= this.end) throw new DecodeError(`short input: varlong at ${this.pos}`);
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (result > Number.MAX_SAFE_INTEGER) {
        throw new DecodeError(`varlong at ${this.pos} is outside the safe integer range`);
      }
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
    }
    throw new DecodeError(`overlong varlong at ${this.pos}`);
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  utf8(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  // --- Length prefixes of the schema language. Each returns -1 for null; callers reject null where not allowed.

  /** int16 length of a (nullable) string. */
  stringLength(): number {
    const n = this.int16();
    if (n < -1) throw new DecodeError(`negative string length ${n}`);
    return n;
  }

  /** int32 length of (nullable) bytes or an array. */
  int32Length(): number {
    const n = this.int32();
    if (n < -1) throw new DecodeError(`negative length ${n}`);
    return n;
  }

  /** Compact length: unsigned varint N+1, 0 meaning null. */
  compactLength(): number {
    return this.uvarint() - 1;
  }

  string(): string {
    const n = this.stringLength();
    if (n < 0) throw new DecodeError('null string where a string is required');
    return this.utf8(n);
  }

  nullableString(): string | null {
    const n = this.stringLength();
    return n < 0 ? null : this.utf8(n);
  }

  compactString(): string {
    const n = this.compactLength();
    if (n < 0) throw new DecodeError('null string where a string is required');
    return this.utf8(n);
  }

  compactNullableString(): string | null {
    const n = this.compactLength();
    return n < 0 ? null : this.utf8(n);
  }

  bytesField(): Buffer {
    const n = this.int32Length();
    if (n < 0) throw new DecodeError('null bytes where bytes are required');
    return this.bytes(n);
  }

  nullableBytesField(): Buffer | null {
    const n = this.int32Length();
    return n < 0 ? null : this.bytes(n);
  }

  compactBytesField(): Buffer {
    const n = this.compactLength();
    if (n < 0) throw new DecodeError('null bytes where bytes are required');
    return this.bytes(n);
  }

  compactNullableBytesField(): Buffer | null {
    const n = this.compactLength();
    return n < 0 ? null : this.bytes(n);
  }

  /**
   * An array length, checked against the bytes left: each element takes at least `minElementSize` bytes
   * (at least 1 is assumed for the check, so a count can never exceed the frame).
   */
  arrayLength(flexible: boolean, nullable: boolean, minElementSize: number): number {
    const n = flexible ? this.compactLength() : this.int32Length();
    if (n < 0) {
      if (!nullable) throw new DecodeError('null array where an array is required');
      return -1;
    }
    if (n * Math.max(1, minElementSize) > this.end - this.pos) {
      throw new DecodeError(`array of ${n} elements cannot fit in ${this.end - this.pos} bytes`);
    }
    return n;
  }

  /** Throws unless every byte was consumed. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw new DecodeError(`${this.end - this.pos} trailing bytes after ${what}`);
  }
}
