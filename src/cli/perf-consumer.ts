/**
 * kafka-consumer-perf-test on Gregor's client: Kafka's flags and output lines (see perf-args.ts).
 * As Kafka's ConsumerPerformance, it joins `--group` (default perf-consumer-<random>) with
 * `subscribe` and measures the rebalance time from the start (or the last revocation) to each
 * assignment; offsets are committed as the group consumer does (enable.auto.commit, default true).
 */
import { KafkaClient } from '../client/index.js';
import { processClientEnv } from './main.js';
import {
  CONSUMER_DETAILED_HEADER,
  CONSUMER_HEADER,
  CONSUMER_PERF_USAGE,
  consumerProgressLine,
  consumerSettings,
  consumerTotalLine,
  metricsTable,
  parseConsumerPerfArgs,
} from './perf-args.js';
import type { PerfIo } from './perf-producer.js';
import { CliError, loadPropertiesFile } from './properties-file.js';

export async function consumerPerfMain(argv: readonly string[], io: PerfIo): Promise<number> {
  const parsed = parseConsumerPerfArgs(argv, () => `perf-consumer-${Math.floor(Math.random() * 100_000)}`);
  if (parsed.kind === 'help') {
    io.stdout(`${CONSUMER_PERF_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr(`${parsed.message}\n${CONSUMER_PERF_USAGE}\n`);
    return 1;
  }
  const args = parsed.args;
  try {
    const props = args.consumerConfig === undefined ? new Map<string, string>() : loadPropertiesFile(args.consumerConfig);
    const settings = consumerSettings(props, args);
    for (const k of settings.unused) io.stderr(`WARN The configuration '${k}' was supplied but isn't a known config.\n`);
    if (!args.hideHeader) io.stdout(`${args.showDetailedStats ? CONSUMER_DETAILED_HEADER : CONSUMER_HEADER}\n`);
    const client = new KafkaClient(settings.kafka, processClientEnv());
    const startMs = Date.now();
    const consumer = client.consumer({ ...settings.client, groupId: args.group });
    let messages = 0;
    let bytes = 0;
    // Kafka's rebalance-time accounting: from the start, or the last revocation, to the assignment.
    let joinStart = startMs;
    let joinMs = 0;
    let joinInRound = 0;
    try {
      consumer.subscribe([args.topic], {
        onPartitionsRevoked: () => {
          joinStart = Date.now();
        },
        onPartitionsAssigned: () => {
          const took = Date.now() - joinStart;
          joinMs += took;
          joinInRound += took;
        },
      });
      let now = Date.now();
      let lastReport = now;
      let lastConsumed = now;
      let lastMessages = 0;
      let lastBytes = 0;
      while (messages < args.messages && now - lastConsumed <= args.timeoutMs) {
        const records = await consumer.poll(100);
        now = Date.now();
        if (records.length > 0) lastConsumed = now;
        for (const r of records) {
          messages++;
          if (r.key !== null) bytes += r.key.length;
          if (r.value !== null) bytes += r.value.length;
          if (now - lastReport >= args.reportingIntervalMs) {
            if (args.showDetailedStats) {
              io.stdout(
                `${consumerProgressLine({ bytes, lastBytes, messages, lastMessages, startMs: lastReport, endMs: now, joinMs: joinInRound, dateFormat: args.dateFormat })}\n`,
              );
            }
            joinInRound = 0;
            lastReport = now;
            lastMessages = messages;
            lastBytes = bytes;
          }
        }
      }
      if (messages < args.messages) {
        io.stdout(
          `WARNING: Exiting before consuming the expected number of messages: timeout (${args.timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`,
        );
      }
    } finally {
      await consumer.close();
    }
    const endMs = Date.now();
    if (!args.showDetailedStats) io.stdout(`${consumerTotalLine({ startMs, endMs, bytes, messages, joinMs, dateFormat: args.dateFormat })}\n`);
    if (args.printMetrics) {
      const secs = Math.max(0.001, (endMs - startMs) / 1000);
      io.stdout(
        `${metricsTable(
          new Map([
            ['consumer-fetch-manager-metrics:records-consumed-total:{client-id=perf-consumer-client}', messages],
            ['consumer-fetch-manager-metrics:records-consumed-rate:{client-id=perf-consumer-client}', messages / secs],
            ['consumer-fetch-manager-metrics:bytes-consumed-total:{client-id=perf-consumer-client}', bytes],
          ]),
        )}\n`,
      );
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
