/**
 * Preloaded into the Gregor broker (`NODE_OPTIONS=--import <this file>`) by the harness's latency
 * scenarios: measures, inside the broker process, where the latency tail comes from.
 *
 * - Produce latency as the broker sees it: from the `data` event that completes a Produce request
 *   frame on an accepted socket to the `socket.write` of the response with the same correlation
 *   id (so the time the request waited in the kernel before the event loop read it is not in it;
 *   the event-loop delay below is).
 * - Event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution: how late timers ran).
 * - Garbage-collection pauses (PerformanceObserver 'gc').
 *
 * On SIGUSR2 it writes `<GREGOR_LATENCY_PROBE_DIR>/probe-<pid>.json` with percentiles since the
 * previous SIGUSR2 (then resets) and prints `latency probe written`.
 */
import { Server, Socket } from 'node:net';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GREGOR_LATENCY_PROBE_DIR ?? '.';
const PRODUCE = 0;

let produceMs: number[] = [];
let gcMs: number[] = [];
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs.push(e.duration);
});
gcObserver.observe({ entryTypes: ['gc'] });

interface Tracked {
  /** Bytes of the current inbound frame still to come (0: at a frame start). */
  inLeft: number;
  inHead: Buffer;
  pending: Map<number, number>;
  /** Bytes of the current outbound frame still to go. */
  outLeft: number;
  outHead: Buffer;
}

const tracked = new WeakMap<Socket, Tracked>();

/** Walks a byte stream frame by frame; `onHeader(head)` gets each frame's first 12 bytes (or fewer at its end). */
function walk(state: { left: number; head: Buffer }, chunk: Buffer, headBytes: number, onHeader: (head: Buffer) => void): void {
  let pos = 0;
  while (pos < chunk.length) {
    if (state.left > 0) {
      const n = Math.min(state.left, chunk.length - pos);
      state.left -= n;
      pos += n;
      continue;
    }
    // At a frame start: gather the size and header.
    const need = headBytes - state.head.length;
    const take = chunk.subarray(pos, pos + need);
    state.head = state.head.length === 0 ? Buffer.from(take) : Buffer.concat([state.head, take]);
    pos += take.length;
    if (state.head.length < headBytes) return;
    const size = state.head.readInt32BE(0);
    onHeader(state.head);
    state.left = Math.max(0, size + 4 - headBytes);
    state.head = Buffer.alloc(0);
  }
}

const origEmit = Server.prototype.emit;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'connection') {
    const socket = args[0] as Socket;
    const t: Tracked = { inLeft: 0, inHead: Buffer.alloc(0), pending: new Map(), outLeft: 0, outHead: Buffer.alloc(0) };
    tracked.set(socket, t);
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const st = { left: t.inLeft, head: t.inHead };
      // Request header: size, api key, api version, correlation id.
      walk(st, chunk, 12, (head) => {
        if (head.readInt16BE(4) === PRODUCE) t.pending.set(head.readInt32BE(8), now);
      });
      t.inLeft = st.left;
      t.inHead = st.head;
    });
  }
  return (origEmit as (this: Server, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof Server.prototype.emit;

const origWrite = Socket.prototype.write;
Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
  const t = tracked.get(this);
  if (t !== undefined && Buffer.isBuffer(chunk) && t.pending.size > 0) {
    const st = { left: t.outLeft, head: t.outHead };
    // Response header: size, correlation id.
    walk(st, chunk, 8, (head) => {
      const start = t.pending.get(head.readInt32BE(4));
      if (start !== undefined) {
        t.pending.delete(head.readInt32BE(4));
        produceMs.push(performance.now() - start);
      }
    });
    t.outLeft = st.left;
    t.outHead = st.head;
  } else if (t !== undefined && Buffer.isBuffer(chunk)) {
    const st = { left: t.outLeft, head: t.outHead };
    walk(st, chunk, 8, () => {});
    t.outLeft = st.left;
    t.outHead = st.head;
  }
  return (origWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof Socket.prototype.write;

function pct(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 1000) / 1000;
}

process.on('SIGUSR2', () => {
  const ns = (x: number): number => Math.round(x / 1e3) / 1e3;
  const out = {
    produce: { count: produceMs.length, p50Ms: pct(produceMs, 0.5), p99Ms: pct(produceMs, 0.99), p999Ms: pct(produceMs, 0.999), maxMs: pct(produceMs, 1) },
    eventLoopDelay: { p50Ms: ns(loop.percentile(50)), p99Ms: ns(loop.percentile(99)), p999Ms: ns(loop.percentile(99.9)), maxMs: ns(loop.max) },
    gc: { count: gcMs.length, totalMs: Math.round(gcMs.reduce((a, b) => a + b, 0)), p99Ms: pct(gcMs, 0.99), maxMs: pct(gcMs, 1) },
  };
  writeFileSync(join(dir, `probe-${process.pid}.json`), JSON.stringify(out));
  produceMs = [];
  gcMs = [];
  loop.reset();
  process.stdout.write('latency probe written\n');
});
