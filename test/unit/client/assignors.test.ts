import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  decodeStickyUserData,
  encodeStickyUserData,
  type AssignorMember,
  type TopicPartition,
} from '../../../src/client/index.js';

function member(memberId: string, topics: string[], owned: TopicPartition[] = [], generationId = -1): AssignorMember {
  return { memberId, groupInstanceId: null, subscription: { topics, userData: null, ownedPartitions: owned, generationId, rackId: null } };
}

const fmt = (m: Map<string, TopicPartition[]>) => Object.fromEntries([...m].map(([k, v]) => [k, v.map((tp) => `${tp.topic}-${tp.partition}`)]));
const counts = new Map([
  ['t0', 3],
  ['t1', 3],
]);

test('sticky user data round trip (Kafka StickyAssignorUserData v1), v0 without generation', () => {
  const owned = [{ topic: 't', partition: 1 }, { topic: 'u', partition: 0 }];
  assert.deepEqual(decodeStickyUserData(encodeStickyUserData(owned, 4)), { partitions: owned, generation: 4 });
  const v0 = encodeStickyUserData(owned, 4).subarray(0, -4);
  assert.equal(decodeStickyUserData(v0).generation, -1);
});

test('range: Kafka’s documented example (two consumers, two topics of three partitions)', () => {
  const r = RangeAssignor.assign([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])], counts);
  assert.deepEqual(fmt(r), { C1: ['t0-2', 't1-2'], C0: ['t0-0', 't0-1', 't1-0', 't1-1'] });
});

test('roundrobin: Kafka’s documented example', () => {
  const r = RoundRobinAssignor.assign([member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])], counts);
  assert.deepEqual(fmt(r), { C0: ['t0-0', 't0-2', 't1-1'], C1: ['t0-1', 't1-0', 't1-2'] });
});

test('roundrobin skips members not subscribed to a topic; range assigns only subscribers', () => {
  const ms = [member('A', ['t0']), member('B', ['t0', 't1'])];
  const rr = fmt(RoundRobinAssignor.assign(ms, counts));
  assert.deepEqual(rr, { A: ['t0-0', 't0-2'], B: ['t0-1', 't1-0', 't1-1', 't1-2'] });
  assert.deepEqual(fmt(RangeAssignor.assign(ms, counts)).A, ['t0-0', 't0-1']);
});

function assertBalancedAndComplete(r: Map<string, TopicPartition[]>, total: number): void {
  const sizes = [...r.values()].map((l) => l.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `unbalanced: ${sizes}`);
  const all = [...r.values()].flat().map((tp) => `${tp.topic}-${tp.partition}`);
  assert.equal(new Set(all).size, all.length, 'a partition assigned twice');
  assert.equal(all.length, total);
}

test('sticky: balanced, and when a member leaves the others keep what they had', () => {
  const first = StickyAssignor.assign([member('A', ['t0', 't1']), member('B', ['t0', 't1']), member('C', ['t0', 't1'])], counts);
  assertBalancedAndComplete(first, 6);
  const second = StickyAssignor.assign(
    [member('A', ['t0', 't1'], first.get('A')!, 1), member('B', ['t0', 't1'], first.get('B')!, 1)],
    counts,
  );
  assertBalancedAndComplete(second, 6);
  for (const id of ['A', 'B']) for (const tp of first.get(id)!) assert.ok(second.get(id)!.some((x) => x.topic === tp.topic && x.partition === tp.partition));
});

test('sticky: owners known only from old-style user data are honoured', () => {
  const owned = [{ topic: 't0', partition: 2 }, { topic: 't1', partition: 0 }, { topic: 't1', partition: 1 }];
  const a: AssignorMember = { memberId: 'A', groupInstanceId: null, subscription: { topics: ['t0', 't1'], userData: encodeStickyUserData(owned, 3), ownedPartitions: [], generationId: -1, rackId: null } };
  const r = StickyAssignor.assign([a, member('B', ['t0', 't1'])], counts);
  assert.deepEqual(fmt(r).A, ['t0-2', 't1-0', 't1-1']);
});

test('cooperative-sticky: a partition moving to a new member is withheld until its owner gave it up', () => {
  const owned = [0, 1, 2].flatMap((p) => [{ topic: 't0', partition: p }, { topic: 't1', partition: p }]);
  const round1 = CooperativeStickyAssignor.assign([member('A', ['t0', 't1'], owned, 1), member('B', ['t0', 't1'])], counts);
  // A keeps three, gives up three; B gets nothing yet (A still owns them).
  assert.equal(round1.get('A')!.length, 3);
  assert.equal(round1.get('B')!.length, 0);
  const round2 = CooperativeStickyAssignor.assign([member('A', ['t0', 't1'], round1.get('A')!, 2), member('B', ['t0', 't1'], [], 2)], counts);
  assert.deepEqual(round2.get('A'), round1.get('A'));
  assertBalancedAndComplete(round2, 6);
  assert.equal(CooperativeStickyAssignor.protocol, 'cooperative');
});
