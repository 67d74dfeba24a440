/**
 * The consumer's group membership against an in-process broker: three members share six
 * partitions, a leaving member's partitions move and commits carry on, cooperative-sticky moves
 * only what it must, auto-commit, static membership, pattern subscriptions and new partitions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';
import { FAST_GROUP, GROUP_BROKER_PROPS, Member } from './group-support.js';
import { waitFor } from '../../support/wait.js';

let fx: BrokerFixture;
let kafka: Kafka;

before(async () => {
  fx = await startFixture(GROUP_BROKER_PROPS);
  kafka = fx.kafka({ metadataMaxAgeMs: 300 });
});
after(async () => {
  await fx.close();
});

async function topicWith(name: string, partitions: number, records: number, prefix = 'v'): Promise<void> {
  const admin = kafka.admin();
  await admin.createTopics([{ name, numPartitions: partitions }], { ifNotExists: true });
  await admin.close();
  await produce(name, partitions, 0, records, prefix);
}

async function produce(topic: string, partitions: number, from: number, to: number, prefix = 'v'): Promise<void> {
  const producer = kafka.producer();
  await producer.sendBatch(Array.from({ length: to - from }, (_, i) => ({ topic, partition: (from + i) % partitions, value: `${prefix}${from + i}` })));
  await producer.close();
}

function disjointCover(members: readonly Member[], expected: number): boolean {
  const all = members.flatMap((m) => m.assigned());
  return all.length === expected && new Set(all).size === expected;
}

test('three members share six partitions; one leaves, its partitions move, commits carry on', async () => {
  await topicWith('g-three', 6, 60);
  const config = { ...FAST_GROUP, groupId: 'g-three', enableAutoCommit: false };
  const members = [0, 1, 2].map(() => new Member(kafka, config, ['g-three']));
  await waitFor('all 60 records', () => members.reduce((n, m) => n + m.records.length, 0) >= 60 && disjointCover(members, 6) && members.every((m) => m.assigned().length === 2));
  const seen = members.flatMap((m) => m.values()).sort();
  assert.equal(seen.length, 60, 'each record once');
  assert.equal(new Set(seen).size, 60);

  await members[0]!.close();
  const rest = members.slice(1);
  await waitFor('the two left own all six', () => disjointCover(rest, 6) && rest.every((m) => m.assigned().length === 3));
  await produce('g-three', 6, 60, 90);
  await waitFor('30 more records', () => rest.reduce((n, m) => n + m.values().filter((v) => Number(v.slice(1)) >= 60).length, 0) >= 30);
  const after60 = rest.flatMap((m) => m.values()).filter((v) => Number(v.slice(1)) >= 60);
  assert.equal(new Set(after60).size, 30);
  // Committed offsets resumed where the leaver stopped: nothing below 60 was read again.
  const rereads = rest.flatMap((m) => m.values()).filter((v) => Number(v.slice(1)) < 60);
  assert.equal(rereads.length + members[0]!.records.length, seen.length);
  for (const m of rest) await m.close();

  const check = kafka.consumer({ groupId: 'g-three', enableAutoCommit: false });
  const committed = await check.committed([0, 1, 2, 3, 4, 5].map((partition) => ({ topic: 'g-three', partition })));
  assert.deepEqual(committed.map((c) => c.offset), [15, 15, 15, 15, 15, 15]);
  await check.close();
});

test('cooperative-sticky: a new member takes partitions without the others giving up the rest', async () => {
  await topicWith('g-coop', 6, 12);
  const config = { ...FAST_GROUP, groupId: 'g-coop', partitionAssignmentStrategy: ['cooperative-sticky'] };
  const a = new Member(kafka, config, ['g-coop']);
  const b = new Member(kafka, config, ['g-coop']);
  await waitFor('a and b split six', () => disjointCover([a, b], 6) && a.assigned().length === 3);
  const before = { a: a.assigned(), b: b.assigned() };
  const c = new Member(kafka, config, ['g-coop']);
  await waitFor('three own two each', () => disjointCover([a, b, c], 6) && [a, b, c].every((m) => m.assigned().length === 2));
  // Sticky: a and b kept two of their three; only the moved ones were revoked.
  assert.ok(a.assigned().every((p) => before.a.includes(p)));
  assert.ok(b.assigned().every((p) => before.b.includes(p)));
  assert.equal(a.revokedAll.length + b.revokedAll.length, 2, `revoked: ${[...a.revokedAll, ...b.revokedAll]}`);
  for (const m of [a, b, c]) await m.close();
});

test('auto-commit commits consumed positions on its interval and on close', async () => {
  await topicWith('g-auto', 2, 20);
  const config = { ...FAST_GROUP, groupId: 'g-auto', autoCommitIntervalMs: 100 };
  const m = new Member(kafka, config, ['g-auto'], 'none');
  await waitFor('20 records', () => m.records.length >= 20);
  const probe = kafka.consumer({ groupId: 'g-auto' });
  const tps = [0, 1].map((partition) => ({ topic: 'g-auto', partition }));
  let offsets: number[] = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    offsets = (await probe.committed(tps)).map((c) => c.offset);
    if (offsets.every((o) => o === 10)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(offsets, [10, 10]);
  await m.close();
  await produce('g-auto', 2, 20, 24);
  // A new member starts at the committed offsets.
  const next = new Member(kafka, config, ['g-auto'], 'none');
  await waitFor('4 new records', () => next.records.length >= 4);
  assert.deepEqual(next.values().sort(), ['v20', 'v21', 'v22', 'v23']);
  await next.close();
  assert.deepEqual((await probe.committed(tps)).map((c) => c.offset), [12, 12]);
  await probe.close();
});

test('static members keep their partitions across a restart without a rebalance', async () => {
  await topicWith('g-static', 4, 0);
  const config = (id: string) => ({ ...FAST_GROUP, groupId: 'g-static', groupInstanceId: id, sessionTimeoutMs: 20_000 });
  const a = new Member(kafka, config('a'), ['g-static']);
  const b = new Member(kafka, config('b'), ['g-static']);
  await waitFor('a and b split four', () => disjointCover([a, b], 4) && a.assigned().length === 2);
  const aHad = a.assigned();
  const bEvents = b.events.length;
  await a.close(); // a static member does not send LeaveGroup
  const a2 = new Member(kafka, config('a'), ['g-static']);
  await waitFor('a is back', () => a2.assigned().length === 2);
  assert.deepEqual(a2.assigned(), aHad);
  // b never heard of a rebalance.
  assert.equal(b.events.length, bEvents, b.events.join('; '));
  for (const m of [a2, b]) await m.close();
});

test('a pattern subscription picks up new topics; new partitions trigger a rebalance', async () => {
  await topicWith('rx-one', 1, 1, 'one');
  const m = new Member(kafka, { ...FAST_GROUP, groupId: 'g-rx' }, /^rx-/);
  await waitFor('rx-one', () => m.assigned().join() === 'rx-one-0');
  await topicWith('rx-two', 1, 1, 'two');
  await waitFor('rx-two', () => m.assigned().join() === 'rx-one-0,rx-two-0');
  const admin = kafka.admin();
  await admin.createPartitions([{ topic: 'rx-two', count: 2 }]);
  await admin.close();
  await waitFor('rx-two-1', () => m.assigned().length === 3);
  await waitFor('records', () => m.records.length >= 2);
  assert.deepEqual(m.values().sort(), ['one0', 'two0']);
  await m.close();
});

test('commitAsync reports through its callback; unsubscribe leaves the group and allows assign()', async () => {
  await topicWith('g-unsub', 1, 5);
  const consumer = kafka.consumer({ ...FAST_GROUP, groupId: 'g-unsub', enableAutoCommit: false });
  consumer.subscribe(['g-unsub']);
  const got: number[] = [];
  for (let i = 0; i < 100 && got.length < 5; i++) got.push(...(await consumer.poll(100)).map((r) => r.offset));
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  const outcome = await new Promise<Error | undefined>((resolve) => consumer.commitAsync(undefined, (e) => resolve(e)));
  assert.equal(outcome, undefined);
  assert.deepEqual((await consumer.committed([{ topic: 'g-unsub', partition: 0 }])).map((c) => c.offset), [5]);
  assert.throws(() => consumer.assign([{ topic: 'g-unsub', partition: 0 }]), { name: 'IllegalStateError' });
  await consumer.unsubscribe();
  assert.deepEqual(consumer.assignment(), []);
  const admin = kafka.admin();
  assert.equal((await admin.describeConsumerGroups(['g-unsub']))[0]!.state, 'Empty');
  await admin.close();
  consumer.assign([{ topic: 'g-unsub', partition: 0 }]);
  consumer.seek({ topic: 'g-unsub', partition: 0 }, 3);
  assert.deepEqual((await consumer.poll(1000)).map((r) => r.offset), [3, 4]);
  await consumer.close();
});
