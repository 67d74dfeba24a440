/**
 * A mixed group: kafkajs and librdkafka (confluent-kafka) members with one assignor, the
 * Kafka-standard "roundrobin" (kafkajs' round-robin assignor under that protocol name). A kafkajs
 * member leads first and assigns to librdkafka members; after it is SIGKILLed a librdkafka member
 * leads and assigns to a kafkajs member that joins. Ownership stays exclusive and every record is
 * consumed throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, waitForAsync } from '../../support/wait.js';
import { GroupBroker, ownsAllOnce, startMember } from './group-harness.js';
import type { ChildMember } from './group-harness.js';

const TOPIC = 'mixed';
const GROUP = 'mixed-group';
const PARTITIONS = 6;

test('kafkajs + confluent-kafka in one roundrobin group: either can lead, exclusive ownership, SIGKILL of the leader, every record', async () => {
  const broker = await GroupBroker.start();
  const members: ChildMember[] = [];
  const state = () => members.map((m) => m.summary()).join('; ');
  const seen = (values: readonly string[]) => {
    const all = new Set(members.flatMap((m) => m.consumed));
    return values.every((v) => all.has(v));
  };
  const start = (kind: 'kafkajs' | 'confluent', name: string) => {
    const m = startMember(kind, broker.bootstrap, GROUP, TOPIC, { assignor: 'roundrobin', sessionTimeoutMs: 4000, name });
    members.push(m);
    return m;
  };
  try {
    await broker.createTopic(TOPIC, PARTITIONS);
    const first = Array.from({ length: 60 }, (_, i) => `a${i}`);
    await broker.produce(TOPIC, PARTITIONS, first);

    // kafkajs joins first and so leads the group.
    const k1 = start('kafkajs', 'kafkajs-1');
    await waitFor('the kafkajs member alone owning every partition', () => k1.assigned.length === PARTITIONS, 30_000, state);
    const c1 = start('confluent', 'confluent-1');
    const c2 = start('confluent', 'confluent-2');
    const trio = [k1, c1, c2];
    await waitFor('kafkajs leader assigning 2 partitions to each member', () => trio.every((m) => m.assigned.length === 2) && ownsAllOnce(trio.map((m) => m.assigned), PARTITIONS), 30_000, state);
    const d = await waitForAsync('DescribeGroups Stable with 3 members', () => broker.describe(GROUP, TOPIC), (g) => g.state === 'Stable' && g.members.length === 3, 15_000);
    assert.equal(d.protocol, 'roundrobin');
    assert.ok(ownsAllOnce(d.members.map((m) => m.partitions), PARTITIONS), JSON.stringify(d.members));
    await waitFor('every record consumed', () => seen(first), 30_000, state);

    // The leader dies; a librdkafka member leads the next generation and assigns to a new kafkajs member.
    await k1.killed();
    await waitFor('the confluent members owning every partition', () => [c1, c2].every((m) => m.assigned.length === 3) && ownsAllOnce([c1.assigned, c2.assigned], PARTITIONS), 20_000, state);
    const k2 = start('kafkajs', 'kafkajs-2');
    const trio2 = [c1, c2, k2];
    await waitFor('librdkafka leader assigning 2 partitions to each member', () => trio2.every((m) => m.assigned.length === 2) && ownsAllOnce(trio2.map((m) => m.assigned), PARTITIONS), 30_000, state);
    const second = Array.from({ length: 30 }, (_, i) => `b${i}`);
    await broker.produce(TOPIC, PARTITIONS, second);
    await waitFor('every record produced later consumed', () => seen(second), 30_000, state);
    assert.ok(k2.consumed.some((v) => v.startsWith('b')), 'the kafkajs member consumed its share');
    const d2 = await broker.describe(GROUP, TOPIC);
    assert.deepEqual(d2.members.map((m) => m.partitions.join()).sort(), trio2.map((m) => m.assigned.join()).sort());
    for (const m of trio2) await m.stop();
    assert.deepEqual(await broker.lag(GROUP, TOPIC), Array(PARTITIONS).fill(0));
  } finally {
    for (const m of members) m.kill('SIGKILL');
    await broker.close();
  }
});
