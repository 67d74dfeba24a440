/**
 * A kafkajs group member in its own process, so a test can SIGKILL it (no LeaveGroup, no commit):
 * `node kafkajs-member.js <port> <groupId> <topic>`. Prints one JSON line per event:
 * {"assigned":[...]} after each join, {"consumed":"<value>"} per record.
 */
import { Kafka, logLevel } from 'kafkajs';

const [port, groupId, topic] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'member-child', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: groupId!, sessionTimeout: 3000, heartbeatInterval: 300, rebalanceTimeout: 10000 });
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  process.stdout.write(JSON.stringify({ assigned: e.payload.memberAssignment[topic!] ?? [] }) + '\n');
});
await consumer.connect();
await consumer.subscribe({ topic: topic!, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    process.stdout.write(JSON.stringify({ consumed: message.value?.toString() ?? null }) + '\n');
  },
});
