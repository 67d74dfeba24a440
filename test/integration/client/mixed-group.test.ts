/**
 * A consumer group mixing our consumer with a librdkafka member (confluent-kafka under
 * /usr/bin/python3), for range, roundrobin and cooperative-sticky: partitions split with no
 * overlap whichever member leads, every record read once, and a leaver's partitions move.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Kafka } from '../../../src/index.js';
import { PYTHON } from '../../support/run.js';
import { waitFor } from '../../support/wait.js';
import { startMember, type ChildMember } from '../groups/group-harness.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';
import { FAST_GROUP, GROUP_BROKER_PROPS, Member } from './group-support.js';

const PARTITIONS = 6;

let fx: BrokerFixture;
let kafka: Kafka;

before(async () => {
  fx = await startFixture(GROUP_BROKER_PROPS);
  kafka = fx.kafka();
});
after(async () => {
  await fx.close();
});

/** A librdkafka (confluent-kafka) member: sync commits after each batch, a clean close (LeaveGroup) on SIGTERM. */
function pyMember(group: string, topic: string, strategy: 'range' | 'roundrobin' | 'cooperative-sticky'): ChildMember {
  return startMember('confluent', fx.bootstrap, group, topic, {
    name: 'librdkafka',
    sessionTimeoutMs: 6000,
    assignor: strategy,
    librdkafka: { 'heartbeat.interval.ms': '200', 'topic.metadata.refresh.interval.ms': '1000' },
  });
}

async function produce(topic: string, from: number, to: number): Promise<void> {
  const producer = kafka.producer();
  await producer.sendBatch(Array.from({ length: to - from }, (_, i) => ({ topic, partition: (from + i) % PARTITIONS, value: `m${from + i}` })));
  await producer.close();
}

const available = existsSync(PYTHON);

for (const strategy of ['range', 'roundrobin', 'cooperative-sticky'] as const) {
  // Our member leads under range and roundrobin (it joins first); librdkafka leads under cooperative-sticky.
  const oursFirst = strategy !== 'cooperative-sticky';
  test(`mixed group with librdkafka (${strategy}, ${oursFirst ? 'ours' : 'librdkafka'} leading)`, { skip: !available && 'no /usr/bin/python3' }, async () => {
    const topic = `mixed-${strategy}`;
    const group = `mixed-${strategy}`;
    const admin = kafka.admin();
    await admin.createTopics([{ name: topic, numPartitions: PARTITIONS }]);
    await admin.close();
    await produce(topic, 0, 60);
    const config = { ...FAST_GROUP, groupId: group, enableAutoCommit: false, partitionAssignmentStrategy: [strategy] };
    let ours: Member | undefined;
    let py: ChildMember | undefined;
    try {
      if (oursFirst) {
        ours = new Member(kafka, config, [topic]);
        await waitFor('ours owns all', () => ours!.assigned().length === PARTITIONS);
        py = pyMember(group, topic, strategy);
      } else {
        py = pyMember(group, topic, strategy);
        await waitFor('librdkafka owns all', () => py!.assigned.length === PARTITIONS, 40_000);
        ours = new Member(kafka, config, [topic]);
      }
      const o = ours;
      const p = py;
      const split = () => {
        const mine = o.assigned().map((k) => Number(k.slice(k.lastIndexOf('-') + 1)));
        const all = [...mine, ...p.assigned];
        return mine.length === 3 && p.assigned.length === 3 && new Set(all).size === PARTITIONS;
      };
      await waitFor(`a 3/3 split (ours ${o.assigned()}, librdkafka ${p.assigned})`, split, 40_000);
      await produce(topic, 60, 120);
      const total = () => new Set([...o.values(), ...p.consumed]).size;
      await waitFor('all 120 records', () => total() === 120, 40_000);
      // Within a stable split, no record of the second round was read twice.
      const second = [...o.values(), ...p.consumed].filter((v) => Number(v.slice(1)) >= 60);
      assert.equal(second.length, 60, 'records after the split are read once');

      await ours.close();
      ours = undefined;
      await waitFor('librdkafka takes over', () => p.assigned.length === PARTITIONS, 40_000);
      await produce(topic, 120, 126);
      await waitFor('librdkafka reads the new records', () => p.consumed.filter((v) => Number(v.slice(1)) >= 120).length === 6, 40_000);
    } catch (e) {
      if (py !== undefined) console.error(`librdkafka: ${py.summary()}\n${py.log}`);
      throw e;
    } finally {
      await ours?.close();
      if (py !== undefined) await py.stop(15_000).catch(() => py!.killed());
    }
  });
}
