import { DecodeError } from './errors.js';

/** A frame whose size prefix exceeds the configured maximum (socket.request.max.bytes). */
export class FrameTooLargeError extends DecodeError {
  override name = 'FrameTooLargeError';
  constructor(readonly size: number, readonly max: number) {
    super(`frame of ${size} bytes exceeds the maximum of ${max}`);
  }
}

/** Every Kafka frame starts with its size as a big-endian int32. */
export const FRAME_SIZE_BYTES = 4;

/**
 * Splits a byte stream into frames: 4-byte big-endian size, then that many bytes. Chunks are kept
 * as they arrive and joined only when a frame spans several, so a large frame is copied once.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds a chunk; returns the frames it completes (payloads without the size prefix). */
  push(chunk: Buffer): Buffer[] {
    this.add(chunk);
    const out: Buffer[] = [];
    for (let f = this.nextSized(); f !== undefined; f = this.nextSized()) out.push(f.subarray(FRAME_SIZE_BYTES));
    return out;
  }

  /** Adds a chunk; take the frames it completes with `nextSized`. */
  add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame WITH its 4-byte size prefix (the payload starts at FRAME_SIZE_BYTES),
   * or undefined until more bytes arrive. A chunk that is exactly one frame, the usual case for
   * one request at a time, comes back as is: no view is allocated. Throws on a bad size.
   */
  nextSized(): Buffer | undefined {
    if (this.buffered < FRAME_SIZE_BYTES) return undefined;
    const head = this.peek4();
    const size = head.readInt32BE(0);
    if (size < 0) throw new DecodeError(`negative frame size ${size}`);
    if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
    if (this.buffered < FRAME_SIZE_BYTES + size) return undefined;
    return this.take(FRAME_SIZE_BYTES + size);
  }

  private peek4(): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first;
    return Buffer.concat(this.chunks, Math.min(this.buffered, 4));
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      this.buffered -= n;
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
