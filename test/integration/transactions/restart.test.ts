/**
 * The broker process is SIGKILLed mid-transaction and started again on the same dirs and ports:
 * (a) with a transaction open (records written, not committed): after the restart the coordinator
 *     finds it in __transaction_state, aborts it when its transaction.timeout.ms (3 s) has passed
 *     (transaction.abort.timed.out.transaction.cleanup.interval.ms is 1 s), with no client acting;
 *     none of it is ever visible to read_committed, all of it is to read_uncommitted;
 * (b) right after commit returned: after the restart every record is visible to read_committed.
 * Then a new producer with the same transactional id commits a transaction on the same partitions.
 * kafkajs in process; confluent-kafka through eos-txn.py.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import type { BrokerProcess } from '../../support/broker-process.js';
import { createTopics, endOffsets, readAll, startTxnBroker, startTxnScript, value, waitStable } from './eos-support.js';

const PARTITIONS = 2;
const TXN_TIMEOUT_MS = 3000;
let broker: BrokerProcess;

before(async () => {
  broker = await startTxnBroker();
});
after(async () => {
  await broker?.close();
});

const records = (tag: string): [number, string][] => Array.from({ length: 6 }, (_, i) => [i % PARTITIONS, `${tag}-${i}`]);

async function read(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[][]> {
  return (await readAll(broker.bootstrap, topic, PARTITIONS, isolation)).map((p) => p.map(value));
}

function byPartition(rs: readonly [number, string][]): string[][] {
  const out: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const [p, v] of rs) out[p]!.push(v);
  return out;
}

/** After the restart: the transaction gets decided by the broker alone; then the expected records are visible, and a new transaction commits. */
async function afterRestart(topic: string, sent: [number, string][], committed: boolean, commitAnother: (tag: string) => Promise<void>): Promise<void> {
  const started = Date.now();
  await waitStable(broker.bootstrap, topic, PARTITIONS, 30_000);
  const decidedMs = Date.now() - started;
  assert.deepEqual(await read(topic, 'read_committed'), committed ? byPartition(sent) : byPartition([]), 'read_committed after the restart');
  assert.deepEqual(await read(topic, 'read_uncommitted'), byPartition(sent), 'read_uncommitted after the restart');
  if (!committed) assert.ok(decidedMs < 20_000, `the open transaction was aborted ${decidedMs} ms after the restart`);
  const more = records(`${topic}-next`);
  await commitAnother(`${topic}-next`);
  await waitStable(broker.bootstrap, topic, PARTITIONS, 20_000);
  assert.deepEqual(await read(topic, 'read_committed'), byPartition([...(committed ? sent : []), ...more]), 'read_committed after a new transaction');
}

async function kafkajsCommit(topic: string, id: string, rs: [number, string][]): Promise<void> {
  const kafka = new KafkaJs({ clientId: 'eos-restart-next', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  try {
    const t = await p.transaction();
    await t.send({ topic, acks: -1, messages: rs.map(([partition, v]) => ({ partition, value: v })) });
    await t.commit();
  } finally {
    await p.disconnect();
  }
}

for (const committed of [false, true]) {
  const what = committed ? 'right after commit returned' : 'with a transaction open';
  test(`kafkajs: broker SIGKILLed ${what}`, async () => {
    await broker.check(async () => {
      const topic = `restart-kafkajs-${committed ? 'committed' : 'open'}`;
      const id = topic;
      await createTopics(broker.bootstrap, [{ name: topic, partitions: PARTITIONS }]);
      const kafka = new KafkaJs({ clientId: 'eos-restart', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, transactionTimeout: TXN_TIMEOUT_MS });
      await producer.connect();
      const sent = records(topic);
      try {
        const t = await producer.transaction();
        await t.send({ topic, acks: -1, messages: sent.map(([partition, v]) => ({ partition, value: v })) });
        if (committed) await t.commit();
        await broker.kill();
      } finally {
        await producer.disconnect();
      }
      await broker.startAgain();
      await afterRestart(topic, sent, committed, (tag) => kafkajsCommit(topic, id, records(tag)));
    });
  });

  test(`confluent-kafka: broker SIGKILLed ${what}`, async () => {
    await broker.check(async () => {
      const topic = `restart-confluent-${committed ? 'committed' : 'open'}`;
      const id = topic;
      await createTopics(broker.bootstrap, [{ name: topic, partitions: PARTITIONS }]);
      const sent = records(topic);
      const ops = ['A.init', 'A.begin', ...sent.map(([p, v]) => `A.send:${p}:${v}`), ...(committed ? ['A.commit'] : []), 'pause'];
      const script = startTxnScript('eos-txn.py (restart)', broker.bootstrap, topic, id, TXN_TIMEOUT_MS, ops);
      try {
        await script.waitEvent('the script to pause', (ev) => ev.some((e) => e['op'] === 'pause'), 30_000);
        // The client dies too (a client left running would only reconnect; the broker decides alone).
        await script.kill('SIGKILL');
        await broker.kill();
      } finally {
        await script.kill('SIGKILL');
      }
      // The records are in the log (acknowledged with acks=all) before the kill.
      await broker.startAgain();
      const hw = await endOffsets(broker.bootstrap, topic, PARTITIONS, 'read_uncommitted');
      assert.ok(hw.every((h) => h >= sent.length / PARTITIONS), `high watermarks after the restart: ${JSON.stringify(hw)}`);
      await afterRestart(topic, sent, committed, async (tag) => {
        const next = startTxnScript('eos-txn.py (after restart)', broker.bootstrap, topic, id, 30_000, ['A.init', 'A.begin', ...records(tag).map(([p, v]) => `A.send:${p}:${v}`), 'A.commit']);
        await next.exited;
        assert.ok(next.events.some((e) => e['done'] === true), next.describe());
      });
    });
  });
}
