import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { ATOMIC_WRITE_TEMP_SUFFIX, assert, assertNever } from '../common/index.js';
import type { FileStat, FileSystem, OpenMode } from '../common/index.js';

function flagsFor(mode: OpenMode): number {
  switch (mode) {
    case 'read':
      return fs.constants.O_RDONLY;
    case 'readWrite':
      return fs.constants.O_RDWR;
    case 'create':
      return fs.constants.O_RDWR | fs.constants.O_CREAT;
    default:
      return assertNever(mode, 'open mode');
  }
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
  });
}

function readAsync(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/** The real disk, through node:fs. */
export class NodeFileSystem implements FileSystem {
  open(path: string, mode: OpenMode): number {
    return fs.openSync(path, flagsFor(mode), 0o644);
  }
  close(fd: number): void {
    fs.closeSync(fd);
  }
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
    let done = 0;
    // A regular file returns short reads only at end of file, but loop to be safe on odd file systems.
    while (done < length) {
      const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
  async readAsync(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const n = await readAsync(fd, buf, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      done += fs.writeSync(fd, buf, offset + done, length - done, position + done);
    }
  }
  fdatasync(fd: number): Promise<void> {
    return fdatasyncAsync(fd);
  }
  fdatasyncSync(fd: number): void {
    fs.fdatasyncSync(fd);
  }
  truncate(fd: number, length: number): void {
    fs.ftruncateSync(fd, length);
  }
  fileSize(fd: number): number {
    return fs.fstatSync(fd).size;
  }
  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }
  unlink(path: string): void {
    fs.unlinkSync(path);
  }
  readdir(path: string): string[] {
    return fs.readdirSync(path);
  }
  mkdir(path: string): void {
    fs.mkdirSync(path, { recursive: true });
  }
  rmdir(path: string): void {
    fs.rmdirSync(path);
  }
  stat(path: string): FileStat | undefined {
    const s = fs.statSync(path, { throwIfNoEntry: false });
    if (s === undefined) return undefined;
    return { size: s.size, isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
  }
  readFile(path: string): Buffer | undefined {
    try {
      return fs.readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  writeFileAtomic(path: string, data: Buffer, tempSuffix = ATOMIC_WRITE_TEMP_SUFFIX): void {
    assert(tempSuffix.length > 0 && !tempSuffix.includes('/'), `writeFileAtomic: bad temp suffix '${tempSuffix}'`);
    const tmp = path + tempSuffix;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      this.write(fd, data, 0, data.length, 0);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    this.syncDir(dirname(path));
  }
  syncDir(path: string): void {
    const fd = fs.openSync(path, fs.constants.O_RDONLY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
