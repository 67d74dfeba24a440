/**
 * A mixed consumer group of kafka-python and confluent-kafka (librdkafka) members against
 * startBroker: both join one group (common "range" assignor), the 6 partitions are split between
 * them with no overlap, every record is consumed, and the synchronously committed offsets are
 * visible to kafkajs' admin client afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../src/index.js';
import { repoRoot } from '../../support/repo.js';
import { groupBrokerProps } from './broker-props.js';

const PYTHON = '/usr/bin/python3';
const TOPIC = 'py-orders';
const PARTITIONS = 6;
const RECORDS = 120;

interface PyMember {
  assigned: number[];
  readonly consumed: string[];
  closed: boolean;
  readonly child: ChildProcess;
}

function pyMember(kind: string, bootstrap: string, group: string): PyMember {
  const script = join(repoRoot(), 'test', 'integration', 'groups', 'py-member.py');
  const child = spawn(PYTHON, [script, kind, bootstrap, group, TOPIC], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m: PyMember = { assigned: [], consumed: [], closed: false, child };
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const ev = JSON.parse(buffered.slice(0, nl)) as { assigned?: number[]; consumed?: string; closed?: boolean };
      buffered = buffered.slice(nl + 1);
      if (ev.assigned !== undefined) m.assigned = ev.assigned;
      if (ev.consumed !== undefined) m.consumed.push(ev.consumed);
      if (ev.closed === true) m.closed = true;
    }
  });
  child.stderr!.on('data', () => {});
  return m;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('kafka-python and confluent-kafka share a group: split partitions, all records, offsets committed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-pygroups-'));
  const broker = await startBroker({ properties: groupBrokerProps(dir) });
  const members: PyMember[] = [];
  try {
    const port = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
    const bootstrap = `127.0.0.1:${port}`;
    const kafka = new Kafka({ clientId: 'py-groups', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: RECORDS }, (_, i) => ({ value: `p${i}`, partition: i % PARTITIONS })) });
    await producer.disconnect();

    members.push(pyMember('kafka-python', bootstrap, 'pyg'), pyMember('confluent', bootstrap, 'pyg'));
    const split = () => {
      const all = members.flatMap((m) => m.assigned).sort((a, b) => a - b);
      return members.every((m) => m.assigned.length === PARTITIONS / 2) && all.every((p, i) => p === i) && all.length === PARTITIONS;
    };
    await waitFor('both members with 3 partitions each', split);
    await waitFor('every record consumed', () => new Set(members.flatMap((m) => m.consumed)).size === RECORDS);
    const described = await admin.describeGroups(['pyg']);
    assert.equal(described.groups[0]!.state, 'Stable');
    assert.deepEqual(described.groups[0]!.members.map((m) => m.clientId).sort(), ['confluent-member', 'kafka-python-member']);
    for (const m of members) m.child.kill('SIGTERM');
    await waitFor('both members closed', () => members.every((m) => m.closed));
    const offsets = await admin.fetchOffsets({ groupId: 'pyg', topics: [TOPIC] });
    assert.deepEqual(
      offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort((a, b) => Number(a[0]) - Number(b[0])),
      Array.from({ length: PARTITIONS }, (_, p) => [p, String(RECORDS / PARTITIONS)]),
    );
    const after = await admin.describeGroups(['pyg']);
    assert.equal(after.groups[0]!.state, 'Empty');
    await admin.disconnect();
  } finally {
    for (const m of members) m.child.kill('SIGKILL');
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
