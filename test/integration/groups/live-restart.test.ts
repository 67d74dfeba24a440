/**
 * A group that lives through a broker restart: kafkajs, confluent-kafka and kafka-python members
 * (one "roundrobin" group) keep running while the broker stops and starts again on the same log
 * dir and port. The coordinator reloads the group from __consumer_offsets; the members reconnect,
 * end up owning every partition exactly once again, and consume every record produced before and
 * after the restart; the committed offsets reach the log end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, waitForAsync } from '../../support/wait.js';
import { GroupBroker, ownsAllOnce, startMember } from './group-harness.js';
import type { ChildMember } from './group-harness.js';

const TOPIC = 'live';
const GROUP = 'live-group';
const PARTITIONS = 6;

test('kafkajs + confluent-kafka + kafka-python members keep consuming across a broker restart', async (t) => {
  const broker = await GroupBroker.start({ fixedPort: true });
  const members: ChildMember[] = [];
  const state = () => members.map((m) => m.summary()).join('; ');
  const seen = (values: readonly string[]) => {
    const all = new Set(members.flatMap((m) => m.consumed));
    return values.every((v) => all.has(v));
  };
  const exclusive = () => members.every((m) => m.assigned.length === 2) && ownsAllOnce(members.map((m) => m.assigned), PARTITIONS);
  try {
    await broker.createTopic(TOPIC, PARTITIONS);
    const before = Array.from({ length: 60 }, (_, i) => `a${i}`);
    await broker.produce(TOPIC, PARTITIONS, before);
    for (const kind of ['kafkajs', 'confluent', 'kafka-python'] as const) {
      members.push(startMember(kind, broker.bootstrap, GROUP, TOPIC, { assignor: 'roundrobin', sessionTimeoutMs: 6000 }));
    }
    await waitFor('3 members owning 2 partitions each', exclusive, 30_000, state);
    await waitFor('every record consumed', () => seen(before), 30_000, state);
    await waitForAsync('zero lag', () => broker.lag(GROUP, TOPIC), (l) => l.every((x) => x === 0), 15_000);

    const restartedAt = Date.now();
    await broker.restart();
    t.diagnostic(`broker restarted in ${Date.now() - restartedAt} ms`);
    const after = Array.from({ length: 30 }, (_, i) => `b${i}`);
    await broker.produce(TOPIC, PARTITIONS, after);
    await waitFor('every record produced after the restart consumed', () => seen(after), 40_000, state);
    t.diagnostic(`records after the restart consumed ${Date.now() - restartedAt} ms after it began; ${state()}`);
    await waitFor('3 members owning 2 partitions each after the restart', exclusive, 20_000, state);
    const d = await waitForAsync('DescribeGroups Stable', () => broker.describe(GROUP, TOPIC), (g) => g.state === 'Stable' && g.members.length === 3, 20_000);
    assert.ok(ownsAllOnce(d.members.map((m) => m.partitions), PARTITIONS), JSON.stringify(d.members));
    await waitForAsync('zero lag after the restart', () => broker.lag(GROUP, TOPIC), (l) => l.every((x) => x === 0), 15_000);
    for (const m of members) await m.stop();
    assert.deepEqual(await broker.committed(GROUP, TOPIC), Array(PARTITIONS).fill((before.length + after.length) / PARTITIONS));
  } finally {
    for (const m of members) m.kill('SIGKILL');
    await broker.close();
  }
});
