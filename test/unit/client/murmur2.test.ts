import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey, toPositive } from '../../../src/client/index.js';

test('murmur2 matches the Java client (Kafka UtilsTest vectors)', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of cases) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test('murmur2 of the empty key and of every tail length stays a signed 32-bit int', () => {
  for (let n = 0; n < 16; n++) {
    const h = murmur2(Buffer.alloc(n, 0xff));
    assert.equal(h, h | 0);
  }
});

test('toPositive clears the sign bit, as Java does (not Math.abs)', () => {
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(5), 5);
});

test('keyed records land where the Java client puts them', () => {
  // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16.
  assert.equal(partitionForKey(Buffer.from('foobar'), 50), 16);
  assert.equal(partitionForKey(Buffer.from('21'), 3), toPositive(-973932308) % 3);
});
