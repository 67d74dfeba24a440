/**
 * The examples of docs/client.md, run against a real broker. Each region between
 * `// docs:begin NAME` and `// docs:end NAME` must appear verbatim (dedented) as a ```ts block of
 * the guide, so the guide cannot drift from code that works.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo.js';
import { Kafka, KafkaError } from '../../../src/index.js';
import { startFixture, type BrokerFixture } from './broker-fixture.js';
import { GROUP_BROKER_PROPS } from './group-support.js';

let fx: BrokerFixture;
let bootstrap: string;

before(async () => {
  fx = await startFixture(GROUP_BROKER_PROPS);
  bootstrap = fx.bootstrap;
});
after(async () => {
  await fx.close();
});

test('docs: admin', async () => {
  // docs:begin admin
  const kafka = new Kafka({ bootstrapServers: bootstrap, clientId: 'docs' });
  const admin = kafka.admin();
  await admin.createTopics([{ name: 'orders', numPartitions: 3, configs: { 'retention.ms': '86400000' } }]);
  for (const topic of await admin.describeTopics(['orders'])) {
    console.log(topic.name, topic.partitions.map((p) => `${p.partition}: leader ${p.leader}, isr ${p.isr}`));
  }
  await admin.incrementalAlterConfigs([
    { type: 'topic', name: 'orders', ops: [{ op: 'set', name: 'retention.ms', value: '3600000' }] },
  ]);
  const described = await admin.describeConfigs([{ type: 'topic', name: 'orders', keys: ['retention.ms'] }]);
  for (const entry of described[0]?.configs ?? []) console.log(`${entry.name}=${entry.value} (${entry.source})`);
  await admin.close();
  // docs:end admin
  assert.equal(described[0]!.configs[0]!.value, '3600000');
});

test('docs: produce', async () => {
  // docs:begin produce
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const producer = kafka.producer({ compression: 'zstd', lingerMs: 5 });
  const meta = await producer.send({
    topic: 'orders',
    key: 'customer-42', // same key, same partition (murmur2, as Kafka's Java client)
    value: JSON.stringify({ item: 'book', qty: 1 }),
    headers: { source: 'web' },
  });
  console.log(`written to ${meta.topic}-${meta.partition} at offset ${meta.offset}`);
  await producer.sendBatch([
    { topic: 'orders', key: 'customer-7', value: 'a' },
    { topic: 'orders', key: null, value: 'b' }, // no key: sticky partitioning
  ]);
  await producer.close(); // flushes first
  // docs:end produce
  assert.equal(meta.offset, 0);
});

test('docs: consume', async () => {
  // docs:begin consume
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([0, 1, 2].map((partition) => ({ topic: 'orders', partition })));
  const seen = [];
  for await (const record of consumer) {
    seen.push(`${record.partition}/${record.offset} ${record.key} ${record.value}`);
    if (seen.length === 3) break;
  }
  await consumer.close();
  // docs:end consume
  assert.equal(seen.length, 3);
});

test('docs: seek and poll', async () => {
  // docs:begin seek
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const consumer = kafka.consumer();
  const tp = { topic: 'orders', partition: 0 };
  consumer.assign([tp]);
  consumer.seek(tp, { timestamp: Date.now() - 60 * 60 * 1000 }); // the last hour
  const records = await consumer.poll(1000); // waits up to 1 s for records
  consumer.seek(tp, 'latest'); // or 'earliest', or an offset
  await consumer.close();
  // docs:end seek
  assert.ok(Array.isArray(records));
});

test('docs: consumer group', async () => {
  // docs:begin group
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const consumer = kafka.consumer({ groupId: 'billing', autoOffsetReset: 'earliest', enableAutoCommit: false });
  consumer.subscribe(['orders'], {
    onPartitionsAssigned: (partitions) => console.log('assigned', partitions),
    onPartitionsRevoked: (partitions) => console.log('revoked', partitions),
  });
  let handled = 0;
  for await (const record of consumer) {
    console.log(`${record.partition}/${record.offset} ${record.value}`);
    if (++handled % 100 === 0) await consumer.commitSync(); // what the loop has had so far
    if (handled === 3) break;
  }
  await consumer.commitSync();
  await consumer.close(); // revokes (committing first with auto-commit) and leaves the group
  // docs:end group
  assert.equal(handled, 3);
});

test('docs: admin groups', async () => {
  // docs:begin admingroups
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const admin = kafka.admin();
  for (const group of await admin.listConsumerGroups()) console.log(group.groupId, group.state);
  const [billing] = await admin.describeConsumerGroups(['billing']);
  for (const member of billing?.members ?? []) {
    console.log(member.clientId, member.host, member.assignment.map((tp) => `${tp.topic}-${tp.partition}`));
  }
  for (const o of await admin.listConsumerGroupOffsets('billing')) console.log(`${o.topic}-${o.partition} at ${o.offset}`);
  // Rewind the (empty) group; each partition reports its own outcome.
  const results = await admin.alterConsumerGroupOffsets('billing', [{ topic: 'orders', partition: 0, offset: 0 }]);
  for (const r of results) if (r.error) console.log(`${r.topic}-${r.partition}: ${r.error.name}`);
  await admin.close();
  // docs:end admingroups
  assert.equal(billing!.state, 'Empty');
  assert.equal(results[0]!.error, undefined);
});

test('docs: transactions', async () => {
  const probe = new Kafka({ bootstrapServers: bootstrap, retries: 30 }).admin();
  const [state] = await probe.describeTransactions(['probe']);
  await probe.close();
  assert.equal(state!.error?.name, 'TRANSACTIONAL_ID_NOT_FOUND', 'the transaction coordinator is up');
  // docs:begin transactions
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const consumer = kafka.consumer({ groupId: 'enricher', enableAutoCommit: false, isolationLevel: 'read_committed', autoOffsetReset: 'earliest' });
  const producer = kafka.producer({ transactionalId: 'enricher-1' });
  await producer.initTransactions(); // fences an older producer with the same id
  consumer.subscribe(['orders']);
  const records = await consumer.poll(5000);
  producer.beginTransaction();
  try {
    await producer.sendBatch(records.map((r) => ({ topic: 'orders-enriched', key: r.key, value: `${r.value}!` })));
    const next = new Map<number, number>();
    for (const r of records) next.set(r.partition, r.offset + 1);
    const offsets = [...next].map(([partition, offset]) => ({ topic: 'orders', partition, offset }));
    await producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    await producer.commitTransaction(); // the records and the offsets, or neither
  } catch (e) {
    if (!(e instanceof KafkaError) || e.name !== 'PRODUCER_FENCED') await producer.abortTransaction();
    throw e;
  }
  await producer.close();
  await consumer.close();
  // docs:end transactions
});

test('docs: errors', async () => {
  // docs:begin errors
  const kafka = new Kafka({ bootstrapServers: bootstrap });
  const admin = kafka.admin();
  try {
    await admin.createTopics([{ name: 'orders' }]);
  } catch (e) {
    if (e instanceof KafkaError && e.name === 'TOPIC_ALREADY_EXISTS') console.log('fine, it exists');
    else throw e;
  }
  await admin.close();
  // docs:end errors
});

function dedent(lines: string[]): string {
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

test('every example region appears verbatim in docs/client.md', () => {
  const self = readFileSync(join(repoRoot(), 'test/integration/client/docs-examples.test.ts'), 'utf8');
  const guide = readFileSync(join(repoRoot(), 'docs/client.md'), 'utf8');
  const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd());
  const regions = [...self.matchAll(/\/\/ docs:begin (\w+)\n([\s\S]*?)\n\s*\/\/ docs:end \1/g)];
  assert.equal(regions.length, 8);
  for (const [, name, body] of regions) {
    const code = dedent(body!.split('\n'));
    assert.ok(blocks.some((b) => b.includes(code)), `docs/client.md lacks the "${name}" example:\n${code}`);
  }
});
