/**
 * Large buffers lent out for one response and given back once the socket no longer needs them
 * (fetch reads: a 1 MiB `Buffer.allocUnsafe` per fetch costs fresh pages, page faults and
 * external-memory GC; a reused one is warm). Lending is strict: a buffer is handed out again only
 * after `release` — which the network layer calls when the bytes it wrote from it have left user
 * space. A lent buffer that is never released (connection gone before the write) is simply
 * garbage-collected; the pool then allocates a new one. Ownership is tracked per ArrayBuffer, so
 * releasing a subarray releases its buffer, and a second release (or a stranger) is ignored.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private lentCount = 0;

  /**
   * @param bufferBytes size of every pooled buffer; larger requests are allocated plainly
   * @param maxFree buffers kept while idle (bounds the pool's idle memory)
   * @param minBytes smaller requests are allocated plainly (they would be copied into the frame)
   */
  constructor(
    readonly bufferBytes: number,
    readonly maxFree: number,
    readonly minBytes: number,
  ) {}

  /** A buffer of exactly `size` bytes (a view of a pooled one when it fits); release it when sent. */
  acquire(size: number): Buffer {
    if (size < this.minBytes || size > this.bufferBytes) return Buffer.allocUnsafe(size);
    const b = this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
    this.lent.add(b.buffer);
    this.lentCount++;
    return b.subarray(0, size);
  }

  /** Whether any of `slices` was lent by this pool (then `release` them once written). */
  lentAny(slices: readonly Buffer[]): boolean {
    if (this.lentCount === 0) return false;
    for (const s of slices) if (s.length >= this.minBytes && this.lent.has(s.buffer)) return true;
    return false;
  }

  /** Gives back the pooled buffers among `slices` (others are ignored). */
  release(slices: readonly Buffer[]): void {
    for (const s of slices) {
      if (s.length < this.minBytes || !this.lent.has(s.buffer)) continue;
      this.lent.delete(s.buffer);
      this.lentCount--;
      if (this.free.length < this.maxFree) this.free.push(Buffer.from(s.buffer, 0, this.bufferBytes));
    }
  }

  /** Buffers lent and not yet released (diagnostics; includes ones that will be GC'd). */
  get outstanding(): number {
    return this.lentCount;
  }

  get freeCount(): number {
    return this.free.length;
  }
}

/**
 * The process-wide pool for fetch responses: 8 x 1 MiB kept at most; reads of 64 KiB to 1 MiB use
 * it (consumers' max.partition.fetch.bytes defaults to 1 MiB).
 */
export const RECORDS_BUFFER_POOL = new BufferPool(1024 * 1024, 8, 64 * 1024);
