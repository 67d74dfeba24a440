/**
 * A kafkajs group member in its own process, so a test can SIGKILL it (no LeaveGroup, no commit):
 * `node kafkajs-member.js <port> <groupId> <topic> [session=<ms>] [assignor=roundrobin]`.
 * Prints one JSON line per event: {"assigned":[...]} after each join, {"consumed":"<value>"} per
 * record, {"closed":true} after a clean disconnect on SIGTERM. `assignor=roundrobin` runs kafkajs'
 * round-robin assignor under the Kafka-standard protocol name, so it can share a group with
 * librdkafka or Java members (kafkajs calls it "RoundRobinAssigner").
 */
import { Kafka, PartitionAssigners, logLevel } from 'kafkajs';
import type { PartitionAssigner } from 'kafkajs';

const [port, groupId, topic, ...rest] = process.argv.slice(2);
const opts = new Map(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const emit = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
const standardRoundRobin: PartitionAssigner = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });
const kafka = new Kafka({ clientId: 'member-child', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: groupId!,
  sessionTimeout: Number(opts.get('session') ?? 3000),
  heartbeatInterval: 300,
  rebalanceTimeout: 10000,
  maxWaitTimeInMs: 300,
  ...(opts.get('assignor') === 'roundrobin' ? { partitionAssigners: [standardRoundRobin] } : {}),
});
consumer.on(consumer.events.GROUP_JOIN, (e) => emit({ assigned: e.payload.memberAssignment[topic!] ?? [] }));
consumer.on(consumer.events.CRASH, (e) => emit({ error: String(e.payload.error) }));
process.on('SIGTERM', () => {
  consumer.disconnect().then(
    () => {
      emit({ closed: true });
      process.exit(0);
    },
    (e: unknown) => {
      emit({ error: String(e) });
      process.exit(1);
    },
  );
});
await consumer.connect();
await consumer.subscribe({ topic: topic!, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    emit({ consumed: message.value?.toString() ?? null });
  },
});
