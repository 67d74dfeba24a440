import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATOMIC_WRITE_TEMP_SUFFIX, AssertionError, type FileSystem } from '../../../src/common/index.js';
import { NodeFileSystem } from '../../../src/platform/index.js';
import { SimDisk } from '../../../src/testkit/index.js';

/** Runs `body` against the real file system (in a fresh temp directory) and the simulated disk. */
function onBoth(body: (fs: FileSystem, dir: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'gregor-fs-'));
  try {
    body(new NodeFileSystem(), root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const disk = new SimDisk();
  disk.mkdir('/d');
  body(disk, '/d');
}

/** Makes the next data write fail after it reached the temp file, as an EIO would. */
function failNextWrite(fs: FileSystem): void {
  const write = fs.write.bind(fs);
  fs.write = (fd, buf, offset, length, position) => {
    write(fd, buf, offset, length, position);
    fs.write = write;
    throw Object.assign(new Error('injected'), { code: 'EIO' });
  };
}

test('writeFileAtomic: the temp file is path + the named suffix (default .tmp); a failed write leaves the old content', () => {
  onBoth((fs, dir) => {
    const path = join(dir, 'x.checkpoint');
    fs.writeFileAtomic(path, Buffer.from('old'));
    assert.deepEqual(fs.readdir(dir), ['x.checkpoint']);

    for (const [suffix, temp] of [[undefined, `x.checkpoint${ATOMIC_WRITE_TEMP_SUFFIX}`], ['.part', 'x.checkpoint.part']] as const) {
      failNextWrite(fs);
      assert.throws(() => fs.writeFileAtomic(path, Buffer.from('new'), suffix), { code: 'EIO' });
      assert.equal(fs.readFile(path)?.toString(), 'old', `${fs.constructor.name}: the target is untouched`);
      assert.equal(fs.readFile(join(dir, temp))?.toString(), 'new', `${fs.constructor.name}: the write went to ${temp}`);
      fs.unlink(join(dir, temp));
    }

    fs.writeFileAtomic(path, Buffer.from('newer'), '.part');
    assert.equal(fs.readFile(path)?.toString(), 'newer');
    assert.deepEqual(fs.readdir(dir), ['x.checkpoint'], 'nothing left behind');
    assert.throws(() => fs.writeFileAtomic(path, Buffer.from('y'), ''), AssertionError);
    assert.throws(() => fs.writeFileAtomic(path, Buffer.from('y'), '/../elsewhere'), AssertionError);
  });
});
