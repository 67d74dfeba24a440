/**
 * A real kafkajs consumer group against startBroker: 3 members on a 6-partition topic share the
 * partitions (each owned by exactly one member); a member killed with SIGKILL loses its partitions
 * to the others within its session timeout; a member leaving cleanly hands them over at once;
 * every record is consumed; committed offsets are where the group resumes after a broker restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer } from 'kafkajs';
import { startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';

const TOPIC = 'orders';
const PARTITIONS = 6;
const RECORDS = 600;

export function groupBrokerProps(dir: string): Map<string, string> {
  return new Map([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', '1@127.0.0.1:0'],
    ['listeners', 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0'],
    ['advertised.listeners', 'PLAINTEXT://127.0.0.1:0'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', dir],
    ['group.initial.rebalance.delay.ms', '0'],
    ['group.min.session.timeout.ms', '1000'],
    ['offsets.topic.num.partitions', '10'],
  ]);
}

function portOf(b: BrokerHandle): number {
  return b.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  if (process.env.GROUPS_DEBUG) process.stderr.write(`waiting for ${what}\n`);
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Member {
  readonly name: string;
  assigned: number[];
  readonly consumed: string[];
  stop(): Promise<void>;
}

function inProcessMember(kafka: Kafka, name: string, groupId: string): { member: Member; consumer: Consumer; start: () => Promise<void> } {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 3000, heartbeatInterval: 300, rebalanceTimeout: 10000 });
  const member: Member = { name, assigned: [], consumed: [], stop: () => consumer.disconnect() };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.assigned = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b);
  });
  const start = async () => {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void member.consumed.push(message.value!.toString()) });
  };
  return { member, consumer, start };
}

function childMember(port: number, groupId: string): { member: Member; child: ChildProcess } {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'kafkajs-member.js');
  const child = spawn(process.execPath, [script, String(port), groupId, TOPIC], { stdio: ['ignore', 'pipe', 'inherit'] });
  const member: Member = {
    name: 'child',
    assigned: [],
    consumed: [],
    stop: async () => {
      child.kill('SIGKILL');
    },
  };
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const ev = JSON.parse(line) as { assigned?: number[]; consumed?: string };
      if (ev.assigned !== undefined) member.assigned = [...ev.assigned].sort((a, b) => a - b);
      if (ev.consumed !== undefined) member.consumed.push(ev.consumed);
    }
  });
  return { member, child };
}

function ownsAllOnce(members: readonly Member[]): boolean {
  const all = members.flatMap((m) => m.assigned).sort((a, b) => a - b);
  return all.length === PARTITIONS && all.every((p, i) => p === i);
}

test('kafkajs group of 3 on 6 partitions: exclusive ownership, SIGKILL and leave reassign, offsets survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-groups-'));
  let broker = await startBroker({ properties: groupBrokerProps(dir) });
  const children: ChildProcess[] = [];
  try {
    const kafka = new Kafka({ clientId: 'groups-test', brokers: [`127.0.0.1:${portOf(broker)}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: RECORDS }, (_, i) => ({ value: `m${i}`, partition: i % PARTITIONS })) });

    const a = inProcessMember(kafka, 'a', 'g3');
    const b = inProcessMember(kafka, 'b', 'g3');
    const c = childMember(portOf(broker), 'g3');
    children.push(c.child);
    await Promise.all([a.start(), b.start()]);
    const members = [a.member, b.member, c.member];
    await waitFor('3 members owning every partition once', () => members.every((m) => m.assigned.length === 2) && ownsAllOnce(members));
    await waitFor('every record consumed', () => new Set(members.flatMap((m) => m.consumed)).size === RECORDS);

    const described = await admin.describeGroups(['g3']);
    assert.equal(described.groups[0]!.state, 'Stable');
    assert.equal(described.groups[0]!.members.length, 3);

    // SIGKILL: no LeaveGroup; the coordinator notices when the session (3 s) expires.
    const killedAt = Date.now();
    await c.member.stop();
    await waitFor('the 2 survivors owning every partition', () => ownsAllOnce([a.member, b.member]), 20_000);
    const reassignMs = Date.now() - killedAt;
    assert.ok(reassignMs < 15_000, `reassigned after ${reassignMs} ms`);

    // A clean leave hands over at once.
    await b.member.stop();
    await waitFor('the last member owning every partition', () => a.member.assigned.length === PARTITIONS, 15_000);
    await a.member.stop();

    const committed = await admin.fetchOffsets({ groupId: 'g3', topics: [TOPIC] });
    const offsets = committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort((x, y) => Number(x[0]) - Number(y[0]));
    assert.deepEqual(offsets, Array.from({ length: PARTITIONS }, (_, p) => [p, String(RECORDS / PARTITIONS)]));
    await admin.disconnect();
    await producer.disconnect();

    // Restart: the group's offsets are replayed from __consumer_offsets; the group resumes there.
    await broker.close();
    broker = await startBroker({ properties: groupBrokerProps(dir) });
    const kafka2 = new Kafka({ clientId: 'groups-test', brokers: [`127.0.0.1:${portOf(broker)}`], logLevel: logLevel.NOTHING });
    const admin2 = kafka2.admin();
    await admin2.connect();
    let after: Array<[number, string]> = [];
    for (let i = 0; i < 100 && after.length < PARTITIONS; i++) {
      try {
        const r = await admin2.fetchOffsets({ groupId: 'g3', topics: [TOPIC] });
        after = r[0]!.partitions.map((p): [number, string] => [p.partition, p.offset]).sort((x, y) => x[0] - y[0]);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.deepEqual(after, Array.from({ length: PARTITIONS }, (_, p) => [p, String(RECORDS / PARTITIONS)]));
    const producer2 = kafka2.producer();
    await producer2.connect();
    await producer2.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: PARTITIONS }, (_, p) => ({ value: `new${p}`, partition: p })) });
    await producer2.disconnect();
    const d = inProcessMember(kafka2, 'd', 'g3');
    await d.start();
    await waitFor('the new records', () => d.member.consumed.length >= PARTITIONS, 20_000);
    assert.deepEqual([...d.member.consumed].sort(), Array.from({ length: PARTITIONS }, (_, p) => `new${p}`).sort());
    await d.member.stop();
    await admin2.disconnect();
  } finally {
    for (const ch of children) ch.kill('SIGKILL');
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
