/**
 * An @platformatic/kafka group member in its own process (see kafkajs-member.ts for the protocol):
 * `node platformatic-member.js <port> <groupId> <topic> [session=<ms>] [instance=<group.instance.id>]`.
 * Offsets are auto-committed every 100 ms and on close (SIGTERM). Assignments are read from
 * `consumer.assignments` (polled; the client has no join event).
 */
import { Consumer, stringDeserializers } from '@platformatic/kafka';

const [port, groupId, topic, ...rest] = process.argv.slice(2);
const opts = new Map(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const emit = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
const instance = opts.get('instance');
const consumer = new Consumer({
  groupId: groupId!,
  clientId: 'platformatic-member',
  bootstrapBrokers: [`127.0.0.1:${port}`],
  deserializers: stringDeserializers,
  ...(instance !== undefined ? { groupInstanceId: instance } : {}),
});
const describeError = (e: unknown): string => {
  const errors = (e as { errors?: unknown[] }).errors;
  return [String(e), ...(Array.isArray(errors) ? errors.map((x) => (x as { message?: string }).message ?? String(x)) : [])].join(' / ');
};
consumer.on('error', (e: unknown) => emit({ error: describeError(e) }));
consumer.on('consumer:heartbeat:error', (p: { error?: unknown }) => emit({ error: `heartbeat: ${describeError(p.error)}` }));
let last = '';
const watch = setInterval(() => {
  const parts = (consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
  const key = consumer.assignments === null ? '' : JSON.stringify(parts);
  if (key !== '' && key !== last) {
    last = key;
    emit({ assigned: parts });
  }
}, 50);
const stream = await consumer.consume({
  autocommit: 100,
  topics: [topic!],
  sessionTimeout: Number(opts.get('session') ?? 6000),
  heartbeatInterval: 300,
  rebalanceTimeout: 10000,
  mode: 'committed',
  fallbackMode: 'earliest',
  maxWaitTime: 200,
});
stream.on('data', (m) => emit({ consumed: m.value }));
stream.on('error', (e: unknown) => emit({ error: String(e) }));
process.on('SIGTERM', () => {
  clearInterval(watch);
  stream
    .close()
    .then(() => consumer.close())
    .then(
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
