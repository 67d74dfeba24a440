import { DecodeError } from './errors.js';

/** A frame whose size prefix exceeds the configured maximum (socket.request.max.bytes). */
export class FrameTooLargeError extends DecodeError {
  override name = 'FrameTooLargeError';
  constructor(readonly size: number, readonly max: number) {
    super(`frame of ${size} bytes exceeds the maximum of ${max}`);
  }
}

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
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) return out;
      const head = this.peek4();
      const size = head.readInt32BE(0);
      if (size < 0) throw new DecodeError(`negative frame size ${size}`);
      if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
      if (this.buffered < 4 + size) return out;
      const all = this.take(4 + size);
      out.push(all.subarray(4));
    }
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
