import { dirname } from 'node:path';
import { ATOMIC_WRITE_TEMP_SUFFIX } from '../common/index.js';
import type { FileSystem } from '../common/index.js';

/**
 * The temp file of an asynchronous replace. Not writeFileAtomic's `.tmp`: a synchronous write may
 * run while an asynchronous one is in flight, and the two must not share a file. It still ends
 * in `.tmp`, so a partition directory's leftovers are removed at load like the others.
 */
export const ASYNC_WRITE_TEMP_SUFFIX = `.async${ATOMIC_WRITE_TEMP_SUFFIX}`;

interface QueuedWrite {
  data: Buffer;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * One small file replaced atomically (a checkpoint, Kafka's CheckpointFile), either synchronously
 * or with the slow parts off the event loop: the temp file's write and fdatasync, then the directory
 * fsync, run on the thread pool (an fdatasync plus a directory fsync cost 1-20 ms on a VM).
 *
 * Ordering: the file always ends with the content of the last write started, whatever the order
 * the thread pool finishes in. Asynchronous writes run one at a time; a write requested while one
 * is in flight waits, and a newer request replaces a waiting one (its caller's promise follows the
 * newer write, whose content supersedes it). A synchronous write (`writeSync`) supersedes an
 * asynchronous one in flight: that one then ends without its rename. That is why the rename is done
 * here, on the event loop, rather than on the thread pool: a rename is a metadata change that does
 * not wait for the device (the data was fdatasync'ed before), and doing it here makes "not
 * superseded" and "renamed" one step no synchronous write can come between.
 *
 * A crash at any point leaves the old content or the new one: the rename happens only once the temp
 * file is durable; the directory fsync after it makes the rename itself durable.
 */
export class CheckpointFile {
  /** Bumped by every write started; an asynchronous write renames only if it is still the latest. */
  private generation = 0;
  private running: Promise<void> | undefined;
  private queued: QueuedWrite | undefined;
  private closed = false;

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
  ) {}

  /** Replaces the file now, blocking (temp + fdatasync + rename + dir fsync). Throws on failure. */
  writeSync(data: Buffer): void {
    this.generation++;
    this.fs.writeFileAtomic(this.path, data);
  }

  /**
   * Replaces the file off the event loop. Resolves once `data`, or newer content, is durable (or a
   * synchronous write superseded it); rejects on an I/O error.
   */
  writeAsync(data: Buffer): Promise<void> {
    if (this.queued !== undefined) {
      this.queued.data = data;
      return this.queued.done;
    }
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const write: QueuedWrite = { data, done, resolve, reject };
    if (this.running === undefined) this.start(write);
    else this.queued = write;
    return done;
  }

  /** True while an asynchronous write is in flight or waiting. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when no asynchronous write is in flight or waiting. Never rejects. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /**
   * No rename from now on (the directory is being deleted or renamed): writes in flight end without
   * touching the file, waiting ones resolve without being written.
   */
  close(): void {
    this.closed = true;
  }

  private start(write: QueuedWrite): void {
    const running = this.replace(write.data).then(write.resolve, write.reject);
    this.running = running.then(() => {
      this.running = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (next !== undefined) this.start(next);
    });
  }

  private async replace(data: Buffer): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    const tmp = this.path + ASYNC_WRITE_TEMP_SUFFIX;
    await this.fs.writeFileAsync(tmp, data);
    // Superseded: a newer write (synchronous) holds newer content. The temp file stays; the next
    // asynchronous write overwrites it.
    if (this.closed || generation !== this.generation) return;
    this.fs.rename(tmp, this.path);
    await this.fs.syncDirAsync(dirname(this.path));
  }
}
