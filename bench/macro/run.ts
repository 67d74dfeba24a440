/**
 * Macro benchmarks (issue 8's harness): librdkafka's rdkafka_performance against a fresh Gregor
 * broker per scenario and, in the same run with the same flags, against the null broker; plus the
 * machine's loopback-TCP and fs-append ceilings. Every Gregor figure is a median of N runs after a
 * warm-up and is reported as a ratio to its ceiling's median; null and Gregor runs alternate so
 * that noise from other work on the machine hits both alike.
 *
 *   npm run build && node dist/bench/macro/run.js [--runs N] [--quick] [--scenario a,b] [--cpu-prof] [--out file]
 *
 * Writes bench/results/macro.json (full run) or macro-<tag>.json (--quick / --scenario / --cpu-prof)
 * and prints a markdown table. --cpu-prof starts the Gregor brokers with `--cpu-prof` and prints the
 * top self-time functions of each profile (use with --scenario).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/repo-root.js';
import { fsAppend, fsAppendSustained, tcpLoopback } from './ceilings.js';
import { longBusyStretches, summariseHeapSample, summariseProfile, type AllocationSite, type ProfileEntry } from './profile.js';
import { consumerPerfTest, producerPerfTest, type JsPerfResult } from './js-perf.js';
import { latencyPercentiles, parsePerf, rdkafkaPerformancePath, runPerf, startPerf, tail, type PerfResult } from './rdkafka.js';
import { openIdleConnections, rssBytes, startGregor, startNull, type System } from './systems.js';

interface Options {
  runs: number;
  quick: boolean;
  scenarios: string[];
  cpuProf: boolean;
  out: string | undefined;
  /**
   * --ab-env KEY=VALUE[,KEY=VALUE]: also run a second Gregor ("B") with these environment variables
   * (e.g. NODE_OPTIONS=--max-semi-space-size=64), alternating with the first in the same run.
   */
  abEnv: Record<string, string> | undefined;
  /**
   * Keep each broker's log small (64 MiB segments, retention.bytes 256 MiB checked every second,
   * deleted at once), so runs measure the broker rather than the page cache's writeback throttling
   * as gigabytes of dirty pages pile up over a session.
   */
  boundedLogs: boolean;
  /** Put the brokers' log dirs on tmpfs (/dev/shm): the write becomes a memory copy. */
  tmpfsLogs: boolean;
  /**
   * Load latency-probe-preload.ts into the latency scenarios' brokers. A diagnostic, off by default:
   * its per-chunk hooks, per-request bookkeeping and 1 ms event-loop-delay timer allocate and wake
   * the broker, so runs with it measure the broker plus the probe (e2e p99 ~7 ms with it vs ~4.5 ms
   * without, same build, quiet machine).
   */
  latencyProbe: boolean;
  /** Also measure the sustained fs append ceiling (16 GiB written; the rate over the last 8). */
  sustainedFs: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 5, quick: false, scenarios: [], cpuProf: false, out: undefined, abEnv: undefined, boundedLogs: false, tmpfsLogs: false, latencyProbe: false, sustainedFs: false };
  let runsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') {
      o.runs = Number(argv[++i]);
      runsGiven = true;
    } else if (a === '--quick') o.quick = true;
    else if (a === '--scenario') o.scenarios.push(...argv[++i]!.split(','));
    else if (a === '--cpu-prof') o.cpuProf = true;
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--ab-env') {
      o.abEnv = {};
      for (const kv of argv[++i]!.split(',')) {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new Error(`--ab-env wants KEY=VALUE, got ${kv}`);
        o.abEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
    }
    else if (a === '--bounded-logs') o.boundedLogs = true;
    else if (a === '--tmpfs-logs') o.tmpfsLogs = true;
    else if (a === '--latency-probe') o.latencyProbe = true;
    else if (a === '--sustained-fs') o.sustainedFs = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.quick && !runsGiven) o.runs = 1;
  if (!(o.runs >= 1)) throw new Error('--runs must be >= 1');
  return o;
}

const USAGE = `usage: node dist/bench/macro/run.js [--runs N] [--quick] [--scenario a,b] [--cpu-prof] [--out file]
       [--ab-env KEY=VALUE[,KEY=VALUE]] [--bounded-logs] [--tmpfs-logs] [--latency-probe] [--sustained-fs]
(bench/macro/README.md lists the scenarios)`;

function optionsOrExit(argv: string[]): Options {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  try {
    return parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const opts = optionsOrExit(process.argv.slice(2));
const BIN = rdkafkaPerformancePath();
const scale = (full: number): number => (opts.quick ? Math.max(1000, Math.round(full / 3)) : full);
const TIMEOUT_MS = 180_000;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const MB = 1024 * 1024;
const profDir = join(tmpdir(), `gregor-bench-prof-${process.pid}`);

interface Target {
  ratioMin?: number;
  rssMaxMB?: number;
  p50MaxMs?: number;
  p99MaxMs?: number;
}

interface ScenarioResult {
  name: string;
  description: string;
  flags: string[];
  target: Target;
  gregor: Record<string, unknown>;
  ceiling?: Record<string, unknown>;
  ratio?: number;
  met?: boolean | undefined;
  profile?: ProfileEntry[];
  error?: string;
}

type Gregor = Awaited<ReturnType<typeof startGregor>>;

/**
 * --bounded-logs: about 256 MiB of log in all, whatever the partition count (retention.bytes is per
 * partition), so that dirty pages never pile up to the kernel's writeback thresholds.
 */
function boundedLogProperties(partitions: number): Record<string, string> {
  const retention = Math.max(16 * MB, Math.floor((256 * MB) / partitions));
  return {
    'log.segment.bytes': String(Math.min(64 * MB, Math.floor(retention / 4))),
    'log.retention.bytes': String(retention),
    'log.retention.check.interval.ms': '1000',
    'log.segment.delete.delay.ms': '0',
  };
}

/** Broker properties every Gregor of this run gets (--bounded-logs, --tmpfs-logs). */
function runProperties(): Record<string, string> {
  const p: Record<string, string> = {};
  if (opts.boundedLogs) Object.assign(p, boundedLogProperties(1));
  if (opts.tmpfsLogs) {
    mkdirSync('/dev/shm/gregor-bench', { recursive: true });
    p['log.dirs'] = mkdtempSync('/dev/shm/gregor-bench/logs-');
  }
  return p;
}

async function gregor(properties: Record<string, string> = {}, env: Record<string, string> = {}): Promise<Gregor> {
  const all = { ...runProperties(), ...properties };
  if (!opts.cpuProf) return startGregor({ properties: all, env });
  mkdirSync(profDir, { recursive: true });
  return startGregor({ properties: all, cpuProfDir: profDir, env });
}

/** With --ab-env: the B broker, the same build under other environment variables. */
async function gregorB(properties: Record<string, string> = {}): Promise<Gregor | undefined> {
  return opts.abEnv !== undefined ? startGregor({ properties: { ...runProperties(), ...properties }, env: opts.abEnv }) : undefined;
}

function takeProfile(): ProfileEntry[] | undefined {
  if (!opts.cpuProf) return undefined;
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return undefined;
  const file = join(profDir, files.sort().pop()!);
  const entries = summariseProfile(file, 25);
  // With a fine sampling interval, the longest busy stretches of the event loop (a latency tail's causes).
  if (process.env.GREGOR_CPU_PROF_INTERVAL_US !== undefined) {
    for (const s of longBusyStretches(file, 2)) {
      console.log(`  busy ${s.durationMs} ms at ${s.atMs} ms: ${s.top.join(' | ')}\n      path: ${s.path.join(' < ')}`);
    }
  }
  for (const f of files) rmSync(join(profDir, f));
  return entries;
}

async function perf(sys: System, args: string[], expect: number, onTick?: () => void): Promise<PerfResult> {
  const full = [...args, '-b', sys.bootstrap];
  const r = await runPerf(BIN, full, onTick === undefined ? { timeoutMs: TIMEOUT_MS } : { timeoutMs: TIMEOUT_MS, onTick });
  try {
    return parsePerf(r.output, expect);
  } catch (e) {
    throw new Error(`${sys.kind}: rdkafka_performance ${full.join(' ')} (exit ${r.code}): ${(e as Error).message}`);
  }
}

interface ThroughputSpec {
  name: string;
  description: string;
  target: Target;
  partitions: number;
  /** rdkafka_performance flags without -b and -c. */
  flags: string[];
  count: number;
  gregorProperties?: Record<string, string>;
  topicConfigs?: Record<string, string>;
  idleConnections?: number;
  sampleRss?: boolean;
}

/** Produce throughput, Gregor vs null broker, alternating runs. */
async function produceScenario(spec: ThroughputSpec): Promise<ScenarioResult> {
  const topic = 'bench';
  const props = { ...(opts.boundedLogs ? boundedLogProperties(spec.partitions) : {}), ...spec.gregorProperties };
  const g = await gregor(props);
  const gs = await gregorB(props);
  const n = await startNull(spec.partitions);
  const idle: { close(): void }[] = [];
  const rss: number[] = [];
  const res: ScenarioResult = { name: spec.name, description: spec.description, flags: [...spec.flags, '-c', String(spec.count)], target: spec.target, gregor: {} };
  try {
    await g.createTopic(topic, spec.partitions, spec.topicConfigs ?? {});
    await gs?.createTopic(topic, spec.partitions, spec.topicConfigs ?? {});
    if (spec.idleConnections !== undefined) {
      idle.push(await openIdleConnections(g.bootstrap, spec.idleConnections, topic));
      idle.push(await openIdleConnections(n.bootstrap, spec.idleConnections, topic));
    }
    const warm = Math.max(1000, Math.round(spec.count / 5));
    const args = (c: number): string[] => ['-P', '-t', topic, ...spec.flags, '-c', String(c), '-u', '-i', '10'];
    await perf(n, args(warm), warm);
    await perf(g, args(warm), warm);
    if (gs !== undefined) await perf(gs, args(warm), warm);
    const gr: number[] = [];
    const gm: number[] = [];
    const nr: number[] = [];
    const nm: number[] = [];
    const sr: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const a = await perf(n, args(spec.count), spec.count);
      nr.push(a.msgsPerSec);
      nm.push(a.mbPerSec);
      const tick = spec.sampleRss === true ? () => void rss.push(rssBytes(g.pid)) : undefined;
      // With --ab-env the two Gregors take turns going first, so neither always follows the null broker.
      let c: PerfResult | undefined;
      if (gs !== undefined && r % 2 === 1) c = await perf(gs, args(spec.count), spec.count);
      const b = await perf(g, args(spec.count), spec.count, tick);
      if (gs !== undefined && r % 2 === 0) c = await perf(gs, args(spec.count), spec.count);
      gr.push(b.msgsPerSec);
      gm.push(b.mbPerSec);
      if (c !== undefined) sr.push(c.msgsPerSec);
      log(`  ${spec.name} run ${r + 1}: null ${a.msgsPerSec} msg/s (${a.mbPerSec} MB/s), gregor ${b.msgsPerSec} msg/s (${b.mbPerSec} MB/s)${c === undefined ? '' : `, gregor-B ${c.msgsPerSec} msg/s`}`);
    }
    res.gregor = { msgsPerSec: median(gr), mbPerSec: median(gm), runsMsgsPerSec: gr };
    if (gs !== undefined) res.gregor.b = { env: opts.abEnv, msgsPerSec: median(sr), runsMsgsPerSec: sr, ratio: round(median(sr) / median(nr)) };
    res.ceiling = { msgsPerSec: median(nr), mbPerSec: median(nm), runsMsgsPerSec: nr };
    res.ratio = round(median(gr) / median(nr));
    if (spec.sampleRss === true || spec.idleConnections !== undefined) {
      const after = rssBytes(g.pid);
      const maxRss = Math.max(after, ...rss.filter((x) => !Number.isNaN(x)));
      res.gregor.rssMaxMB = round(maxRss / MB, 1);
      res.gregor.rssMedianMB = round(median(rss.length > 0 ? rss : [after]) / MB, 1);
    }
    res.met = meets(res);
  } catch (e) {
    res.error = (e as Error).message + `\n--- gregor log tail ---\n${g.logTail()}`;
  } finally {
    for (const i of idle) i.close();
    await n.close();
    await g.close();
    await gs?.close();
  }
  const prof = takeProfile();
  if (prof !== undefined) res.profile = prof;
  return res;
}

/** Consume from the beginning: Gregor serves what was produced once; the null broker its template. */
async function consumeScenario(name: string, size: number, count: number, target: Target): Promise<ScenarioResult> {
  const topic = 'bench';
  const flags = ['-C', '-t', topic, '-p', '0', '-o', 'beginning'];
  const res: ScenarioResult = { name, description: `consume ${count} records of ${size} B from the beginning, 1 partition`, flags: [...flags, '-c', String(count)], target, gregor: {} };
  // Whatever --bounded-logs says, the records read back must all stay in the log.
  const g = await gregor({ 'log.retention.bytes': '-1' });
  const n = await startNull(1, size);
  try {
    await g.createTopic(topic, 1);
    await perf(g, ['-P', '-t', topic, '-p', '0', '-s', String(size), '-a', '1', '-c', String(count), '-q'], count);
    const args = [...flags, '-c', String(count), '-q'];
    await perf(n, args, count);
    await perf(g, args, count);
    const gr: number[] = [];
    const gm: number[] = [];
    const nr: number[] = [];
    const nm: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const a = await perf(n, args, count);
      const b = await perf(g, args, count);
      nr.push(a.msgsPerSec);
      nm.push(a.mbPerSec);
      gr.push(b.msgsPerSec);
      gm.push(b.mbPerSec);
      log(`  ${name} run ${r + 1}: null ${a.msgsPerSec} msg/s (${a.mbPerSec} MB/s), gregor ${b.msgsPerSec} msg/s (${b.mbPerSec} MB/s)`);
    }
    res.gregor = { msgsPerSec: median(gr), mbPerSec: median(gm), runsMsgsPerSec: gr };
    res.ceiling = { msgsPerSec: median(nr), mbPerSec: median(nm), runsMsgsPerSec: nr };
    res.ratio = round(median(gr) / median(nr));
    res.met = meets(res);
  } catch (e) {
    res.error = (e as Error).message + `\n--- gregor log tail ---\n${g.logTail()}`;
  } finally {
    await n.close();
    await g.close();
  }
  const prof = takeProfile();
  if (prof !== undefined) res.profile = prof;
  return res;
}

/**
 * The second reference: our own kafka-producer-perf-test / kafka-consumer-perf-test (Gregor's JS
 * client) against Gregor and the null broker, alternating. Mostly client-bound: it tells how much
 * of the broker's speed a Node client can use, and keeps the tools themselves measured.
 */
async function jsPerfScenario(name: string, kind: 'produce' | 'consume', size: number, count: number): Promise<ScenarioResult> {
  const topic = 'bench';
  const props = ['acks=1', 'linger.ms=5', 'batch.size=262144'];
  const flags = kind === 'produce' ? ['kafka-producer-perf-test', '--record-size', String(size), '--producer-props', ...props] : ['kafka-consumer-perf-test'];
  const res: ScenarioResult = { name, description: `our ${flags[0]} (Gregor's client), ${size} B records, 1 partition`, flags: [...flags, String(count)], target: {}, gregor: {} };
  const g = await gregor();
  const n = await startNull(1, size);
  try {
    await g.createTopic(topic, 1);
    const once = (sys: System): Promise<JsPerfResult> =>
      kind === 'produce' ? producerPerfTest(sys.bootstrap, topic, count, size, props, TIMEOUT_MS) : consumerPerfTest(sys.bootstrap, topic, count, TIMEOUT_MS);
    if (kind === 'consume') await perf(g, ['-P', '-t', topic, '-p', '0', '-s', String(size), '-a', '1', '-c', String(count), '-q'], count);
    await once(n);
    await once(g);
    const gr: number[] = [];
    const gm: number[] = [];
    const nr: number[] = [];
    const nm: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const a = await once(n);
      const b = await once(g);
      nr.push(a.msgsPerSec);
      nm.push(a.mbPerSec);
      gr.push(b.msgsPerSec);
      gm.push(b.mbPerSec);
      log(`  ${name} run ${r + 1}: null ${a.msgsPerSec} msg/s (${a.mbPerSec} MB/s), gregor ${b.msgsPerSec} msg/s (${b.mbPerSec} MB/s)`);
    }
    res.gregor = { msgsPerSec: Math.round(median(gr)), mbPerSec: round(median(gm), 2), runsMsgsPerSec: gr };
    res.ceiling = { msgsPerSec: Math.round(median(nr)), mbPerSec: round(median(nm), 2), runsMsgsPerSec: nr };
    res.ratio = round(median(gr) / median(nr));
  } catch (e) {
    res.error = (e as Error).message + `\n--- gregor log tail ---\n${g.logTail()}`;
  } finally {
    await n.close();
    await g.close();
  }
  return res;
}

/**
 * End-to-end latency: a consumer (-l, from the end) and a rate-limited producer (-l, linger.ms=0)
 * with the send wall-clock time in each payload; the consumer's per-message latencies give the
 * percentiles. The producer's delivery (ack) latencies are kept too, and measured against the null
 * broker as the reference.
 */
async function latencyScenario(name: string, rate: number, seconds: number, target: Target): Promise<ScenarioResult> {
  const topic = 'latency';
  const count = rate * seconds;
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-lat-'));
  const pflags = ['-P', '-t', topic, '-p', '0', '-s', '1024', '-a', '1', '-r', String(rate), '-l', '-X', 'linger.ms=0'];
  const cflags = ['-C', '-t', topic, '-p', '0', '-o', 'end', '-l'];
  const res: ScenarioResult = { name, description: `end-to-end latency, 1 KiB at ${rate} msg/s for ${seconds} s`, flags: [...pflags, '-c', String(count)], target, gregor: {} };
  // The broker-side probe (latency-probe-preload.ts) and --cpu-prof both answer SIGUSR2: not together.
  const probeDir = opts.cpuProf || !opts.latencyProbe ? undefined : dir;
  const g = opts.cpuProf ? await gregor() : await startGregor({ properties: runProperties(), ...(probeDir === undefined ? {} : { latencyProbeDir: probeDir }) });
  const gs = opts.abEnv !== undefined ? await startGregor({ properties: runProperties(), ...(probeDir === undefined ? {} : { latencyProbeDir: probeDir }), env: opts.abEnv }) : undefined;
  const n = await startNull(1);
  type Pct = ReturnType<typeof latencyPercentiles>;
  const once = async (sys: typeof g, r: number, tag: string): Promise<{ e2e: Pct; ack: Pct; probe: Record<string, unknown> | undefined }> => {
    const cfile = join(dir, `c${tag}${r}.txt`);
    const pfile = join(dir, `p${tag}${r}.txt`);
    const consumer = startPerf(BIN, [...cflags, '-A', cfile, '-b', sys.bootstrap, '-q'], { timeoutMs: (seconds + 30) * 1000 });
    // the consumer starts at the end of the log: give it time to connect and fetch once
    await new Promise((r2) => setTimeout(r2, 1500));
    if (probeDir !== undefined) await sys.probe();
    await perf(sys, [...pflags, '-c', String(count), '-A', pfile, '-q'], count);
    const probe = probeDir !== undefined ? await sys.probe() : undefined;
    await new Promise((r2) => setTimeout(r2, 1000));
    consumer.stop();
    const c = (await consumer.done).output;
    const p = latencyPercentiles(cfile);
    if (p.count < count * 0.9) throw new Error(`consumer saw ${p.count}/${count} records:\n${tail(c)}`);
    return { e2e: p, ack: latencyPercentiles(pfile), probe };
  };
  try {
    await g.createTopic(topic, 1);
    await gs?.createTopic(topic, 1);
    // warm-up: a short burst at the same rate
    await perf(g, [...pflags, '-c', String(Math.max(1000, rate)), '-q'], Math.max(1000, rate));
    if (gs !== undefined) await perf(gs, [...pflags, '-c', String(Math.max(1000, rate)), '-q'], Math.max(1000, rate));
    const e2e: Pct[] = [];
    const ack: Pct[] = [];
    const nullAck: Pct[] = [];
    const probes: Array<Record<string, unknown>> = [];
    const syncE2e: Pct[] = [];
    const syncAck: Pct[] = [];
    const syncProbes: Array<Record<string, unknown>> = [];
    for (let r = 0; r < opts.runs; r++) {
      const nfile = join(dir, `n${r}.txt`);
      await perf(n, [...pflags, '-c', String(count), '-A', nfile, '-q'], count);
      nullAck.push(latencyPercentiles(nfile));
      const a = await once(g, r, 'g');
      e2e.push(a.e2e);
      ack.push(a.ack);
      if (a.probe !== undefined) probes.push(a.probe);
      const probeText = (pr: Record<string, unknown> | undefined): string =>
        pr === undefined ? '' : `; broker: produce ${JSON.stringify(pr.produce)} loop ${JSON.stringify(pr.eventLoopDelay)} gc ${JSON.stringify(pr.gc)}`;
      log(`  ${name} run ${r + 1}: e2e p50 ${a.e2e.p50Ms} p99 ${a.e2e.p99Ms} p999 ${a.e2e.p999Ms} ms; ack p99 gregor ${a.ack.p99Ms} null ${nullAck.at(-1)!.p99Ms} ms${probeText(a.probe)}`);
      if (gs !== undefined) {
        const b = await once(gs, r, 's');
        syncE2e.push(b.e2e);
        syncAck.push(b.ack);
        if (b.probe !== undefined) syncProbes.push(b.probe);
        log(`  ${name} run ${r + 1} (B): e2e p50 ${b.e2e.p50Ms} p99 ${b.e2e.p99Ms} p999 ${b.e2e.p999Ms} ms; ack p99 ${b.ack.p99Ms} ms${probeText(b.probe)}`);
      }
    }
    const med = (xs: Pct[], k: 'p50Ms' | 'p99Ms' | 'p999Ms'): number => round(median(xs.map((x) => x[k])));
    const medProbe = (ps: Array<Record<string, unknown>>, part: string, k: string): number =>
      round(median(ps.map((p) => Number((p[part] as Record<string, unknown> | undefined)?.[k]))));
    const brokerSide = (ps: Array<Record<string, unknown>>): Record<string, number> => ({
      produceP50Ms: medProbe(ps, 'produce', 'p50Ms'),
      produceP99Ms: medProbe(ps, 'produce', 'p99Ms'),
      produceP999Ms: medProbe(ps, 'produce', 'p999Ms'),
      loopDelayP99Ms: medProbe(ps, 'eventLoopDelay', 'p99Ms'),
      loopDelayMaxMs: medProbe(ps, 'eventLoopDelay', 'maxMs'),
      gcMaxMs: medProbe(ps, 'gc', 'maxMs'),
      gcTotalMs: medProbe(ps, 'gc', 'totalMs'),
    });
    res.gregor = {
      e2eP50Ms: med(e2e, 'p50Ms'),
      e2eP99Ms: med(e2e, 'p99Ms'),
      e2eP999Ms: med(e2e, 'p999Ms'),
      ackP50Ms: med(ack, 'p50Ms'),
      ackP99Ms: med(ack, 'p99Ms'),
      ackP999Ms: med(ack, 'p999Ms'),
      runs: e2e,
    };
    if (probes.length > 0) res.gregor.brokerSide = { ...brokerSide(probes), runs: probes };
    if (gs !== undefined) {
      res.gregor.b = { env: opts.abEnv, e2eP50Ms: med(syncE2e, 'p50Ms'), e2eP99Ms: med(syncE2e, 'p99Ms'), ackP99Ms: med(syncAck, 'p99Ms'), ...(syncProbes.length > 0 ? { brokerSide: brokerSide(syncProbes) } : {}) };
    }
    res.ceiling = { ackP50Ms: med(nullAck, 'p50Ms'), ackP99Ms: med(nullAck, 'p99Ms'), ackP999Ms: med(nullAck, 'p999Ms') };
    res.met = meets(res);
  } catch (e) {
    res.error = (e as Error).message + `\n--- gregor log tail ---\n${g.logTail()}`;
  } finally {
    await n.close();
    await g.close();
    await gs?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const prof = takeProfile();
  if (prof !== undefined) res.profile = prof;
  return res;
}

/**
 * Allocation per record: the load of latency-10k (a consumer at the log end and a producer of 1 KiB
 * records at 10 k msg/s, each record its own request) against one Gregor whose JavaScript heap
 * allocations are sampled over the producer's run (heap-sample-preload.ts, collected objects
 * included). Reports heap bytes allocated per record (a produce, the fetch it completes and the
 * next fetch) and the top allocation sites: what the scavenger has to clean up, hence how often
 * the event loop pauses.
 */
async function allocScenario(name: string, rate: number, seconds: number): Promise<ScenarioResult> {
  const topic = 'alloc';
  const count = rate * seconds;
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-alloc-'));
  const pflags = ['-P', '-t', topic, '-p', '0', '-s', '1024', '-a', '1', '-r', String(rate), '-l', '-X', 'linger.ms=0'];
  const res: ScenarioResult = { name, description: `JavaScript heap bytes allocated per 1 KiB record at ${rate} msg/s (produce + fetch at the log end)`, flags: [...pflags, '-c', String(count)], target: {}, gregor: {} };
  const g = await startGregor({ properties: runProperties(), heapSampleDir: dir });
  try {
    await g.createTopic(topic, 1);
    await perf(g, [...pflags, '-c', String(Math.max(1000, rate)), '-q'], Math.max(1000, rate));
    const perRecord: number[] = [];
    let sites: AllocationSite[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const consumer = startPerf(BIN, ['-C', '-t', topic, '-p', '0', '-o', 'end', '-b', g.bootstrap, '-q'], { timeoutMs: (seconds + 30) * 1000 });
      await new Promise((r2) => setTimeout(r2, 1500));
      await g.heapSample('start');
      await perf(g, [...pflags, '-c', String(count), '-q'], count);
      const file = await g.heapSample('stop');
      consumer.stop();
      await consumer.done;
      if (file === undefined) throw new Error('no heap sample written');
      const s = summariseHeapSample(file, 20);
      perRecord.push(s.totalBytes / count);
      sites = s.sites;
      log(`  ${name} run ${r + 1}: ${Math.round(s.totalBytes / count)} heap bytes allocated per record (${(s.totalBytes / 1e6).toFixed(0)} MB for ${count} records)`);
    }
    for (const s of sites) log(`    ${s.pct.toFixed(1).padStart(5)}% ${s.site}`);
    res.gregor = { heapBytesPerRecord: round(median(perRecord)), sites };
  } catch (e) {
    res.error = (e as Error).message + `\n--- gregor log tail ---\n${g.logTail()}`;
  } finally {
    await g.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

/**
 * "If one event loop is the limit, what do several brokers on one machine give": N separate Gregor
 * processes, each leading its own 1-partition topic, loaded at once by N rdkafka_performance
 * producers (1 KiB, acks=1); against N null brokers the same way. Aggregate = sum of the
 * producers' rates (their runs overlap). N = 1 and 2 (the machine has 2 cores).
 */
async function multiBrokerScenario(name: string, count: number): Promise<ScenarioResult> {
  const flags = ['-p', '0', '-s', '1024', '-a', '1'];
  const res: ScenarioResult = { name, description: `N brokers x 1 producer each, 1 KiB acks=1, ${count} records per producer, N = 1, 2`, flags: [...flags, '-c', String(count)], target: {}, gregor: {} };
  const args = (c: number): string[] => ['-P', '-t', 'bench', ...flags, '-c', String(c), '-u', '-i', '10'];
  const byN: Record<string, unknown> = {};
  const ceilingByN: Record<string, unknown> = {};
  try {
    for (const nBrokers of [1, 2]) {
      const gs: Gregor[] = [];
      const ns: System[] = [];
      try {
        for (let i = 0; i < nBrokers; i++) {
          gs.push(await gregor());
          ns.push(await startNull(1));
        }
        for (const g of gs) await g.createTopic('bench', 1);
        const warm = Math.max(1000, Math.round(count / 5));
        await Promise.all([...gs, ...ns].map((sys) => perf(sys, args(warm), warm)));
        const gAgg: number[] = [];
        const nAgg: number[] = [];
        for (let r = 0; r < opts.runs; r++) {
          const a = await Promise.all(ns.map((sys) => perf(sys, args(count), count)));
          const b = await Promise.all(gs.map((sys) => perf(sys, args(count), count)));
          nAgg.push(a.reduce((x, y) => x + y.msgsPerSec, 0));
          gAgg.push(b.reduce((x, y) => x + y.msgsPerSec, 0));
          log(`  ${name} N=${nBrokers} run ${r + 1}: null ${a.map((x) => x.msgsPerSec).join(' + ')} = ${nAgg.at(-1)} msg/s, gregor ${b.map((x) => x.msgsPerSec).join(' + ')} = ${gAgg.at(-1)} msg/s`);
        }
        byN[`n${nBrokers}`] = { aggregateMsgsPerSec: median(gAgg), runs: gAgg, ratio: round(median(gAgg) / median(nAgg)) };
        ceilingByN[`n${nBrokers}`] = { aggregateMsgsPerSec: median(nAgg), runs: nAgg };
      } finally {
        for (const sys of [...gs, ...ns]) await sys.close();
      }
    }
    res.gregor = byN;
    res.ceiling = ceilingByN;
  } catch (e) {
    res.error = (e as Error).message;
  }
  return res;
}

async function idleRssScenario(partitions: number, target: Target): Promise<ScenarioResult> {
  const res: ScenarioResult = { name: `idle-rss-${partitions}p`, description: `broker RSS idle with one topic of ${partitions} partitions`, flags: [], target, gregor: {} };
  const g = await gregor();
  try {
    await g.createTopic('idle', partitions);
    await new Promise((r) => setTimeout(r, opts.quick ? 1000 : 3000));
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(rssBytes(g.pid));
      await new Promise((r) => setTimeout(r, 100));
    }
    res.gregor = { rssMedianMB: round(median(samples) / MB, 1), rssMaxMB: round(Math.max(...samples) / MB, 1) };
    res.met = meets(res);
  } catch (e) {
    res.error = (e as Error).message + `\n--- gregor log tail ---\n${g.logTail()}`;
  } finally {
    await g.close();
  }
  return res;
}

function meets(r: ScenarioResult): boolean | undefined {
  const checks: boolean[] = [];
  const t = r.target;
  if (t.ratioMin !== undefined) checks.push((r.ratio ?? 0) >= t.ratioMin);
  if (t.rssMaxMB !== undefined) checks.push(((r.gregor.rssMaxMB as number | undefined) ?? Infinity) <= t.rssMaxMB);
  if (t.p50MaxMs !== undefined) checks.push(((r.gregor.e2eP50Ms as number | undefined) ?? Infinity) <= t.p50MaxMs);
  if (t.p99MaxMs !== undefined) checks.push(((r.gregor.e2eP99Ms as number | undefined) ?? Infinity) <= t.p99MaxMs);
  return checks.length === 0 ? undefined : checks.every((c) => c);
}

const keyed16 = ['-k', 'key', '-X', 'partitioner=random'];
const SCENARIOS: { name: string; run: () => Promise<ScenarioResult> }[] = [
  {
    name: 'produce-1k-acks1-p1',
    run: () =>
      produceScenario({
        name: 'produce-1k-acks1-p1',
        description: 'produce 1 KiB records, acks=1, 1 partition (broker RSS sampled meanwhile)',
        target: { ratioMin: 0.6, rssMaxMB: 250 },
        partitions: 1,
        flags: ['-p', '0', '-s', '1024', '-a', '1'],
        count: scale(1_000_000),
        sampleRss: true,
      }),
  },
  {
    name: 'produce-100b-acks1-p1',
    run: () =>
      produceScenario({
        name: 'produce-100b-acks1-p1',
        description: 'produce 100 B records, acks=1, 1 partition',
        target: { ratioMin: 0.5 },
        partitions: 1,
        flags: ['-p', '0', '-s', '100', '-a', '1'],
        count: scale(2_000_000),
      }),
  },
  {
    name: 'produce-1k-acksall-p1',
    run: () =>
      produceScenario({
        name: 'produce-1k-acksall-p1',
        description: 'produce 1 KiB records, acks=all, 1 partition',
        target: {},
        partitions: 1,
        flags: ['-p', '0', '-s', '1024', '-a', '-1'],
        count: scale(1_000_000),
      }),
  },
  {
    name: 'produce-1k-acks1-p16-keyed',
    run: () =>
      produceScenario({
        name: 'produce-1k-acks1-p16-keyed',
        description: 'produce 1 KiB keyed records over 16 partitions, acks=1',
        target: { ratioMin: 0.5 },
        partitions: 16,
        flags: ['-s', '1024', '-a', '1', ...keyed16],
        count: scale(1_000_000),
      }),
  },
  {
    name: 'produce-100b-acksall-p16-keyed',
    run: () =>
      produceScenario({
        name: 'produce-100b-acksall-p16-keyed',
        description: 'produce 100 B keyed records over 16 partitions, acks=all',
        target: { ratioMin: 0.5 },
        partitions: 16,
        flags: ['-s', '100', '-a', '-1', ...keyed16],
        count: scale(2_000_000),
      }),
  },
  {
    name: 'produce-1k-flush1',
    run: () =>
      produceScenario({
        name: 'produce-1k-flush1',
        description: 'produce 1 KiB records, acks=1, 1 partition, topic flush.messages=1 (fsync before ack)',
        target: { ratioMin: 0.4 },
        partitions: 1,
        flags: ['-p', '0', '-s', '1024', '-a', '1'],
        count: scale(1_000_000),
        topicConfigs: { 'flush.messages': '1' },
      }),
  },
  { name: 'consume-1k', run: () => consumeScenario('consume-1k', 1024, scale(1_000_000), { ratioMin: 0.6 }) },
  { name: 'latency-10k', run: () => latencyScenario('latency-10k', 10_000, opts.quick ? 2 : 5, { p50MaxMs: 1, p99MaxMs: 5 }) },
  { name: 'latency-50k', run: () => latencyScenario('latency-50k', 50_000, opts.quick ? 1 : 3, {}) },
  { name: 'alloc-10k', run: () => allocScenario('alloc-10k', 10_000, opts.quick ? 2 : 5) },
  {
    name: 'partitions-1000-conns-200',
    run: () =>
      produceScenario({
        name: 'partitions-1000-conns-200',
        description: 'produce 1 KiB keyed records over 1,000 partitions, acks=1, with 200 other connections open and idle',
        target: {},
        partitions: 1000,
        flags: ['-s', '1024', '-a', '1', ...keyed16],
        count: scale(1_000_000),
        idleConnections: 200,
      }),
  },
  { name: 'perftest-produce-1k', run: () => jsPerfScenario('perftest-produce-1k', 'produce', 1024, scale(300_000)) },
  { name: 'perftest-consume-1k', run: () => jsPerfScenario('perftest-consume-1k', 'consume', 1024, scale(300_000)) },
  { name: 'idle-rss-100p', run: () => idleRssScenario(100, { rssMaxMB: 100 }) },
  { name: 'multi-broker-produce-1k', run: () => multiBrokerScenario('multi-broker-produce-1k', scale(1_000_000)) },
];

function librdkafkaVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'librdkafka1'], { encoding: 'utf8' });
  } catch {
    return 'unknown';
  }
}

function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    node: process.version,
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    kernel: release(),
    librdkafka: librdkafkaVersion(),
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
    date: new Date().toISOString(),
    note: 'shared 2-core machine: other jobs ran alongside; ratios within one run are what count',
  };
}

async function main(): Promise<void> {
  // a filter naming a scenario exactly selects just it, otherwise every scenario containing it
  const picks = (name: string, f: string): boolean => name === f || (!SCENARIOS.some((s) => s.name === f) && name.includes(f));
  const selected = opts.scenarios.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => opts.scenarios.some((f) => picks(s.name, f)));
  if (selected.length === 0) throw new Error(`no scenario matches ${opts.scenarios.join(',')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const info = machine();
  log(`rdkafka_performance: ${BIN}; runs ${opts.runs}${opts.quick ? ' (quick)' : ''}`);
  const ceilMs = opts.quick ? 500 : 2000;
  const tcp: number[] = [];
  const fsA: number[] = [];
  const fsSync: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    tcp.push((await tcpLoopback(ceilMs)).mbPerSec);
    fsA.push(fsAppend(ceilMs, false).mbPerSec);
    fsSync.push(fsAppend(ceilMs / 2, true).mbPerSec);
  }
  const sustained = opts.sustainedFs ? fsAppendSustained(16 * 1024 * 1024 * 1024) : undefined;
  const ceilings = {
    tcpLoopbackMBps: median(tcp),
    fsAppendMBps: median(fsA),
    fsAppendFdatasyncMBps: median(fsSync),
    ...(sustained === undefined ? {} : { fsAppendSustainedMBps: sustained.mbPerSec }),
    runs: { tcp, fsAppend: fsA, fsAppendFdatasync: fsSync, ...(sustained === undefined ? {} : { fsAppendSustainedPerGiB: sustained.perGiBMBps }) },
  };
  log(`ceilings: loopback TCP ${ceilings.tcpLoopbackMBps} MB/s, fs append ${ceilings.fsAppendMBps} MB/s, with fdatasync ${ceilings.fsAppendFdatasyncMBps} MB/s`);
  if (sustained !== undefined) log(`  sustained fs append (last 8 of 16 GiB): ${sustained.mbPerSec} MB/s; per GiB ${sustained.perGiBMBps.join(' ')}`);
  const results: ScenarioResult[] = [];
  for (const s of selected) {
    log(`scenario ${s.name}`);
    const r = await s.run();
    if (r.error !== undefined) log(`  FAILED: ${r.error}`);
    results.push(r);
  }
  info.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
  const doc = { machine: info, options: { runs: opts.runs, quick: opts.quick, scenarios: opts.scenarios, cpuProf: opts.cpuProf, abEnv: opts.abEnv, boundedLogs: opts.boundedLogs, tmpfsLogs: opts.tmpfsLogs, latencyProbe: opts.latencyProbe }, ceilings, scenarios: results };
  const tag = [opts.quick ? 'quick' : '', opts.cpuProf ? 'profile' : '', ...opts.scenarios].filter((x) => x !== '').join('-');
  const out = opts.out ?? join(repoRoot(), 'bench', 'results', tag === '' ? 'macro.json' : `macro-${tag}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 1) + '\n');
  process.stdout.write(markdown(doc.ceilings, results) + '\n');
  for (const r of results) {
    if (r.profile === undefined) continue;
    process.stdout.write(`\nprofile of gregor in ${r.name} (self time):\n`);
    for (const p of r.profile) process.stdout.write(`  ${p.selfPct.toFixed(1).padStart(5)}%  ${p.selfMs.toFixed(0).padStart(6)} ms  ${p.name}  ${p.where}\n`);
  }
  process.stdout.write(`\nwrote ${out}\n`);
  if (opts.tmpfsLogs) rmSync('/dev/shm/gregor-bench', { recursive: true, force: true });
  rmSync(profDir, { recursive: true, force: true });
}

function markdown(c: { tcpLoopbackMBps: number; fsAppendMBps: number; fsAppendFdatasyncMBps: number; fsAppendSustainedMBps?: number }, results: ScenarioResult[]): string {
  const lines = [
    `Ceilings: loopback TCP ${c.tcpLoopbackMBps} MB/s, fs append ${c.fsAppendMBps} MB/s (with fdatasync per 1 MiB: ${c.fsAppendFdatasyncMBps} MB/s)` +
      (c.fsAppendSustainedMBps === undefined ? '' : `, sustained fs append ${c.fsAppendSustainedMBps} MB/s`),
    '',
    '| scenario | Gregor | ceiling (null broker) | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const g = r.gregor;
    const ce = r.ceiling ?? {};
    let gs = '';
    let cs = '';
    if (r.error !== undefined) gs = 'failed (see JSON)';
    else if (g.msgsPerSec !== undefined) {
      gs = `${g.msgsPerSec} msg/s, ${g.mbPerSec} MB/s`;
      cs = `${ce.msgsPerSec} msg/s, ${ce.mbPerSec} MB/s`;
      if (g.rssMaxMB !== undefined) gs += `; RSS max ${g.rssMaxMB} MB`;
      if (c.fsAppendSustainedMBps !== undefined) gs += `; ${round(Number(g.mbPerSec) / c.fsAppendSustainedMBps)} of the sustained fs append`;
    } else if (g.e2eP50Ms !== undefined) {
      gs = `e2e p50/p99/p999 ${g.e2eP50Ms}/${g.e2eP99Ms}/${g.e2eP999Ms} ms; ack p99 ${g.ackP99Ms} ms`;
      cs = `ack p50/p99/p999 ${ce.ackP50Ms}/${ce.ackP99Ms}/${ce.ackP999Ms} ms`;
    } else if (g.rssMedianMB !== undefined) gs = `RSS ${g.rssMedianMB} MB`;
    else if (g.heapBytesPerRecord !== undefined) gs = `${Math.round(Number(g.heapBytesPerRecord))} JS heap bytes allocated per record`;
    else if (g.n1 !== undefined) {
      const agg = (x: unknown): string => String((x as { aggregateMsgsPerSec?: number } | undefined)?.aggregateMsgsPerSec);
      gs = `N=1 ${agg(g.n1)} msg/s, N=2 ${agg(g.n2)} msg/s (aggregate)`;
      cs = `N=1 ${agg(ce.n1)} msg/s, N=2 ${agg(ce.n2)} msg/s`;
    }
    if (g.b !== undefined) gs += `; B: ${JSON.stringify(g.b)}`;
    const t = r.target;
    const ts = [
      t.ratioMin !== undefined ? `>= ${t.ratioMin}` : '',
      t.rssMaxMB !== undefined ? `RSS <= ${t.rssMaxMB} MB` : '',
      t.p50MaxMs !== undefined ? `p50 <= ${t.p50MaxMs} ms` : '',
      t.p99MaxMs !== undefined ? `p99 <= ${t.p99MaxMs} ms` : '',
    ]
      .filter((x) => x !== '')
      .join(', ');
    const met = r.met === undefined ? '—' : r.met ? 'met' : '**not met**';
    lines.push(`| ${r.name} | ${gs} | ${cs} | ${r.ratio ?? ''} | ${ts || '—'} | ${met} |`);
  }
  return lines.join('\n');
}

await main();
