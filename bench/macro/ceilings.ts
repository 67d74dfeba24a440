/**
 * The machine's own limits, measured in the same run as the broker figures:
 * - loopback TCP: one node process writes 1 MiB buffers to another for `durationMs`; the receiver
 *   counts what arrived (two processes, like client and broker, so both cores can work);
 * - fs append: a `writeSync` loop of 1 MiB buffers into a fresh file (page cache, as Kafka's default
 *   flush policy), and the same with `fdatasync` after each write (the flush.messages=1 floor).
 *
 * `node dist/bench/macro/ceilings.js tcp-sink` is the receiver half (prints its port, then on the
 * sender's close the bytes and milliseconds it saw).
 */
import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHUNK = 1024 * 1024;

export interface CeilingFigure {
  mbPerSec: number;
  bytes: number;
  ms: number;
}

/** Loopback TCP throughput between two node processes. */
export async function tcpLoopback(durationMs: number): Promise<CeilingFigure> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'tcp-sink'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`tcp sink exited early: ${out}`)));
  });
  const done = new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
  const sock = connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  const buf = Buffer.alloc(CHUNK, 1);
  const end = performance.now() + durationMs;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (performance.now() < end) {
        if (!sock.write(buf)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end(() => resolve());
    };
    pump();
  });
  const text = await done;
  const m = /received (\d+) bytes in ([\d.]+) ms/.exec(text);
  if (m === null) throw new Error(`tcp sink said: ${text}`);
  const bytes = Number(m[1]);
  const ms = Number(m[2]);
  return { bytes, ms, mbPerSec: round(bytes / 1e6 / (ms / 1000)) };
}

/** 1 MiB `writeSync` appends to a fresh file for `durationMs` (with `fdatasync` after each if `sync`). */
export function fsAppend(durationMs: number, sync: boolean, dir = tmpdir()): CeilingFigure {
  const d = mkdtempSync(join(dir, 'gregor-bench-fs-'));
  const fd = openSync(join(d, 'append.log'), 'a');
  const buf = Buffer.alloc(CHUNK, 2);
  let bytes = 0;
  const t0 = performance.now();
  let t = t0;
  try {
    while (t - t0 < durationMs) {
      writeSync(fd, buf);
      if (sync) fdatasyncSync(fd);
      bytes += CHUNK;
      t = performance.now();
    }
  } finally {
    closeSync(fd);
    rmSync(d, { recursive: true, force: true });
  }
  const ms = t - t0;
  return { bytes, ms: round(ms), mbPerSec: round(bytes / 1e6 / (ms / 1000)) };
}

/**
 * Sustained append: `totalBytes` of 1 MiB `writeSync`s into one file, timed per GiB, and the rate
 * over the last half. A short append loop measures the page cache; once dirty pages pass the
 * kernel's thresholds (dirty_ratio of RAM) writers are throttled to what the disk takes, and that is
 * the ceiling for a log that grows by gigabytes.
 */
export function fsAppendSustained(totalBytes: number, dir = tmpdir()): CeilingFigure & { perGiBMBps: number[] } {
  const d = mkdtempSync(join(dir, 'gregor-bench-fs-'));
  const fd = openSync(join(d, 'append.log'), 'a');
  const buf = Buffer.alloc(CHUNK, 3);
  const GIB = 1024 * CHUNK;
  const marks: number[] = [performance.now()];
  let bytes = 0;
  try {
    while (bytes < totalBytes) {
      writeSync(fd, buf);
      bytes += CHUNK;
      if (bytes % GIB === 0) marks.push(performance.now());
    }
  } finally {
    closeSync(fd);
    rmSync(d, { recursive: true, force: true });
  }
  const perGiBMBps = marks.slice(1).map((t, i) => round(GIB / 1e6 / ((t - marks[i]!) / 1000)));
  const half = Math.floor((marks.length - 1) / 2);
  const ms = marks.at(-1)! - marks[half]!;
  const tailBytes = (marks.length - 1 - half) * GIB;
  return { bytes: tailBytes, ms: round(ms), mbPerSec: round(tailBytes / 1e6 / (ms / 1000)), perGiBMBps };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function tcpSink(): void {
  const server = createServer((s) => {
    let bytes = 0;
    let t0 = 0;
    s.on('data', (d: Buffer) => {
      if (t0 === 0) t0 = performance.now();
      bytes += d.length;
    });
    s.on('end', () => {
      process.stdout.write(`received ${bytes} bytes in ${(performance.now() - t0).toFixed(1)} ms\n`);
      server.close();
      s.destroy();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`port ${typeof a === 'object' && a !== null ? a.port : 0}\n`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'tcp-sink') tcpSink();
