/**
 * The two systems under the same load: a fresh Gregor broker (the CLI bin as a child process, temp
 * dirs, as users run it) and the null broker (also a child process, so both sit across a process
 * boundary from the load generator). Plus helpers: RSS from /proc, idle connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess } from '../../test/support/broker-process.js';
import {
  ApiVersionsRequest,
  FrameDecoder,
  MetadataRequest,
  encodeRequestFrame,
} from '../../src/protocol/index.js';

export interface System {
  readonly kind: 'gregor' | 'null';
  readonly bootstrap: string;
  readonly pid: number;
  createTopic(name: string, partitions: number, configs?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface GregorOptions {
  properties?: Record<string, string>;
  /** Profile the broker (cpu-prof-preload.ts); `close()` writes `gregor-<pid>.cpuprofile` there first. */
  cpuProfDir?: string;
  /** Load latency-probe-preload.ts; `probe()` then returns its broker-side figures. */
  latencyProbeDir?: string;
  /** Load heap-sample-preload.ts; `heapSample()` then opens and closes its window. */
  heapSampleDir?: string;
  /** Extra environment for the broker process (the --ab-env B broker). */
  env?: Record<string, string>;
}

export async function startGregor(
  opts: GregorOptions = {},
): Promise<System & { logTail(): string; probe(): Promise<Record<string, unknown> | undefined>; heapSample(phase: 'start' | 'stop'): Promise<string | undefined> }> {
  const env: Record<string, string> = { ...opts.env };
  const imports: string[] = [];
  if (opts.cpuProfDir !== undefined) {
    imports.push(`--import=${pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'cpu-prof-preload.js')).href}`);
    env.GREGOR_CPU_PROF_DIR = opts.cpuProfDir;
  }
  if (opts.latencyProbeDir !== undefined) {
    imports.push(`--import=${pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'latency-probe-preload.js')).href}`);
    env.GREGOR_LATENCY_PROBE_DIR = opts.latencyProbeDir;
  }
  // keep the caller's NODE_OPTIONS (an --ab-env B broker's flags) next to the preloads
  if (opts.heapSampleDir !== undefined) {
    imports.push(`--import=${pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'heap-sample-preload.js')).href}`);
    env.GREGOR_HEAP_SAMPLE_DIR = opts.heapSampleDir;
  }
  if (imports.length > 0) env.NODE_OPTIONS = [...imports, ...(opts.env?.NODE_OPTIONS !== undefined ? [opts.env.NODE_OPTIONS] : [])].join(' ');
  const b = await BrokerProcess.start({ properties: opts.properties ?? {}, env, readyTimeoutMs: 60_000 });
  return {
    kind: 'gregor',
    bootstrap: b.bootstrap,
    pid: b.pid!,
    logTail: () => b.logTail(30),
    async probe() {
      const probeDir = opts.latencyProbeDir;
      if (probeDir === undefined || !b.running) return undefined;
      const from = b.output.length;
      process.kill(b.pid!, 'SIGUSR2');
      const deadline = Date.now() + 10_000;
      while (!b.output.slice(from).includes('latency probe written') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const file = join(probeDir, `probe-${b.pid!}.json`);
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
    /** 'start' opens the heap-sampling window; 'stop' closes it and returns the profile's path. */
    async heapSample(phase) {
      const sampleDir = opts.heapSampleDir;
      if (sampleDir === undefined || !b.running) return undefined;
      const from = b.output.length;
      const done = phase === 'start' ? 'heap sampling started' : 'heap sample written';
      process.kill(b.pid!, 'SIGUSR2');
      const deadline = Date.now() + 30_000;
      while (!b.output.slice(from).includes(done) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return phase === 'stop' ? join(sampleDir, `heap-${b.pid!}.json`) : undefined;
    },
    async createTopic(name, partitions, configs = {}) {
      const kafka = new Kafka({ clientId: 'bench', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          timeout: 30_000,
          topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1, configEntries: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
        });
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      if (opts.cpuProfDir !== undefined && b.running) {
        // (A latency probe, if loaded, answers the same signal; harmless.)
        const from = b.output.length;
        process.kill(b.pid!, 'SIGUSR2');
        const deadline = Date.now() + 30_000;
        while (!b.output.slice(from).includes('cpu profile written') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      await b.close();
    },
  };
}

export async function startNull(partitions: number, fetchRecordBytes = 1024): Promise<System> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'null-broker.js');
  const child: ChildProcess = spawn(process.execPath, [script, '--partitions', String(partitions), '--fetch-record-bytes', String(fetchRecordBytes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`null broker exited (${code}): ${out}`)));
  });
  return {
    kind: 'null',
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid!,
    async createTopic() {
      // every topic exists on the null broker, with the partitions it was started with
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (NaN when unreadable). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) * 1024;
  } catch {
    return NaN;
  }
}

/**
 * `count` client connections that each ask ApiVersions and Metadata for `topic` once, then stay
 * open doing nothing (the "mostly idle" clients of a busy cluster). Resolves once all are answered.
 */
export async function openIdleConnections(bootstrap: string, count: number, topic: string): Promise<{ close(): void }> {
  const [host, portText] = bootstrap.split(':') as [string, string];
  const sockets: Socket[] = [];
  const one = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = connect(Number(portText), host);
      sockets.push(s);
      const frames = new FrameDecoder(64 * 1024 * 1024);
      let answered = 0;
      s.on('error', reject);
      s.on('connect', () => {
        const hdr = (apiKey: number, v: number, correlationId: number) => ({ requestApiKey: apiKey, requestApiVersion: v, correlationId, clientId: `idle-${i}` });
        for (const b of encodeRequestFrame(hdr(18, 0, 1), ApiVersionsRequest, ApiVersionsRequest.create({}))) s.write(b);
        for (const b of encodeRequestFrame(hdr(3, 1, 2), MetadataRequest, MetadataRequest.create({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }] }))) s.write(b);
      });
      s.on('data', (d: Buffer) => {
        answered += frames.push(d).length;
        if (answered >= 2) resolve();
      });
    });
  // a few at a time, as clients arriving
  for (let i = 0; i < count; i += 20) await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, k) => one(i + k)));
  return {
    close: () => {
      for (const s of sockets) s.destroy();
    },
  };
}
