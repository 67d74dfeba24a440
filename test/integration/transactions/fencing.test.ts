/**
 * Zombie fencing: producer A opens a transaction and writes to it; producer B initialises with the
 * same transactional id, which bumps the epoch and aborts A's transaction. A's next send, or its
 * commit, fails with a fencing error, and nothing of A's transaction is visible to read_committed
 * (read_uncommitted still shows what A wrote before it was fenced); B's transaction commits.
 * kafkajs speaks EndTxn/AddPartitionsToTxn v0-1, where Kafka answers INVALID_PRODUCER_EPOCH (its
 * PRODUCER_FENCED is mapped down for versions < 2); librdkafka reports its own fatal fencing error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import type { BrokerProcess } from '../../support/broker-process.js';
import { createTopics, opResult, readAll, startTxnBroker, startTxnScript, value, waitStable } from './eos-support.js';

let broker: BrokerProcess;

before(async () => {
  broker = await startTxnBroker();
});
after(async () => {
  await broker?.close();
});

async function values(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  await waitStable(broker.bootstrap, topic, 1, 20_000);
  return (await readAll(broker.bootstrap, topic, 1, isolation))[0]!.map(value);
}

/** The Kafka error type of a kafkajs failure (kafkajs wraps protocol errors in retriers). */
function kafkajsErrorType(e: unknown): string {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth++) {
    const o = cur as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown[] };
    if (typeof o.type === 'string' && o.type !== 'UNKNOWN') return o.type;
    cur = o.originalError ?? o.cause ?? o.errors?.[0];
  }
  return `not a Kafka error: ${String(e)}`;
}

for (const step of ['send', 'commit'] as const) {
  test(`kafkajs: the fenced producer's next ${step} fails with INVALID_PRODUCER_EPOCH; its transaction stays invisible`, async () => {
    await broker.check(async () => {
      const topic = `fence-kafkajs-${step}`;
      const id = `fence-kafkajs-${step}`;
      await createTopics(broker.bootstrap, [{ name: topic, partitions: 1 }]);
      const kafka = new KafkaJs({ clientId: 'eos-fence', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
      const a = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      const b = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      await a.connect();
      await b.connect();
      try {
        const ta = await a.transaction();
        await ta.send({ topic, acks: -1, messages: [{ partition: 0, value: 'a-1' }] });
        const tb = await b.transaction(); // InitProducerId: fences A, aborts its transaction
        const fenced = step === 'send' ? ta.send({ topic, acks: -1, messages: [{ partition: 0, value: 'a-2' }] }) : ta.commit();
        await assert.rejects(fenced, (e) => {
          assert.equal(kafkajsErrorType(e), 'INVALID_PRODUCER_EPOCH', `A's ${step}: ${String(e)}`);
          return true;
        });
        await tb.send({ topic, acks: -1, messages: [{ partition: 0, value: 'b-1' }] });
        await tb.commit();
      } finally {
        await a.disconnect();
        await b.disconnect();
      }
      assert.deepEqual(await values(topic, 'read_committed'), ['b-1']);
      assert.deepEqual(await values(topic, 'read_uncommitted'), ['a-1', 'b-1']);
    });
  });
}

const FENCING_ERRORS = ['_FENCED', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'];

for (const step of ['send', 'commit'] as const) {
  test(`confluent-kafka: the fenced producer's next ${step} fails with a fencing error; its transaction stays invisible`, async (t) => {
    await broker.check(async () => {
      const topic = `fence-confluent-${step}`;
      await createTopics(broker.bootstrap, [{ name: topic, partitions: 1 }]);
      const fencedOp = step === 'send' ? 'A.send:0:a-2?' : 'A.commit?';
      const ops = ['A.init', 'A.begin', 'A.send:0:a-1', 'B.init', fencedOp, ...(step === 'send' ? ['A.commit?'] : []), 'B.begin', 'B.send:0:b-1', 'B.commit'];
      const script = startTxnScript('eos-txn.py (fencing)', broker.bootstrap, topic, `fence-confluent-${step}`, 30_000, ops);
      await script.exited;
      assert.ok(script.events.some((e) => e['done'] === true), script.describe());
      const fenced = opResult(script, fencedOp);
      t.diagnostic(`A's ${step}: ${JSON.stringify(fenced)}`);
      assert.ok(FENCING_ERRORS.includes(String(fenced['error'])), `A's ${step} after B's init: ${JSON.stringify(fenced)}`);
      assert.equal(fenced['fatal'], true, `a fenced producer's error is fatal: ${JSON.stringify(fenced)}`);
      if (step === 'send') {
        const commit = opResult(script, 'A.commit?');
        t.diagnostic(`A's commit: ${JSON.stringify(commit)}`);
        assert.ok('error' in commit, `A's commit after being fenced: ${JSON.stringify(commit)}`);
      }
      assert.deepEqual(await values(topic, 'read_committed'), ['b-1']);
      assert.deepEqual(await values(topic, 'read_uncommitted'), ['a-1', 'b-1']);
    });
  });
}
