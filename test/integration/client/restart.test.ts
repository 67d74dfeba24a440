/** Producer and consumer ride out a broker restart: connections are rebuilt with backoff, sends retried. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture } from './broker-fixture.js';

test('a broker restart: in-flight and later sends succeed, the consumer continues where it was', async () => {
  const fx = await startFixture();
  try {
    const kafka = fx.kafka({ reconnectBackoffMs: 20, reconnectBackoffMaxMs: 200, retryBackoffMs: 50 });
    const admin = kafka.admin();
    await admin.createTopics([{ name: 'r-topic', numPartitions: 1 }]);
    await admin.close();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
    consumer.assign([{ topic: 'r-topic', partition: 0 }]);
    await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: 'r-topic', value: `before-${i}` })));
    const firstRead = [];
    for (let i = 0; i < 20 && firstRead.length < 5; i++) firstRead.push(...(await consumer.poll(500)));
    assert.equal(firstRead.length, 5);

    let duringRestart: Promise<unknown> | undefined;
    await fx.restart(async () => {
      // Sent while the broker is down: retried until it is back.
      duringRestart = producer.send({ topic: 'r-topic', value: 'while-down' });
    });
    const m = (await duringRestart) as { offset: number };
    assert.equal(m.offset, 5);
    await producer.sendBatch(Array.from({ length: 4 }, (_, i) => ({ topic: 'r-topic', value: `after-${i}` })));
    const rest = [];
    for (let i = 0; i < 40 && rest.length < 5; i++) rest.push(...(await consumer.poll(500)));
    assert.deepEqual(
      rest.map((r) => r.value!.toString()),
      ['while-down', 'after-0', 'after-1', 'after-2', 'after-3'],
    );
    await producer.close();
    await consumer.close();
  } finally {
    await fx.close();
  }
});

test('an unreachable bootstrap server: calls fail with NETWORK_EXCEPTION after the retries', async () => {
  const fx = await startFixture();
  const port = Number(fx.bootstrap.split(':')[1]);
  await fx.close();
  const { Kafka } = await import('../../../src/index.js');
  const kafka = new Kafka({ bootstrapServers: `127.0.0.1:${port}`, retries: 2, retryBackoffMs: 10, reconnectBackoffMs: 10 });
  const admin = kafka.admin();
  await assert.rejects(admin.listTopics(), { name: 'NETWORK_EXCEPTION', retriable: true });
  await admin.close();
});
