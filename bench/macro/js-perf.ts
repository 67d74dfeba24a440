/**
 * The second reference load generator: our own kafka-producer-perf-test / kafka-consumer-perf-test
 * (src/cli/perf-*.ts, on Gregor's client) run as child processes, their Kafka-format summary read.
 */
import { join } from 'node:path';
import { repoRoot } from '../../scripts/repo-root.js';
import { runPerf } from './rdkafka.js';

export interface JsPerfResult {
  msgs: number;
  msgsPerSec: number;
  /** MiB/s as the tools print "MB" (Kafka's tools divide by 1024 * 1024) */
  mbPerSec: number;
  output: string;
}

const PRODUCER_RE = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th/m;

/** Kafka's producer perf-test total line. */
export function parseProducerPerfTest(output: string): JsPerfResult {
  const m = PRODUCER_RE.exec(output);
  if (m === null) throw new Error(`no kafka-producer-perf-test summary in:\n${output.slice(-2000)}`);
  return { msgs: Number(m[1]), msgsPerSec: Math.round(Number(m[2])), mbPerSec: Number(m[3]), output };
}

/**
 * Kafka's consumer perf-test total line (the CSV after the header). The rate is the fetch phase's
 * (fetch.nMsg.sec, fetch.MB.sec): the tool joins a group, and the group join differs between
 * Gregor (group.initial.rebalance.delay.ms, 3 s by default as in Kafka) and the null broker (none).
 */
export function parseConsumerPerfTest(output: string): JsPerfResult {
  const lines = output.trim().split('\n');
  const i = lines.findIndex((l) => l.startsWith('start.time, end.time'));
  const row = i < 0 ? undefined : lines[i + 1];
  const f = row?.split(', ');
  if (f === undefined || f.length !== 10) throw new Error(`no kafka-consumer-perf-test summary in:\n${output.slice(-2000)}`);
  return { msgs: Number(f[4]), msgsPerSec: Math.round(Number(f[9])), mbPerSec: Number(f[8]), output };
}

const bin = (name: string): string => join(repoRoot(), 'dist', 'src', 'cli', 'bin', `${name}.js`);

export async function producerPerfTest(bootstrap: string, topic: string, records: number, size: number, props: readonly string[], timeoutMs: number): Promise<JsPerfResult> {
  const args = [bin('kafka-producer-perf-test'), '--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, ...props];
  const r = await runPerf(process.execPath, args, { timeoutMs });
  const parsed = parseProducerPerfTest(r.output);
  if (parsed.msgs !== records) throw new Error(`kafka-producer-perf-test sent ${parsed.msgs}/${records}:\n${r.output.slice(-2000)}`);
  return parsed;
}

export async function consumerPerfTest(bootstrap: string, topic: string, messages: number, timeoutMs: number): Promise<JsPerfResult> {
  const args = [bin('kafka-consumer-perf-test'), '--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(messages), '--timeout', '10000'];
  const r = await runPerf(process.execPath, args, { timeoutMs });
  const parsed = parseConsumerPerfTest(r.output);
  if (parsed.msgs < messages) throw new Error(`kafka-consumer-perf-test read ${parsed.msgs}/${messages}:\n${r.output.slice(-2000)}`);
  return parsed;
}
