import type { FileSystem } from '../common/index.js';
import { int64At, writeInt64At } from './batch-header.js';

/** One aborted transaction, as recorded in `.txnindex` (Kafka's AbortedTxn, version 0). */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly lastStableOffset: number;
}

const ENTRY_SIZE = 34;

/**
 * `<base>.txnindex`: the aborted transactions whose abort marker is in this segment, in marker
 * order. Entries are few, so the file is written through on append and read whole when needed.
 */
export class TransactionIndex {
  private entries: AbortedTxn[] | undefined;

  constructor(
    private readonly fs: FileSystem,
    public path: string,
  ) {}

  initEmpty(): void {
    this.entries = [];
  }

  private load(): AbortedTxn[] {
    if (this.entries !== undefined) return this.entries;
    const data = this.fs.readFile(this.path) ?? Buffer.alloc(0);
    const out: AbortedTxn[] = [];
    for (let at = 0; at + ENTRY_SIZE <= data.length; at += ENTRY_SIZE) {
      if (data.readInt16BE(at) !== 0) break;
      out.push({
        producerId: int64At(data, at + 2),
        firstOffset: int64At(data, at + 10),
        lastOffset: int64At(data, at + 18),
        lastStableOffset: int64At(data, at + 26),
      });
    }
    this.entries = out;
    return out;
  }

  all(): readonly AbortedTxn[] {
    return this.load();
  }

  append(txn: AbortedTxn): void {
    const list = this.load();
    const buf = Buffer.alloc(ENTRY_SIZE);
    buf.writeInt16BE(0, 0);
    writeInt64At(buf, 2, txn.producerId);
    writeInt64At(buf, 10, txn.firstOffset);
    writeInt64At(buf, 18, txn.lastOffset);
    writeInt64At(buf, 26, txn.lastStableOffset);
    const fd = this.fs.open(this.path, 'create');
    try {
      this.fs.write(fd, buf, 0, ENTRY_SIZE, list.length * ENTRY_SIZE);
    } finally {
      this.fs.close(fd);
    }
    list.push(txn);
  }

  /** Aborted transactions overlapping [fetchOffset, upperBoundOffset). */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.load().filter((t) => t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset);
  }

  /**
   * Kafka's collectAbortedTxns: appends to `out` the entries overlapping [fetchOffset,
   * upperBoundOffset); true (complete) once an entry's last stable offset reaches the upper bound.
   */
  search(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    for (const t of this.load()) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) out.push(t);
      if (t.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  /** Drops entries whose marker is at or after `offset`. */
  truncateTo(offset: number): void {
    const list = this.load();
    const keep = list.filter((t) => t.lastOffset < offset);
    if (keep.length === list.length) return;
    this.rewrite(keep);
  }

  rewrite(list: AbortedTxn[]): void {
    this.entries = [];
    const fd = this.fs.open(this.path, 'create');
    try {
      this.fs.truncate(fd, 0);
    } finally {
      this.fs.close(fd);
    }
    for (const t of list) this.append(t);
  }

  /** sync() with the fdatasync on the thread pool (the flush of a rolled segment). */
  async syncAsync(): Promise<void> {
    if (this.fs.stat(this.path) === undefined) return;
    const fd = this.fs.open(this.path, 'readWrite');
    try {
      await this.fs.fdatasync(fd);
    } finally {
      await this.fs.closeAsync(fd);
    }
  }

  sync(): void {
    if (this.fs.stat(this.path) === undefined) return;
    const fd = this.fs.open(this.path, 'readWrite');
    try {
      this.fs.fdatasyncSync(fd);
    } finally {
      this.fs.close(fd);
    }
  }
}
