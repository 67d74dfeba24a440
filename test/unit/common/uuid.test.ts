import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ONE_UUID, ZERO_UUID, isUuidString, randomUuid, uuidToBytes, uuidToString } from '../../../src/common/index.js';
import { Prng } from '../../../src/testkit/index.js';

test('uuid strings round-trip through bytes', () => {
  const bytes = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const s = uuidToString(bytes);
  assert.equal(s.length, 22);
  assert.ok(isUuidString(s));
  assert.deepEqual(uuidToBytes(s), bytes);
  assert.equal(uuidToString(Buffer.alloc(16)), ZERO_UUID);
  assert.throws(() => uuidToBytes('short'), RangeError);
  assert.throws(() => uuidToString(Buffer.alloc(15)), RangeError);
});

test('randomUuid is version 4 and skips reserved values and a leading dash', () => {
  const prng = new Prng(7);
  for (let i = 0; i < 2000; i++) {
    const s = randomUuid((n) => prng.bytes(n));
    const b = uuidToBytes(s);
    assert.equal(b[6]! >> 4, 4);
    assert.equal(b[8]! >> 6, 2);
    assert.ok(!s.startsWith('-'));
  }
  // A source that first yields the reserved values must be skipped past.
  const queue = [Buffer.alloc(16), Buffer.from('fbefbefbefbefbefbefbefbefbefbefb', 'hex'), Buffer.alloc(16, 1)];
  const s = randomUuid(() => queue.shift()!);
  assert.notEqual(s, ZERO_UUID);
  assert.notEqual(s, ONE_UUID);
  assert.ok(!s.startsWith('-'));
});
