/**
 * A broker process SIGKILLed right after appending a batch whose answer the client never got (the
 * proxy keeps it): after the restart, recovery rebuilds producer state from the latest snapshot and
 * the unflushed tail, so the idempotent client's retry of that batch is recognised and not written
 * twice. kafkajs keeps producing across the restart; kcat reads every record exactly once, in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, HOST } from '../../support/broker-process.js';
import { kcatValues } from '../../support/run.js';
import { DuplicatingProxy } from './duplicating-proxy.js';
import type { ProducePartitionAnswer } from './duplicating-proxy.js';

let proxy: DuplicatingProxy;
let proxyPort: number;
let broker: BrokerProcess;

before(async () => {
  proxy = new DuplicatingProxy();
  proxy.duplicate = false;
  proxyPort = await proxy.listen(HOST);
  broker = await BrokerProcess.start({
    // Clients learn the proxy's address from Metadata; segments small enough to roll (snapshots).
    properties: { 'advertised.listeners': `PLAINTEXT://${HOST}:${proxyPort}`, 'log.segment.bytes': '4096' },
  });
  proxy.target = { host: HOST, port: broker.port };
});

after(async () => {
  await broker?.close();
  await proxy?.close();
});


test('SIGKILL after an unanswered append: the retry after recovery is deduplicated', async () => {
  const topic = 'idem-kill';
  const kafka = new Kafka({
    clientId: 'idem-kill',
    brokers: [`${HOST}:${proxyPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();

  let held: ProducePartitionAnswer[] | undefined;
  let restarted: Promise<void> | undefined;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let round = 0; round < 40; round++) {
      if (round === 25) {
        proxy.holdAnswerOf = 1;
        proxy.onHeld = (answer) => {
          held = answer;
          restarted = broker.kill().then(() => broker.startAgain());
        };
      }
      const values = Array.from({ length: 4 }, (_, i) => ({ value: `k${round * 4 + i}-${'x'.repeat(40)}` }));
      const res = await broker.check(() => producer.send({ topic, acks: -1, messages: values }));
      assert.equal(res[0]!.errorCode, 0);
      if (round === 25) {
        assert.ok(held !== undefined, 'the answer was held and the broker killed');
        await restarted;
        // The retry was answered with the offsets of the append the client never heard of.
        assert.equal(res[0]!.baseOffset, String(held[0]!.baseOffset));
      }
    }
  } finally {
    await producer.disconnect();
  }
  assert.equal(held![0]!.errorCode, 0);
  assert.equal(held![0]!.baseOffset, 100);
  const values = await kcatValues(`${HOST}:${proxyPort}`, topic);
  assert.deepEqual(
    values.map((v) => v.split('-')[0]),
    Array.from({ length: 160 }, (_, i) => `k${i}`),
  );
});
