/**
 * The kafkajs exactly-once copier, a child process of the EOS tests (same contract as copier.py):
 * `node copier-kafkajs.js <bootstrap> <input> <output> <group> <transactionalId> <maxBatch> <stallAt>`.
 * A read_committed group consumer (readUncommitted: false, autoCommit: false) on <input>; each chunk
 * of at most <maxBatch> records of a fetched batch is one transaction: the records go to the same
 * partition of <output>, value upper-cased, header src=<partition>:<offset>; then sendOffsets (the
 * next offset, for the group) and commit. The producer's id is initialised (the first transaction
 * begun) before the consumer joins, so a killed predecessor's open transaction is aborted first.
 * Prints the same JSON lines as copier.py; exits 3 on any error.
 */
import { Kafka, logLevel, type Transaction } from 'kafkajs';

const [bootstrap, input, output, group, transactionalId, maxBatchArg, stallAtArg] = process.argv.slice(2);
const maxBatch = Number(maxBatchArg);
const stallAt = Number(stallAtArg);

function emit(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
function fail(what: string, e: unknown): never {
  emit({ error: `${what}: ${e instanceof Error ? `${e.name} ${e.message}` : String(e)}` });
  process.exit(3);
}

const kafka = new Kafka({
  clientId: 'eos-copier-kafkajs',
  brokers: [bootstrap!],
  logLevel: logLevel.NOTHING,
  retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
});
const producer = kafka.producer({ transactionalId: transactionalId!, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 20_000 });
let open: Transaction | undefined;
try {
  await producer.connect();
  // kafkajs sends InitProducerId when the first transaction begins.
  open = await producer.transaction();
} catch (e) {
  fail('init', e);
}
emit({ ready: true });

const consumer = kafka.consumer({ groupId: group!, readUncommitted: false, sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 300 });
consumer.on(consumer.events.GROUP_JOIN, (e) => emit({ assigned: e.payload.memberAssignment[input!] ?? [] }));
consumer.on(consumer.events.CRASH, (e) => fail('consumer crash', e.payload.error));
let txn = 0;
try {
  await consumer.connect();
  await consumer.subscribe({ topic: input!, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (let i = 0; i < batch.messages.length; i += maxBatch) {
        const chunk = batch.messages.slice(i, i + maxBatch);
        txn++;
        try {
          const t = open ?? (await producer.transaction());
          open = undefined;
          await t.send({
            topic: output!,
            acks: -1,
            messages: chunk.map((m) => ({
              partition: batch.partition,
              key: m.key,
              value: m.value === null ? null : m.value.toString().toUpperCase(),
              headers: { src: `${batch.partition}:${m.offset}` },
            })),
          });
          emit({ sent: chunk.length, txn });
          if (txn === stallAt) {
            emit({ stalled: txn });
            await new Promise(() => {});
          }
          const next = String(Number(chunk[chunk.length - 1]!.offset) + 1);
          await t.sendOffsets({ consumerGroupId: group!, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
          await t.commit();
        } catch (e) {
          fail(`transaction ${txn}`, e);
        }
        emit({ committed: chunk.length, txn });
        resolveOffset(chunk[chunk.length - 1]!.offset);
        await heartbeat();
      }
    },
  });
} catch (e) {
  fail('consumer', e);
}
