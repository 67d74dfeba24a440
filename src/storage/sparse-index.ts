import { AssertionError, assert } from '../common/index.js';
import type { FileSystem } from '../common/index.js';
import { int64At, writeInt64At } from './batch-header.js';

/*
 * Binary searches over `count` increasing keys, the key of entry i being `keyAt(of, i)`. `keyAt` is a
 * module-level function and `of` what it reads, not a closure: fetches search the segment list and
 * the offset index on every read, and a closure per search was garbage at 10k fetches/s.
 */

/** The index of the last key <= target, or -1. */
export function floorIndex<T>(of: T, count: number, target: number, keyAt: (of: T, i: number) => number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (keyAt(of, mid) <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The index of the first key >= target, or count. */
export function ceilIndex<T>(of: T, count: number, target: number, keyAt: (of: T, i: number) => number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyAt(of, mid) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const offsetKey = (ix: OffsetIndex | TimeIndex, i: number): number => ix.offsetAt(i);
const positionKey = (ix: OffsetIndex, i: number): number => ix.positionAt(i);
const timestampKey = (ix: TimeIndex, i: number): number => ix.timestampAt(i);

/**
 * The common part of Kafka's offset and time indexes: fixed-size entries, sorted, kept in memory
 * (loaded lazily on first use, so opening thousands of segments reads no index) and written to the
 * file in Kafka's entry format. Writes are deferred to `flush()`: an index past the recovery point
 * is rebuilt by recovery anyway, and a segment's index is flushed before the recovery point moves
 * past it. A file that fails the sanity check on load is rebuilt from the log by the segment.
 */
export abstract class SparseIndex {
  protected buf: Buffer = Buffer.alloc(0);
  protected count = 0;
  private flushedCount = 0;
  private fileLength = -1;
  private loaded = false;

  constructor(
    protected readonly fs: FileSystem,
    public path: string,
    readonly baseOffset: number,
    readonly entrySize: number,
    readonly maxEntries: number,
  ) {}

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Marks a brand-new, empty index (nothing to read from disk). */
  initEmpty(): void {
    this.loaded = true;
    this.count = 0;
    this.flushedCount = 0;
    // Unknown on disk: the first flush creates (or empties) the file.
    this.fileLength = -1;
  }

  /** Reads the file; returns a reason when its content is not a valid index for a log of `logSize` bytes. */
  load(logSize: number): string | undefined {
    const data = this.fs.readFile(this.path) ?? Buffer.alloc(0);
    this.loaded = true;
    this.fileLength = data.length;
    if (data.length % this.entrySize !== 0) {
      this.reset();
      return `size ${data.length} is not a multiple of ${this.entrySize}`;
    }
    const n = data.length / this.entrySize;
    if (n > this.maxEntries) {
      this.reset();
      return `${n} entries exceed the maximum ${this.maxEntries}`;
    }
    this.buf = Buffer.from(data);
    this.count = n;
    this.flushedCount = n;
    const problem = this.sanityCheck(logSize);
    if (problem !== undefined) this.reset();
    return problem;
  }

  protected abstract sanityCheck(logSize: number): string | undefined;

  /** Empties the index in memory; the file follows on the next flush. */
  reset(): void {
    this.count = 0;
    this.flushedCount = 0;
    this.loaded = true;
  }

  get entries(): number {
    return this.count;
  }

  isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** Bytes the index file will take once flushed. */
  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }

  protected ensureCapacity(): void {
    const need = (this.count + 1) * this.entrySize;
    if (need <= this.buf.length) return;
    const grown = Buffer.alloc(Math.min(Math.max(need, this.buf.length * 2, 64 * this.entrySize), this.maxEntries * this.entrySize));
    this.buf.copy(grown, 0, 0, this.count * this.entrySize);
    this.buf = grown;
  }

  protected pushRaw(): number {
    assert(this.loaded, 'index appended before load');
    if (this.isFull()) throw new AssertionError(`index ${this.path} is full`);
    this.ensureCapacity();
    return this.count++ * this.entrySize;
  }

  /** Drops entries from `n` on. */
  protected truncateEntries(n: number): void {
    if (n >= this.count) return;
    this.count = n;
    if (this.flushedCount > n) this.flushedCount = n;
  }

  /** Writes entries not yet in the file and trims the file to the entries. */
  flush(): void {
    if (!this.loaded) return;
    const length = this.count * this.entrySize;
    if (this.flushedCount === this.count && this.fileLength === length) return;
    const fd = this.fs.open(this.path, 'create');
    try {
      const from = this.flushedCount * this.entrySize;
      if (length > from) this.fs.write(fd, this.buf, from, length - from, from);
      if (this.fileLength !== length) this.fs.truncate(fd, length);
    } finally {
      this.fs.close(fd);
    }
    this.flushedCount = this.count;
    this.fileLength = length;
  }

  /** sync() with the fdatasync on the thread pool (the flush of a rolled segment). */
  async syncAsync(): Promise<void> {
    if (!this.loaded) return;
    this.flush();
    const fd = this.fs.open(this.path, 'create');
    try {
      await this.fs.fdatasync(fd);
    } finally {
      await this.fs.closeAsync(fd);
    }
  }

  /** flush() plus fdatasync, for indexes of segments that fall behind the recovery point. */
  sync(): void {
    if (!this.loaded) return;
    this.flush();
    const fd = this.fs.open(this.path, 'create');
    try {
      this.fs.fdatasyncSync(fd);
    } finally {
      this.fs.close(fd);
    }
  }
}

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

/** `<base>.index`: entries of relative offset (int32) + file position (int32), both increasing. */
export class OffsetIndex extends SparseIndex {
  constructor(fs: FileSystem, path: string, baseOffset: number, maxIndexBytes: number) {
    super(fs, path, baseOffset, 8, Math.max(1, Math.floor(maxIndexBytes / 8)));
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * 8);
  }
  positionAt(i: number): number {
    return this.buf.readInt32BE(i * 8 + 4);
  }

  protected sanityCheck(logSize: number): string | undefined {
    let prevOffset = -1;
    let prevPosition = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.buf.readInt32BE(i * 8);
      const pos = this.positionAt(i);
      if (rel < 0 || rel <= prevOffset) return `entry ${i} offset ${rel} is not increasing`;
      if (pos < 0 || pos <= prevPosition || pos >= logSize) return `entry ${i} position ${pos} is invalid for a log of ${logSize} bytes`;
      prevOffset = rel;
      prevPosition = pos;
    }
    return undefined;
  }

  get lastOffset(): number {
    return this.count === 0 ? this.baseOffset : this.offsetAt(this.count - 1);
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    // Not assert(): the messages would be built on every append.
    if (!(rel >= 0 && rel <= 0x7fffffff)) throw new AssertionError(`offset ${offset} out of range for index based at ${this.baseOffset}`);
    if (this.count > 0) {
      if (!(offset > this.offsetAt(this.count - 1))) throw new AssertionError(`index offsets must increase (${offset})`);
      if (!(position > this.positionAt(this.count - 1))) throw new AssertionError(`index positions must increase (${position})`);
    }
    const at = this.pushRaw();
    this.buf.writeInt32BE(rel, at);
    this.buf.writeInt32BE(position, at + 4);
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0). */
  lookup(target: number): OffsetPosition {
    const i = floorIndex(this, this.count, target, offsetKey);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.offsetAt(i), position: this.positionAt(i) };
  }

  /** `lookup(target).position`, without the object (every fetch asks). */
  lookupPosition(target: number): number {
    const i = floorIndex(this, this.count, target, offsetKey);
    return i < 0 ? 0 : this.positionAt(i);
  }

  /** The offset of the first entry whose position is >= `position`, if any. */
  ceilingByPosition(position: number): number | undefined {
    const i = ceilIndex(this, this.count, position, positionKey);
    return i < this.count ? this.offsetAt(i) : undefined;
  }

  /** The entry with the largest position <= position, or (baseOffset, 0). */
  lookupByPosition(position: number): OffsetPosition {
    const i = floorIndex(this, this.count, position, positionKey);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.offsetAt(i), position: this.positionAt(i) };
  }

  /** `lookupByPosition(position).position`, without the object. */
  positionAtOrBefore(position: number): number {
    const i = floorIndex(this, this.count, position, positionKey);
    return i < 0 ? 0 : this.positionAt(i);
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    this.truncateEntries(ceilIndex(this, this.count, offset, offsetKey));
  }

  /** Removes entries whose position is >= `position`. */
  truncateToPosition(position: number): void {
    this.truncateEntries(ceilIndex(this, this.count, position, positionKey));
  }
}

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

/** `<base>.timeindex`: entries of timestamp (int64) + relative offset (int32), both non-decreasing. */
export class TimeIndex extends SparseIndex {
  constructor(fs: FileSystem, path: string, baseOffset: number, maxIndexBytes: number) {
    super(fs, path, baseOffset, 12, Math.max(1, Math.floor(maxIndexBytes / 12)));
  }

  timestampAt(i: number): number {
    return int64At(this.buf, i * 12);
  }
  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * 12 + 8);
  }

  protected sanityCheck(): string | undefined {
    let prevTs = -Infinity;
    let prevOffset = -1;
    for (let i = 0; i < this.count; i++) {
      const ts = this.timestampAt(i);
      const rel = this.buf.readInt32BE(i * 12 + 8);
      if (ts < prevTs) return `entry ${i} timestamp ${ts} decreases`;
      if (rel < 0 || rel < prevOffset) return `entry ${i} offset ${rel} decreases`;
      prevTs = ts;
      prevOffset = rel;
    }
    return undefined;
  }

  lastEntry(): TimestampOffset | undefined {
    if (this.count === 0) return undefined;
    return { timestamp: this.timestampAt(this.count - 1), offset: this.offsetAt(this.count - 1) };
  }

  /** Appends when the timestamp is larger than the last entry's (Kafka's maybeAppend). */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    const last = this.lastEntry();
    if (last !== undefined && timestamp <= last.timestamp) return;
    if (last !== undefined && offset < last.offset) return;
    if (!skipFullCheck && this.isFull()) return;
    if (this.isFull()) return;
    const rel = offset - this.baseOffset;
    if (!(rel >= 0 && rel <= 0x7fffffff)) throw new AssertionError(`offset ${offset} out of range for time index based at ${this.baseOffset}`);
    const at = this.pushRaw();
    writeInt64At(this.buf, at, timestamp);
    this.buf.writeInt32BE(rel, at + 8);
  }

  /** The entry with the largest timestamp <= target, or (-1, baseOffset). */
  lookup(target: number): TimestampOffset {
    const i = floorIndex(this, this.count, target, timestampKey);
    if (i < 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.timestampAt(i), offset: this.offsetAt(i) };
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    this.truncateEntries(ceilIndex(this, this.count, offset, offsetKey));
  }
}
