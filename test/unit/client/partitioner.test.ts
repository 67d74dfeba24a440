import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultPartitioner, RoundRobinPartitioner, partitionForKey } from '../../../src/client/index.js';

/** A fixed sequence of "random" numbers, so choices are predictable. */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

test('keyed records use murmur2 over all partitions, even leaderless ones', () => {
  const p = new DefaultPartitioner(100, seq(0));
  const key = Buffer.from('user-42');
  assert.equal(p.partition({ topic: 't', key, partitionCount: 12, availablePartitions: [0] }), partitionForKey(key, 12));
});

test('null keys stick to one partition until batch.size bytes went to it, then move elsewhere', () => {
  const p = new DefaultPartitioner(100, seq(0.5, 0.0, 0.99));
  const input = { topic: 't', key: null, partitionCount: 4, availablePartitions: all(4) };
  const first = p.partition(input);
  assert.equal(first, 2);
  for (let i = 0; i < 3; i++) {
    assert.equal(p.partition(input), first);
    p.onAppend('t', first, 30);
  }
  // 90 bytes so far: still sticky; 30 more crosses 100.
  assert.equal(p.partition(input), first);
  p.onAppend('t', first, 30);
  const second = p.partition(input);
  assert.notEqual(second, first);
  assert.equal(second, 0);
});

test('null keys only go to partitions with a leader', () => {
  const p = new DefaultPartitioner(1, seq(0.9, 0.1, 0.5));
  for (let i = 0; i < 10; i++) {
    const chosen = p.partition({ topic: 't', key: null, partitionCount: 6, availablePartitions: [1, 4] });
    assert.ok([1, 4].includes(chosen));
    p.onAppend('t', chosen, 10);
  }
});

test('sticky choices are per topic', () => {
  const p = new DefaultPartitioner(1000, seq(0.1, 0.9));
  const a = p.partition({ topic: 'a', key: null, partitionCount: 10, availablePartitions: all(10) });
  const b = p.partition({ topic: 'b', key: null, partitionCount: 10, availablePartitions: all(10) });
  assert.equal(a, 1);
  assert.equal(b, 9);
});

test('round robin cycles through partitions regardless of keys', () => {
  const p = new RoundRobinPartitioner();
  const got = Array.from({ length: 7 }, () => p.partition({ topic: 't', key: Buffer.from('k'), partitionCount: 3, availablePartitions: all(3) }));
  assert.deepEqual(got, [0, 1, 2, 0, 1, 2, 0]);
});
