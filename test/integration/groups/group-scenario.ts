/**
 * Issue 5's consumer-group scenario, run with one client at a time (each member a child process):
 *   1. 3 members on a 6-partition topic: every partition owned by exactly one member, as the
 *      members see it and as DescribeGroups shows it (state Stable);
 *   2. every record consumed; OffsetFetch vs log end shows zero lag once the members committed;
 *   3. SIGKILL one member (no LeaveGroup): the survivors own every partition within the session
 *      timeout (plus one rebalance), and consume what is produced after the kill (at-least-once:
 *      every record produced is consumed by someone);
 *   4. one survivor closes cleanly: the other owns every partition at once (LeaveGroup, no
 *      session timeout); it closes too; the group is Empty with everything committed;
 *   5. the broker restarts on the same log dir; the committed offsets are still there; records
 *      produced now show as lag; a new member resumes exactly at the committed offsets (it
 *      consumes the new records and none of the old).
 */
import assert from 'node:assert/strict';
import { waitFor, waitForAsync } from '../../support/wait.js';
import { ChildMember, GroupBroker, ownsAllOnce, startMember } from './group-harness.js';
import type { MemberKind, MemberOptions } from './group-harness.js';

export const PARTITIONS = 6;

export interface ScenarioResult {
  /** Milliseconds from the SIGKILL to the survivors owning every partition. */
  readonly reassignMs: number;
  /** Milliseconds from a member's clean close to the last member owning every partition. */
  readonly leaveMs: number;
  /** Milliseconds per phase, for the test's diagnostics. */
  readonly phases: Record<string, number>;
}

export async function fullGroupScenario(kind: MemberKind, options: MemberOptions = {}): Promise<ScenarioResult> {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 4000;
  const memberOptions = { ...options, sessionTimeoutMs };
  const topic = `${kind}-orders`;
  const group = `${kind}-group`;
  const phases: Record<string, number> = {};
  let mark = Date.now();
  const phase = (name: string) => {
    const now = Date.now();
    phases[name] = now - mark;
    mark = now;
  };
  const first = Array.from({ length: 60 }, (_, i) => `a${i}`);
  const second = Array.from({ length: 30 }, (_, i) => `b${i}`);
  const third = Array.from({ length: PARTITIONS }, (_, i) => `c${i}`);
  const broker = await GroupBroker.start();
  const members: ChildMember[] = [];
  try {
    await broker.createTopic(topic, PARTITIONS);
    await broker.produce(topic, PARTITIONS, first);
    phase('setup');

    for (const n of [1, 2, 3]) members.push(startMember(kind, broker.bootstrap, group, topic, { ...memberOptions, name: `${kind}-${n}` }));
    const state = () => members.map((m) => m.summary()).join('; ');
    await waitFor('3 members owning every partition once', () => members.every((m) => m.assigned.length === 2) && ownsAllOnce(members.map((m) => m.assigned), PARTITIONS), 30_000, state);
    const described = await waitForAsync('DescribeGroups: Stable, 3 members, exclusive assignments', () => broker.describe(group, topic), (d) => d.state === 'Stable' && d.members.length === 3 && ownsAllOnce(d.members.map((m) => m.partitions), PARTITIONS), 15_000);
    assert.deepEqual(described.members.map((m) => m.partitions.join()).sort(), members.map((m) => m.assigned.join()).sort(), 'the members hold what the coordinator assigned');
    phase('join');

    const consumedAll = (values: readonly string[]) => {
      const seen = new Set(members.flatMap((m) => m.consumed));
      return values.every((v) => seen.has(v));
    };
    await waitFor('every record consumed', () => consumedAll(first), 30_000, state);
    await waitForAsync('zero lag (OffsetFetch = log end)', () => broker.lag(group, topic), (lag) => lag.every((l) => l === 0), 15_000);
    phase('consume');

    const victim = members[1]!;
    const survivors = [members[0]!, members[2]!];
    const killedAt = Date.now();
    await victim.killed();
    await waitFor('the 2 survivors owning every partition', () => survivors.every((m) => m.assigned.length === 3) && ownsAllOnce(survivors.map((m) => m.assigned), PARTITIONS), sessionTimeoutMs + 15_000, state);
    const reassignMs = Date.now() - killedAt;
    phase('reassign');
    await broker.produce(topic, PARTITIONS, second);
    await waitFor('every record produced after the kill consumed', () => consumedAll(second), 30_000, state);
    phase('consume-after-kill');
    assert.ok(consumedAll(first), 'at-least-once: all records of the first batch were consumed');
    await waitForAsync('zero lag after the kill', () => broker.lag(group, topic), (lag) => lag.every((l) => l === 0), 15_000);
    phase('commit-after-kill');

    // A clean close (LeaveGroup) hands the partitions over at once, not after a session timeout.
    const leftAt = Date.now();
    await survivors[0]!.stop();
    await waitFor('the last member owning every partition after the other left', () => survivors[1]!.assigned.length === PARTITIONS, sessionTimeoutMs + 10_000, state);
    const leaveMs = Date.now() - leftAt;
    await survivors[1]!.stop();
    const expected = Array.from({ length: PARTITIONS }, (_, p) => (first.length + second.length) / PARTITIONS);
    assert.deepEqual(await broker.committed(group, topic), expected, 'committed offsets at the log end after a clean close');
    await waitForAsync('DescribeGroups: Empty', () => broker.describe(group, topic), (d) => d.state === 'Empty' && d.members.length === 0, 15_000);
    phase('leave-close');

    await broker.restart();
    const after = await waitForAsync('committed offsets after the restart', () => broker.committed(group, topic), (c) => c.length === PARTITIONS && c.every((o) => o >= 0), 20_000);
    assert.deepEqual(after, expected, 'the committed offsets survive the restart');
    await broker.produce(topic, PARTITIONS, third);
    assert.deepEqual(await broker.lag(group, topic), Array(PARTITIONS).fill(1), 'lag = log end - committed');
    phase('restart');

    const resumed = startMember(kind, broker.bootstrap, group, topic, { ...memberOptions, name: `${kind}-resumed` });
    members.push(resumed);
    await waitFor('the new member consuming the records produced after the restart', () => third.every((v) => resumed.consumed.includes(v)), 30_000, state);
    assert.deepEqual([...resumed.consumed].sort(), [...third].sort(), 'the new member resumed at the committed offsets (no old record again)');
    await waitFor('the new member owning every partition', () => resumed.assigned.length === PARTITIONS, 10_000, state);
    await resumed.stop();
    assert.deepEqual(await broker.lag(group, topic), Array(PARTITIONS).fill(0));
    phase('resume');
    return { reassignMs, leaveMs, phases };
  } finally {
    for (const m of members) m.kill('SIGKILL');
    await broker.close();
  }
}
