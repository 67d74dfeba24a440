/**
 * The file-system surface storage needs. Only src/platform implements it against node:fs;
 * src/testkit's SimDisk implements it in memory so tests can cut power and lose unsynced writes.
 *
 * Data I/O is positional on numeric handles. Most calls are synchronous because writes to the
 * page cache are cheaper inline than a thread-pool hop; the calls that can block on the device
 * (fdatasync, reads serving fetches) also exist in async form so the event loop keeps moving.
 * Failures throw an Error carrying a POSIX `code` (ENOSPC, EROFS, EIO, ENOENT, ...).
 */
export type OpenMode =
  /** existing file, read only */
  | 'read'
  /** existing file, read and write */
  | 'readWrite'
  /** read and write, created empty if missing */
  | 'create';

export interface FileStat {
  readonly size: number;
  readonly isDirectory: boolean;
  readonly mtimeMs: number;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): number;
  close(fd: number): void;
  /** Reads up to `length` bytes at `position`; returns the count (short only at end of file). */
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  readAsync(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes all `length` bytes at `position` (loops over short writes) or throws. */
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): void;
  /** Makes every write to this file so far durable; other files are not covered. */
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;
  truncate(fd: number, length: number): void;
  fileSize(fd: number): number;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  readdir(path: string): string[];
  /** Creates the directory and its parents if missing. */
  mkdir(path: string): void;
  /** Removes an empty directory. */
  rmdir(path: string): void;
  stat(path: string): FileStat | undefined;
  /** The whole file, or undefined when it does not exist. */
  readFile(path: string): Buffer | undefined;
  /**
   * Replaces a file so that a crash leaves either the old or the new content (temp + fsync + rename +
   * dir fsync). The temp file is `path + tempSuffix` (default ATOMIC_WRITE_TEMP_SUFFIX), in the same
   * directory so the rename is atomic; a caller whose recovery looks for its own leftovers (Kafka's
   * `.checkpoint.part` snapshots) names the suffix.
   */
  writeFileAtomic(path: string, data: Buffer, tempSuffix?: string): void;
  /** Makes directory entries (creates, renames, unlinks) durable. */
  syncDir(path: string): void;
}

/** writeFileAtomic's temp file suffix unless the caller names one. */
export const ATOMIC_WRITE_TEMP_SUFFIX = '.tmp';

/** The POSIX error code of a thrown file-system error, if it has one. */
export function fsErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
