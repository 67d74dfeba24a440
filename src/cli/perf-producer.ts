/**
 * kafka-producer-perf-test on Gregor's client: Kafka's flags and output lines (see perf-args.ts).
 * Sends `--num-records` records of `--record-size` random uppercase letters (one payload reused, as
 * Kafka does) or of payloads read from `--payload-file`, throttled to `--throughput` records/s,
 * with at most `buffer.memory` bytes of records awaiting acknowledgement (Kafka's producer blocks
 * there too).
 */
import { readFileSync } from 'node:fs';
import { KafkaClient, type Producer } from '../client/index.js';
import { processClientEnv } from './main.js';
import {
  PRODUCER_PERF_USAGE,
  ProducerStats,
  metricsTable,
  parseProducerPerfArgs,
  producerSettings,
  propsFromPairs,
  type ProducerPerfArgs,
} from './perf-args.js';
import { CliError, loadPropertiesFile } from './properties-file.js';

export interface PerfIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const nowMs = (): number => performance.timeOrigin + performance.now();

function payloads(args: ProducerPerfArgs): Buffer[] {
  if (args.recordSize !== undefined) {
    const p = Buffer.allocUnsafe(args.recordSize);
    for (let i = 0; i < p.length; i++) p[i] = 65 + Math.floor(Math.random() * 26);
    return [p];
  }
  const text = readFileSync(args.payloadFile!, 'utf8');
  const delim = args.payloadDelimiter.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  const list = text.split(delim).filter((s) => s !== '').map((s) => Buffer.from(s, 'utf8'));
  if (list.length === 0) throw new CliError(`File is empty: ${args.payloadFile}`);
  return list;
}

export async function producerPerfMain(argv: readonly string[], io: PerfIo): Promise<number> {
  const parsed = parseProducerPerfArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(`${PRODUCER_PERF_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr(`${PRODUCER_PERF_USAGE}\nkafka-producer-perf-test: error: ${parsed.message}\n`);
    return 1;
  }
  const args = parsed.args;
  try {
    const base = args.producerConfig === undefined ? new Map<string, string>() : loadPropertiesFile(args.producerConfig);
    const settings = producerSettings(propsFromPairs(args.producerProps, base));
    for (const k of settings.unused) io.stderr(`WARN The configuration '${k}' was supplied but isn't a known config.\n`);
    const bodies = payloads(args);
    const client = new KafkaClient(settings.kafka, processClientEnv());
    const producer = client.producer(settings.client);
    try {
      await run(args, producer, bodies, settings.bufferMemory, io);
    } finally {
      await producer.close();
    }
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function run(args: ProducerPerfArgs, producer: Producer, bodies: readonly Buffer[], bufferMemory: number, io: PerfIo): Promise<void> {
  const start = nowMs();
  const stats = new ProducerStats(args.numRecords, start);
  let failure: Error | undefined;
  let outstanding = 0;
  let outstandingBytes = 0;
  let wake: (() => void) | undefined;
  const sendsPerMs = args.throughput > 0 ? args.throughput / 1000 : Infinity;
  let acked = 0;
  let ackedBytes = 0;
  for (let i = 0; i < args.numRecords && failure === undefined; i++) {
    const value = bodies.length === 1 ? bodies[0]! : bodies[Math.floor(Math.random() * bodies.length)]!;
    // Throttle (Kafka's ThroughputThrottler): sleep while ahead of the target rate.
    if (sendsPerMs !== Infinity) {
      const ahead = i / sendsPerMs - (nowMs() - start);
      if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
    }
    // Bounded like buffer.memory: wait for acknowledgements before queueing more.
    while (outstanding > 0 && outstandingBytes + value.length > bufferMemory && failure === undefined) {
      await new Promise<void>((r) => (wake = r));
    }
    const sendStart = nowMs();
    outstanding++;
    outstandingBytes += value.length;
    producer.send({ topic: args.topic, value }).then(
      () => {
        const now = nowMs();
        acked++;
        ackedBytes += value.length;
        const line = stats.record(Math.round(now - sendStart), value.length, now);
        if (line !== undefined) io.stdout(`${line}\n`);
        outstanding--;
        outstandingBytes -= value.length;
        wake?.();
        wake = undefined;
      },
      (e: unknown) => {
        failure ??= e instanceof Error ? e : new Error(String(e));
        outstanding--;
        outstandingBytes -= value.length;
        wake?.();
        wake = undefined;
      },
    );
    // Let the producer's timers and sockets run now and then when nothing else yields.
    if ((i & 1023) === 1023) await new Promise<void>((r) => setImmediate(r));
  }
  await producer.flush();
  while (outstanding > 0) await new Promise<void>((r) => (wake = r));
  if (failure !== undefined) io.stderr(`Error when sending message to topic ${args.topic}: ${failure.message}\n`);
  io.stdout(`${stats.totalLine(nowMs())}\n`);
  if (args.printMetrics) {
    const secs = Math.max(0.001, (nowMs() - start) / 1000);
    io.stdout(
      `${metricsTable(
        new Map([
          ['producer-metrics:record-send-total:{client-id=perf-producer-client}', acked],
          ['producer-metrics:record-send-rate:{client-id=perf-producer-client}', acked / secs],
          ['producer-metrics:outgoing-byte-total:{client-id=perf-producer-client}', ackedBytes],
          ['producer-metrics:record-error-total:{client-id=perf-producer-client}', args.numRecords - acked],
        ]),
      )}\n`,
    );
  }
}
