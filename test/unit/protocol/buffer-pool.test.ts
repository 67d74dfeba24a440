import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from '../../../src/protocol/index.js';

test('buffer pool: a buffer is lent again only after release; small, large and foreign buffers pass through', () => {
  const pool = new BufferPool(1024, 2, 100);
  const a = pool.acquire(600);
  const b = pool.acquire(1024);
  assert.equal(a.length, 600);
  assert.notEqual(a.buffer, b.buffer);
  assert.equal(pool.outstanding, 2);
  // not released: a new buffer, never `a`'s
  const c = pool.acquire(700);
  assert.notEqual(c.buffer, a.buffer);
  pool.release([a.subarray(0, 300), Buffer.alloc(500), b]);
  pool.release([a]); // second release of the same buffer: ignored
  assert.equal(pool.outstanding, 1);
  assert.equal(pool.freeCount, 2);
  const d = pool.acquire(900);
  assert.ok(d.buffer === a.buffer || d.buffer === b.buffer);
  assert.equal(pool.acquire(50).buffer.byteLength >= 50, true);
  assert.equal(pool.outstanding, 2); // small and oversized requests are not lent
  pool.acquire(5000);
  assert.equal(pool.outstanding, 2);
  pool.release([c, d]);
  assert.equal(pool.freeCount, 2); // bounded by maxFree
});
