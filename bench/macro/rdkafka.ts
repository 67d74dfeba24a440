/** Running librdkafka's `rdkafka_performance` (built by scripts/bench-tools.sh) and reading its summary. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/repo-root.js';

/** Builds (once) and returns the path of rdkafka_performance; throws with the script's reason. */
export function rdkafkaPerformancePath(): string {
  const r = spawnSync('bash', [join(repoRoot(), 'scripts', 'bench-tools.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/bench-tools.sh failed:\n${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

export interface PerfResult {
  msgs: number;
  msgsPerSec: number;
  mbPerSec: number;
  ms: number;
  failed: number;
  output: string;
}

const PRODUCED_RE = /(\d+) delivered \(offset -?\d+, (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and ([\d.]+) MB\/s/;
const CONSUMED_RE = /(\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/;

export interface RunOptions {
  timeoutMs: number;
  /** Called about every 100 ms while the load generator runs (e.g. to sample the broker's RSS). */
  onTick?: () => void;
}

export interface RunningPerf {
  readonly done: Promise<{ code: number | null; output: string }>;
  /** SIGINT: it stops, prints its summary and exits. */
  stop(): void;
}

/** Runs rdkafka_performance to completion (SIGINT, then SIGKILL, past the timeout). */
export function runPerf(bin: string, args: readonly string[], opts: RunOptions): Promise<{ code: number | null; output: string }> {
  return startPerf(bin, args, opts).done;
}

export function startPerf(bin: string, args: readonly string[], opts: RunOptions): RunningPerf {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const tick = opts.onTick === undefined ? undefined : setInterval(opts.onTick, 100);
    const t1 = setTimeout(() => {
      output += '\n[harness: timeout, SIGINT]\n';
      child.kill('SIGINT');
    }, opts.timeoutMs);
    const t2 = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs + 5000);
    child.on('exit', (code) => {
      clearTimeout(t1);
      clearTimeout(t2);
      if (tick !== undefined) clearInterval(tick);
      resolve({ code, output });
    });
  });
  return { done, stop: () => void child.kill('SIGINT') };
}

/** Parses a producer's or consumer's final summary line; throws when it is missing or shows failures. */
export function parsePerf(output: string, expectMsgs: number): PerfResult {
  const rows = producerRows(output);
  const last = rows.at(-1);
  if (last !== undefined) {
    // table mode (-u): the last row is the final state
    const steady = steadyRate(rows, last.dr);
    const bytesPerMsg = last.msgs > 0 ? last.bytes / last.msgs : 0;
    const rate = steady ?? (last.t > 0 ? (last.dr * 1000) / last.t : 0);
    const r = { msgs: last.dr, failed: last.drErr, ms: last.t, msgsPerSec: Math.round(rate), mbPerSec: Math.round((rate * bytesPerMsg) / 1e4) / 100, output };
    if (r.failed > 0 || r.msgs < expectMsgs) throw new Error(`producer delivered ${r.msgs}/${expectMsgs}, ${r.failed} failed:\n${tail(output)}`);
    return r;
  }
  const p = PRODUCED_RE.exec(output);
  if (p !== null) {
    const r = { msgs: Number(p[1]), failed: Number(p[2]), ms: Number(p[3]), msgsPerSec: Number(p[4]), mbPerSec: Number(p[5]), output };
    if (r.failed > 0 || r.msgs < expectMsgs) throw new Error(`producer delivered ${r.msgs}/${expectMsgs}, ${r.failed} failed:\n${tail(output)}`);
    return r;
  }
  const c = CONSUMED_RE.exec(output);
  if (c !== null) {
    const r = { msgs: Number(c[1]), failed: 0, ms: Number(c[3]), msgsPerSec: Number(c[4]), mbPerSec: Number(c[5]), output };
    if (r.msgs < expectMsgs) throw new Error(`consumer got ${r.msgs}/${expectMsgs}:\n${tail(output)}`);
    return r;
  }
  throw new Error(`no rdkafka_performance summary in:\n${tail(output)}`);
}

interface ProducerRow {
  t: number;
  msgs: number;
  bytes: number;
  dr: number;
  drErr: number;
}

/** Producer table rows (`-u`): elapsed ms, msgs, bytes, rtt, dr, dr_m/s, dr_MB/s, dr_err, ... */
function producerRows(output: string): ProducerRow[] {
  const rows: ProducerRow[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split('|').map((c) => c.trim()).filter((c) => c !== '').map(Number);
    if (cells.length < 8 || cells.slice(0, 8).some((x) => !Number.isFinite(x))) continue;
    rows.push({ t: cells[0]!, msgs: cells[1]!, bytes: cells[2]!, dr: cells[4]!, drErr: cells[7]! });
  }
  return rows;
}

/**
 * The producer's steady delivery rate from its table rows (`-u -i 10`): from the first row with
 * deliveries to the first with 90 % of them. rdkafka_performance's own figure counts from before the
 * first connection to the last delivery report, and its last partial batch can wait up to a second
 * (a client-side poll timeout), which would swamp short runs.
 */
export function steadyRate(rows: readonly ProducerRow[], total: number): number | undefined {
  const start = rows.find((r) => r.dr > 0);
  const end = rows.find((r) => r.dr >= 0.9 * total);
  if (start === undefined || end === undefined) return undefined;
  if (end.t - start.t >= 50) return ((end.dr - start.dr) * 1000) / (end.t - start.t);
  return end.t > 0 ? (end.dr * 1000) / end.t : undefined;
}

export function tail(s: string, lines = 20): string {
  return s.trim().split('\n').slice(-lines).join('\n');
}

/** Percentiles (µs) of a latency file written by `rdkafka_performance -l -A file` (one µs value a line). */
export function latencyPercentiles(file: string): { count: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number } {
  const values = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number)
    .sort((a, b) => a - b);
  const at = (q: number): number => (values.length === 0 ? NaN : values[Math.min(values.length - 1, Math.floor(q * values.length))]! / 1000);
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return { count: values.length, p50Ms: r3(at(0.5)), p99Ms: r3(at(0.99)), p999Ms: r3(at(0.999)), maxMs: r3(at(1)) };
}
