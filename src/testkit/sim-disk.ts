import { dirname } from 'node:path';
import { ATOMIC_WRITE_TEMP_SUFFIX, assert } from '../common/index.js';
import type { FileStat, FileSystem, OpenMode } from '../common/index.js';
import type { Prng } from './prng.js';

type Op = { kind: 'write'; position: number; bytes: Buffer } | { kind: 'truncate'; length: number };

class SimFile {
  data: Buffer = Buffer.alloc(0);
  length = 0;
  /** Content as of the last fdatasync: what survives a power cut for sure. */
  durable: Buffer = Buffer.alloc(0);
  /** Writes and truncations since then, in order. */
  ops: Op[] = [];
  mtimeMs = 0;

  content(): Buffer {
    return this.data.subarray(0, this.length);
  }

  setLength(n: number): void {
    if (n > this.data.length) {
      const grown = Buffer.alloc(Math.max(n, this.data.length * 2));
      this.data.copy(grown, 0, 0, this.length);
      this.data = grown;
    } else if (n > this.length) {
      this.data.fill(0, this.length, n);
    }
    this.length = n;
  }

  applyWrite(position: number, bytes: Buffer): void {
    if (position > this.length) this.setLength(position);
    const end = position + bytes.length;
    if (end > this.length) this.setLength(end);
    bytes.copy(this.data, position);
  }

  applyTruncate(length: number): void {
    if (length < this.length) this.data.fill(0, length, this.length);
    this.setLength(length);
  }

  sync(): void {
    this.durable = Buffer.from(this.content());
    this.ops = [];
  }
}

/** The SimDisk calls that stand for thread-pool work. */
export type ThreadPoolCall = 'close' | 'unlink' | 'rmdir' | 'read' | 'fdatasync' | 'writeFile' | 'syncDir';

/** A thread-pool operation: its effect happens when it completes. */
interface AsyncOp {
  readonly kind: ThreadPoolCall;
  readonly run: () => unknown;
  readonly resolve: (value: never) => void;
  readonly reject: (err: unknown) => void;
}

function fsError(code: string, message: string): Error {
  const err = new Error(`${code}: ${message}`) as Error & { code: string };
  err.code = code;
  return err;
}

/**
 * An in-memory disk for tests (DESIGN.md §8): file data written but not fdatasync'ed may be lost at
 * `powerCut()` — a random prefix of the unsynced writes survives, the last one possibly torn.
 * Directory operations (create, rename, unlink) are treated as durable at once, as on a
 * journaling file system with ordered metadata. Faults: a byte budget (ENOSPC), read-only mode
 * (EROFS), and direct corruption of file bytes.
 *
 * Thread-pool calls (closeAsync, unlinkAsync, rmdirAsync, readAsync, fdatasync, writeFileAsync,
 * syncDirAsync) take effect at once unless `holdAsync` is set: then they wait, in order, for
 * `releaseAsync()` or `failAsync()`, so a test can act (or crash) while one is in flight. A held
 * writeFileAsync has written nothing yet; it writes and syncs its file when released.
 */
export class SimDisk implements FileSystem {
  private files = new Map<string, SimFile>();
  private dirs = new Set<string>(['/']);
  private fds = new Map<number, { file: SimFile; writable: boolean }>();
  private nextFd = 3;
  /** When set, writes that would grow the disk's total bytes past it fail with ENOSPC. */
  capacityBytes: number | undefined;
  /** When true, every mutation fails with EROFS. */
  readOnly = false;
  /** Counts, for assertions on group commit. */
  fdatasyncCount = 0;
  writeCount = 0;
  nowMs = 0;
  /** When true, thread-pool calls wait for `releaseAsync` / `failAsync` (see the class comment). */
  holdAsync = false;
  private heldOps: AsyncOp[] = [];

  private checkWritable(path: string): void {
    if (this.readOnly) throw fsError('EROFS', `read-only file system: ${path}`);
  }

  /** Bytes held by all files. */
  usedBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.length;
    return n;
  }

  private file(fd: number): { file: SimFile; writable: boolean } {
    const h = this.fds.get(fd);
    if (h === undefined) throw fsError('EBADF', `bad file descriptor ${fd}`);
    return h;
  }

  open(path: string, mode: OpenMode): number {
    let f = this.files.get(path);
    if (f === undefined) {
      if (mode !== 'create') throw fsError('ENOENT', `no such file: ${path}`);
      this.checkWritable(path);
      if (!this.dirs.has(dirname(path))) throw fsError('ENOENT', `no such directory: ${dirname(path)}`);
      f = new SimFile();
      f.mtimeMs = this.nowMs;
      this.files.set(path, f);
    }
    if (mode !== 'read' && this.readOnly) throw fsError('EROFS', `read-only file system: ${path}`);
    const fd = this.nextFd++;
    this.fds.set(fd, { file: f, writable: mode !== 'read' });
    return fd;
  }

  close(fd: number): void {
    this.file(fd);
    this.fds.delete(fd);
  }

  closeAsync(fd: number): Promise<void> {
    return this.threadPool('close', () => this.close(fd));
  }

  /** Runs `run` now (a settled promise), or queues it while `holdAsync` is set. */
  private threadPool<T>(kind: ThreadPoolCall, run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const op: AsyncOp = { kind, run, resolve: resolve as (value: never) => void, reject };
      if (this.holdAsync) this.heldOps.push(op);
      else this.complete(op);
    });
  }

  private complete(op: AsyncOp): void {
    let result: unknown;
    try {
      result = op.run();
    } catch (err) {
      op.reject(err);
      return;
    }
    op.resolve(result as never);
  }

  /** The kinds of the thread-pool calls waiting for `releaseAsync`, in order. */
  get heldAsync(): ReadonlyArray<ThreadPoolCall> {
    return this.heldOps.map((op) => op.kind);
  }

  /** Completes the first `n` held thread-pool calls (default all), in order; calls made meanwhile wait too. */
  releaseAsync(n = this.heldOps.length): void {
    for (const op of this.heldOps.splice(0, n)) this.complete(op);
  }

  /** Fails the held thread-pool calls with `code` (EIO...); none of them takes effect. */
  failAsync(code: string): void {
    for (const op of this.heldOps.splice(0)) op.reject(fsError(code, `asynchronous ${op.kind} failed`));
  }

  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    const { file } = this.file(fd);
    const n = Math.max(0, Math.min(length, file.length - position));
    file.data.copy(buf, offset, position, position + n);
    return n;
  }

  readAsync(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.threadPool('read', () => this.read(fd, buf, offset, length, position));
  }

  write(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
    const h = this.file(fd);
    if (!h.writable) throw fsError('EBADF', 'file not open for writing');
    this.checkWritable('fd');
    const bytes = Buffer.from(buf.subarray(offset, offset + length));
    if (this.capacityBytes !== undefined) {
      const growth = Math.max(0, position + length - h.file.length);
      const room = this.capacityBytes - this.usedBytes();
      if (growth > room) {
        // Like a real disk: what fits is written, then ENOSPC.
        const fit = Math.max(0, room - Math.max(0, position - h.file.length));
        if (fit > 0) {
          h.file.applyWrite(position, bytes.subarray(0, fit));
          h.file.ops.push({ kind: 'write', position, bytes: bytes.subarray(0, fit) });
        }
        throw fsError('ENOSPC', 'no space left on device');
      }
    }
    h.file.applyWrite(position, bytes);
    h.file.ops.push({ kind: 'write', position, bytes });
    h.file.mtimeMs = this.nowMs;
    this.writeCount++;
  }

  fdatasync(fd: number): Promise<void> {
    return this.threadPool('fdatasync', () => this.fdatasyncSync(fd));
  }

  fdatasyncSync(fd: number): void {
    this.file(fd).file.sync();
    this.fdatasyncCount++;
  }

  truncate(fd: number, length: number): void {
    const h = this.file(fd);
    this.checkWritable('fd');
    h.file.applyTruncate(length);
    h.file.ops.push({ kind: 'truncate', length });
  }

  fileSize(fd: number): number {
    return this.file(fd).file.length;
  }

  rename(from: string, to: string): void {
    this.checkWritable(from);
    if (this.dirs.has(from)) {
      this.renameDir(from, to);
      return;
    }
    const f = this.files.get(from);
    if (f === undefined) throw fsError('ENOENT', `no such file: ${from}`);
    this.files.delete(from);
    this.files.set(to, f);
  }

  /** Moves a directory and everything under it; descriptors keep pointing at the same files. */
  private renameDir(from: string, to: string): void {
    if (!this.dirs.has(dirname(to))) throw fsError('ENOENT', `no such directory: ${dirname(to)}`);
    if (this.files.has(to) || (this.dirs.has(to) && this.readdir(to).length > 0)) throw fsError('ENOTEMPTY', `target exists: ${to}`);
    const prefix = `${from}/`;
    const moved = (p: string): string => to + p.slice(from.length);
    for (const d of [...this.dirs]) {
      if (d === from || d.startsWith(prefix)) {
        this.dirs.delete(d);
        this.dirs.add(moved(d));
      }
    }
    for (const [p, f] of [...this.files]) {
      if (p.startsWith(prefix)) {
        this.files.delete(p);
        this.files.set(moved(p), f);
      }
    }
  }

  unlink(path: string): void {
    this.checkWritable(path);
    if (!this.files.delete(path)) throw fsError('ENOENT', `no such file: ${path}`);
  }

  unlinkAsync(path: string): Promise<void> {
    return this.threadPool('unlink', () => this.unlink(path));
  }

  readdir(path: string): string[] {
    if (!this.dirs.has(path)) throw fsError('ENOENT', `no such directory: ${path}`);
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const out = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) {
        const rest = p.slice(prefix.length);
        out.add(rest.split('/')[0]!);
      }
    }
    return [...out].sort();
  }

  mkdir(path: string): void {
    if (this.dirs.has(path)) return;
    this.checkWritable(path);
    const parent = dirname(path);
    if (parent !== path) this.mkdir(parent);
    this.dirs.add(path);
  }

  rmdir(path: string): void {
    this.checkWritable(path);
    if (this.readdir(path).length > 0) throw fsError('ENOTEMPTY', `directory not empty: ${path}`);
    this.dirs.delete(path);
  }

  rmdirAsync(path: string): Promise<void> {
    return this.threadPool('rmdir', () => this.rmdir(path));
  }

  stat(path: string): FileStat | undefined {
    if (this.dirs.has(path)) return { size: 0, isDirectory: true, mtimeMs: this.nowMs };
    const f = this.files.get(path);
    if (f === undefined) return undefined;
    return { size: f.length, isDirectory: false, mtimeMs: f.mtimeMs };
  }

  readFile(path: string): Buffer | undefined {
    const f = this.files.get(path);
    return f === undefined ? undefined : Buffer.from(f.content());
  }

  writeFileAtomic(path: string, data: Buffer, tempSuffix = ATOMIC_WRITE_TEMP_SUFFIX): void {
    assert(tempSuffix.length > 0 && !tempSuffix.includes('/'), `writeFileAtomic: bad temp suffix '${tempSuffix}'`);
    const tmp = path + tempSuffix;
    this.writeWholeFile(tmp, data);
    this.rename(tmp, path);
  }

  writeFileAsync(path: string, data: Buffer): Promise<void> {
    return this.threadPool('writeFile', () => this.writeWholeFile(path, data));
  }

  /** Creates or replaces `path` with `data`, fdatasync'ed. */
  private writeWholeFile(path: string, data: Buffer): void {
    const fd = this.open(path, 'create');
    try {
      this.truncate(fd, 0);
      this.write(fd, data, 0, data.length, 0);
      this.fdatasyncSync(fd);
    } finally {
      this.close(fd);
    }
  }

  syncDir(): void {}

  /** Directory operations are durable at once here (see the class comment): only the call's timing is simulated. */
  syncDirAsync(path: string): Promise<void> {
    return this.threadPool('syncDir', () => {
      if (!this.dirs.has(path)) throw fsError('ENOENT', `no such directory: ${path}`);
    });
  }

  // ---- test controls -------------------------------------------------------------------------

  /**
   * A power cut: descriptors are gone; every file keeps its synced content plus a random prefix of
   * the writes made since (the last surviving one possibly torn at a random byte).
   */
  powerCut(rng: Prng): void {
    this.fds.clear();
    this.heldOps = [];
    for (const f of this.files.values()) {
      const ops = f.ops;
      const keep = rng.nextInt(ops.length + 1);
      const content = f.durable;
      f.data = Buffer.from(content);
      f.length = content.length;
      for (let i = 0; i < keep; i++) {
        const op = ops[i]!;
        if (op.kind === 'truncate') {
          f.applyTruncate(op.length);
        } else {
          const torn = i === keep - 1 && rng.chance(0.5) ? op.bytes.subarray(0, rng.nextInt(op.bytes.length + 1)) : op.bytes;
          f.applyWrite(op.position, torn);
        }
      }
      f.sync();
    }
  }

  /** A process crash: descriptors are gone but the page cache (every write) survives; held thread-pool calls never happen. */
  processCrash(): void {
    this.fds.clear();
    this.heldOps = [];
  }

  /** Overwrites bytes of a file directly (bit rot, a bad sector, a buggy tool). */
  corrupt(path: string, position: number, bytes: Buffer): void {
    const f = this.files.get(path);
    if (f === undefined) throw fsError('ENOENT', `no such file: ${path}`);
    f.applyWrite(position, bytes);
    f.sync();
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }

  get openDescriptors(): number {
    return this.fds.size;
  }
}
