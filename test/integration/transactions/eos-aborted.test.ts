/**
 * Aborted transactions are never visible to read_committed, and are to read_uncommitted: a
 * transactional producer (kafkajs; confluent-kafka through eos-txn.py) runs committed and aborted
 * transactions in turn over two partitions, ending with a committed "end" record per partition. Read
 * back with Gregor's client, confluent-kafka (eos-read.py) and a kafkajs group consumer with
 * readUncommitted: false.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import type { BrokerProcess } from '../../support/broker-process.js';
import { createTopics, opResult, readAll, readWithConfluent, startTxnBroker, startTxnScript, value, waitStable } from './eos-support.js';
import { waitFor } from '../../support/wait.js';

const PARTITIONS = 2;
let broker: BrokerProcess;

before(async () => {
  broker = await startTxnBroker();
});
after(async () => {
  await broker?.close();
});

interface Txn {
  readonly commit: boolean;
  readonly records: readonly (readonly [partition: number, value: string])[];
}

function plan(prefix: string): Txn[] {
  const txns: Txn[] = [];
  for (let k = 0; k < 6; k++) {
    const commit = k % 3 !== 0; // aborted, committed, committed, aborted, ...
    const tag = commit ? 'c' : 'a';
    txns.push({ commit, records: Array.from({ length: 4 + k }, (_, i) => [i % PARTITIONS, `${prefix}-${tag}${k}-${i}`] as const) });
  }
  txns.push({ commit: true, records: Array.from({ length: PARTITIONS }, (_, p) => [p, `${prefix}-end`] as const) });
  return txns;
}

function expected(txns: readonly Txn[], committedOnly: boolean): string[][] {
  const out: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const t of txns) if (t.commit || !committedOnly) for (const [p, v] of t.records) out[p]!.push(v);
  return out;
}

/** Gregor's client (both isolation levels), confluent-kafka (both) and a kafkajs read_committed group consumer. */
async function verify(topic: string, txns: readonly Txn[]): Promise<void> {
  const bootstrap = broker.bootstrap;
  await waitStable(bootstrap, topic, PARTITIONS, 20_000);
  const committed = expected(txns, true);
  const all = expected(txns, false);
  const values = (rs: readonly { value: Buffer | null }[][]): string[][] => rs.map((p) => p.map((r) => r.value?.toString() ?? '<null>'));
  assert.deepEqual(values(await readAll(bootstrap, topic, PARTITIONS, 'read_committed')), committed, 'Gregor client, read_committed');
  assert.deepEqual(values(await readAll(bootstrap, topic, PARTITIONS, 'read_uncommitted')), all, 'Gregor client, read_uncommitted');
  const vals = (ps: [number, string][][]): string[][] => ps.map((p) => p.map((r) => r[1]));
  assert.deepEqual(vals(await readWithConfluent(bootstrap, topic, PARTITIONS, 'read_committed')), committed, 'confluent-kafka, read_committed');
  assert.deepEqual(vals(await readWithConfluent(bootstrap, topic, PARTITIONS, 'read_uncommitted')), all, 'confluent-kafka, read_uncommitted');

  const kafka = new KafkaJs({ clientId: 'eos-aborted-reader', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, readUncommitted: false, sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  const got: string[][] = Array.from({ length: PARTITIONS }, () => []);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void got[partition]!.push(message.value?.toString() ?? '<null>') });
    const end = txns[txns.length - 1]!.records[0]![1];
    await waitFor('kafkajs read_committed consumer to reach every partition\'s end record', () => got.every((p) => p.includes(end)), 30_000, () => JSON.stringify(got));
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(got, committed, 'kafkajs, read_committed');
}

test('kafkajs: aborted transactions are hidden from read_committed, shown to read_uncommitted', async () => {
  await broker.check(async () => {
    const topic = 'aborted-kafkajs';
    await createTopics(broker.bootstrap, [{ name: topic, partitions: PARTITIONS }]);
    const txns = plan('kj');
    const kafka = new KafkaJs({ clientId: 'eos-aborted', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: 'aborted-kafkajs', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const t of txns) {
        const txn = await producer.transaction();
        await txn.send({ topic, acks: -1, messages: t.records.map(([partition, v]) => ({ partition, value: v })) });
        await (t.commit ? txn.commit() : txn.abort());
      }
    } finally {
      await producer.disconnect();
    }
    await verify(topic, txns);
  });
});

test('confluent-kafka: aborted transactions are hidden from read_committed, shown to read_uncommitted', async () => {
  await broker.check(async () => {
    const topic = 'aborted-confluent';
    await createTopics(broker.bootstrap, [{ name: topic, partitions: PARTITIONS }]);
    const txns = plan('ck');
    const ops = ['A.init'];
    for (const t of txns) ops.push('A.begin', ...t.records.map(([p, v]) => `A.send:${p}:${v}`), t.commit ? 'A.commit' : 'A.abort');
    const script = startTxnScript('eos-txn.py', broker.bootstrap, topic, 'aborted-confluent', 30_000, ops);
    await script.exited;
    assert.ok(script.events.some((e) => e['done'] === true), script.describe());
    for (const e of script.events) assert.ok(!('error' in e), `${String(e['op'])} failed: ${JSON.stringify(e)}`);
    assert.equal(opResult(script, 'A.init')['ok'], true);
    await verify(topic, txns);
  });
});
