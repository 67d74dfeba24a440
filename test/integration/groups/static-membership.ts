/**
 * Static membership (KIP-345) with librdkafka (confluent-kafka) and @platformatic/kafka members
 * (group.instance.id):
 * a static member restarted within its session timeout gets its partitions back without a
 * rebalance — the other members see no new assignment, DescribeGroups stays Stable with the same
 * assignments (only the restarted member's id changes), and the old id's session expiring later
 * changes nothing — whether the member is a follower or the leader. A second process with an
 * instance id already in use takes the place over and fences the first (FENCED_INSTANCE_ID).
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { holdsFor, waitFor, waitForAsync } from '../../support/wait.js';
import { GroupBroker, ownsAllOnce, startMember } from './group-harness.js';
import type { ChildMember, DescribedGroup } from './group-harness.js';

const TOPIC = 'static';
const GROUP = 'static-group';
const PARTITIONS = 6;
const SESSION_MS = 5000;

const byPartitions = (d: DescribedGroup) => new Map(d.members.map((m) => [m.partitions.join(), m.memberId]));

export async function staticMembership(kind: 'confluent' | 'platformatic', t: TestContext): Promise<void> {
  const broker = await GroupBroker.start();
  const all: ChildMember[] = [];
  const state = () => all.map((m) => m.summary()).join('; ');
  const start = (instance: string, name = instance) => {
    const m = startMember(kind, broker.bootstrap, GROUP, TOPIC, { instanceId: instance, sessionTimeoutMs: SESSION_MS, name });
    all.push(m);
    return m;
  };
  try {
    await broker.createTopic(TOPIC, PARTITIONS);
    await broker.produce(TOPIC, PARTITIONS, Array.from({ length: 60 }, (_, i) => `a${i}`));
    const leader = start('s1');
    await waitFor('s1 alone owning every partition (it leads)', () => leader.assigned.length === PARTITIONS, 30_000, state);
    const members = new Map([['s1', leader], ['s2', start('s2')], ['s3', start('s3')]]);
    const current = () => [...members.values()];
    await waitFor('3 static members owning 2 partitions each', () => current().every((m) => m.assigned.length === 2) && ownsAllOnce(current().map((m) => m.assigned), PARTITIONS), 30_000, state);
    let before = await waitForAsync('DescribeGroups Stable', () => broker.describe(GROUP, TOPIC), (d) => d.state === 'Stable' && d.members.length === 3, 15_000);

    // Restart a follower, then the leader, each within the session timeout.
    for (const instance of ['s2', 's1']) {
      const old = members.get(instance)!;
      const partitions = old.assigned;
      const others = current().filter((m) => m !== old);
      const counts = others.map((m) => m.assignments);
      const noRebalance = () => others.every((m, i) => m.assignments === counts[i]);
      const startedAt = Date.now();
      await old.killed();
      const restarted = start(instance, `${instance}-restarted`);
      members.set(instance, restarted);
      await waitFor(`restarted ${instance} getting ${JSON.stringify(partitions)} back`, () => restarted.assignments > 0, 20_000, state);
      t.diagnostic(`${instance}: partitions back ${Date.now() - startedAt} ms after SIGKILL`);
      assert.deepEqual(restarted.assigned, partitions);
      assert.ok(noRebalance(), `no rebalance: ${state()}`);
      const after = await broker.describe(GROUP, TOPIC);
      assert.equal(after.state, 'Stable');
      const [b, a] = [byPartitions(before), byPartitions(after)];
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'same assignments');
      for (const [parts, id] of a) assert.equal(id === b.get(parts), parts !== partitions.join(), `only ${instance}'s member id changes`);
      // The old member id's session (SIGKILLed, never left) ends now: still no rebalance.
      assert.ok(await holdsFor(() => noRebalance() && restarted.assignments === 1, SESSION_MS + 1500), `a rebalance after the old session expired: ${state()}`);
      before = after;
    }
    // DescribeGroups v4+ (Gregor's admin client) names each member's instance id.
    const ours = await broker.describeWithGregorClient(GROUP);
    assert.equal(ours.state, 'Stable');
    assert.deepEqual(ours.members.map((m) => m.groupInstanceId).sort(), ['s1', 's2', 's3']);
    for (const instance of ['s1', 's2', 's3']) {
      const m = ours.members.find((x) => x.groupInstanceId === instance)!;
      assert.deepEqual(m.partitions, members.get(instance)!.assigned, `${instance}'s assignment`);
    }

    // A second process with s3's instance id replaces the running s3, which is fenced.
    const s3 = members.get('s3')!;
    const s3parts = s3.assigned;
    const duplicate = start('s3', 's3-duplicate');
    await waitFor('the duplicate taking over s3\'s partitions', () => duplicate.assignments > 0, 20_000, state);
    assert.deepEqual(duplicate.assigned, s3parts);
    await waitFor('the first s3 fenced', () => s3.errors.some((e) => /FENCED_INSTANCE_ID|fenced|same group\.instance\.id/i.test(e)), SESSION_MS + 5000, state);
    t.diagnostic(`fenced s3 reported: ${s3.errors.join(' | ')}`);
    members.set('s3', duplicate);
    const d = await broker.describe(GROUP, TOPIC);
    assert.equal(d.state, 'Stable');
    assert.ok(ownsAllOnce(d.members.map((m) => m.partitions), PARTITIONS));
  } finally {
    for (const m of all) m.kill('SIGKILL');
    await broker.close();
  }
}
