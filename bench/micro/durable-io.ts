/**
 * Event-loop time of the storage writes that fdatasync small files, on the real disk:
 *   node <build>/bench/micro/durable-io.js [--dir <path>] [--partitions <n>] [--producers <n>] [--rounds <n>] [--busy-disk]
 * Each round measures, in alternating order (A/B in one run):
 *   roll:       a segment roll with a producer snapshot (`--producers` idempotent producers) and the
 *               flush that follows it. sync = what Log did before: the snapshot written with
 *               writeFileAtomic (fdatasync + dir fsync) in the roll, the rolled segment's three index
 *               fdatasyncs on the loop in the flush; async = Log now (snapshot unsynced in the roll,
 *               every fdatasync of the flush on the thread pool).
 *   checkpoint: one pass of the recovery-point, replication and log-start checkpoints over
 *               `--partitions` partitions: LogManager's synchronous write (shutdown's) against the
 *               periodic one (content on the loop, the atomic replace on the thread pool).
 *   epoch:      DeleteRecords moving the log start (rewrites leader-epoch-checkpoint): before with the
 *               checkpoint written on the loop (the call plus a writeFileAtomic of the same bytes), now
 *               with the write on the thread pool.
 * Reported: the call's own time; the event loop's active time (eventLoopUtilization) from the call
 * until the writes are done (nothing else runs meanwhile, but on a busy machine this counts the main
 * thread's preemption too); and the time spent inside synchronous file-system calls on the loop,
 * the part that waits for the device (fdatasync, and metadata operations queued behind a journal
 * commit).
 * `--busy-disk` keeps a worker thread writing 1 MiB + fdatasync in a loop to the same disk meanwhile,
 * as a produce load does: fdatasyncs then wait for the device, as they do in production.
 * Medians are printed as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildRecordBatch } from '../../src/protocol/records/index.js';
import { NodeFileSystem, SystemClock } from '../../src/platform/index.js';
import { LogManager, ProducerStates, SILENT_LOGGER, formatLeaderEpochCheckpoint, logConfig } from '../../src/storage/index.js';
import type { FileSystem } from '../../src/common/index.js';
import type { Log } from '../../src/storage/index.js';
import { machine } from './harness.js';

const args = process.argv.slice(2);
function arg(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
}
const partitions = Number(arg('partitions', '100'));
const producers = Number(arg('producers', '100'));
const rounds = Number(arg('rounds', '9'));
const busyDisk = args.includes('--busy-disk');
const root = mkdtempSync(join(arg('dir', tmpdir()), 'gregor-durable-io-'));
/** Milliseconds spent inside synchronous file-system calls (and the synchronous start of asynchronous ones). */
let fsCallMs = 0;
const fs: FileSystem = new Proxy(new NodeFileSystem(), {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver) as unknown;
    if (typeof value !== 'function') return value;
    return (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return (value as (...args: unknown[]) => unknown).apply(target, a);
      } finally {
        fsCallMs += performance.now() - t0;
      }
    };
  },
});
const clock = new SystemClock();
let dirCounter = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

type Sample = { callMs: number; loopMs: number; fsMs: number; doneMs: number };

/** Time of `fn` on the loop, then the loop's active time, the file-system calls' time and the wall time until the promise it returns settles. */
async function measure(fn: () => Promise<void>): Promise<Sample> {
  const fs0 = fsCallMs;
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const done = fn();
  const callMs = performance.now() - t0;
  await done;
  const doneMs = performance.now() - t0;
  return { callMs, loopMs: performance.eventLoopUtilization(elu0).active, fsMs: fsCallMs - fs0, doneMs };
}

function manager(producerStateHooks?: ConstructorParameters<typeof LogManager>[0]['producerStateHooks']): LogManager {
  return new LogManager({
    fs,
    clock,
    logDirs: [join(root, `dir-${dirCounter++}`)],
    logger: SILENT_LOGGER,
    defaultConfig: logConfig({ segmentBytes: 1 << 30, retentionMs: -1 }),
    managerConfig: { cleanerEnable: false },
    ...(producerStateHooks === undefined ? {} : { producerStateHooks }),
  });
}

/** A log with `producers` idempotent producers and ~1 MiB in its active segment. */
async function logWithProducers(): Promise<Log> {
  const tp = { topic: 'roll', partition: 0 };
  const states = new ProducerStates({ clock, producerIdExpirationMs: () => 86_400_000 });
  const hooked = manager(() => states.hooksFor(tp));
  hooked.startup();
  const log = hooked.getOrCreateLog(tp);
  states.get(tp)!.load(log);
  for (let i = 0; i < 1024; i++) {
    const pid = 1000 + (i % producers);
    const seq = Math.floor(i / producers);
    log.appendAsLeader(
      buildRecordBatch({ producerId: pid, producerEpoch: 0, baseSequence: seq, records: [{ key: `k${i}`, value: Buffer.alloc(1000, i & 0xff), timestamp: Date.now() }] }),
      0,
    );
  }
  // Unflushed, as a segment usually is when it rolls (flush.messages/flush.ms default to never):
  // the flush after the roll fdatasyncs its data, off the loop in both variants.
  return log;
}

async function roll(sync: boolean): Promise<Sample> {
  const log = await logWithProducers();
  const old = log.activeSegment;
  const result = await measure(async () => {
    log.roll();
    if (sync) {
      // The old roll: the snapshot durable before returning; the old flush: index fdatasyncs on the loop.
      const snapshot = log.producerSnapshotOffsets().at(-1)!;
      const data = log.producerSnapshot(snapshot)!.data;
      fs.writeFileAtomic(join(log.dir, `${String(snapshot).padStart(20, '0')}.snapshot`), data);
      old.offsetIndex.sync();
      old.timeIndex.sync();
      old.txnIndex.sync();
    }
    await log.flush();
  });
  await log.delete();
  return result;
}

async function checkpoint(sync: boolean): Promise<Sample> {
  const m = manager();
  m.startup();
  for (let p = 0; p < partitions; p++) m.getOrCreateLog({ topic: 'checkpoint-bench-topic', partition: p }).appendAsLeader(buildRecordBatch({ records: [{ key: 'k', value: 'v', timestamp: Date.now() }] }), 0);
  await m.checkpointRecoveryPoints(true); // the files exist, as after the first pass
  await m.checkpointLogStartOffsets(true);
  const result = await measure(() => Promise.all([m.checkpointRecoveryPoints(sync), m.checkpointLogStartOffsets(sync)]).then(() => {}));
  await m.shutdown();
  return result;
}

async function epoch(sync: boolean): Promise<Sample> {
  const m = manager();
  m.startup();
  const log = m.getOrCreateLog({ topic: 'epoch', partition: 0 });
  for (let e = 1; e <= 3; e++) log.appendAsLeader(buildRecordBatch({ records: [{ key: 'k', value: 'v', timestamp: Date.now() }] }), e);
  await log.flush();
  log.updateHighWatermark(log.logEndOffset);
  const result = await measure(async () => {
    log.maybeIncrementLogStartOffset(2);
    if (sync) fs.writeFileAtomic(join(log.dir, 'leader-epoch-checkpoint'), formatLeaderEpochCheckpoint(log.leaderEpochCache.all()));
    await log.leaderEpochCache.writesDone();
  });
  await m.shutdown();
  return result;
}

const cases = { roll, checkpoint, epoch } as const;

/** A worker appending 1 MiB + fdatasync in a loop to a file under `root` until terminated. */
function startBusyDisk(): Worker {
  const code = `
    const fs = require('node:fs');
    const { workerData } = require('node:worker_threads');
    const fd = fs.openSync(workerData, 'w');
    const buf = Buffer.alloc(1 << 20, 7);
    let pos = 0;
    for (;;) {
      fs.writeSync(fd, buf, 0, buf.length, pos);
      fs.fdatasyncSync(fd);
      pos = (pos + buf.length) % (256 << 20);
    }`;
  return new Worker(code, { eval: true, workerData: join(root, 'busy') });
}

async function main(): Promise<void> {
  const busy = busyDisk ? startBusyDisk() : undefined;
  const samples = new Map<string, Sample[]>();
  const add = (key: string, s: Sample): void => {
    const list = samples.get(key) ?? [];
    list.push(s);
    samples.set(key, list);
  };
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const order = r % 2 === 0 ? [true, false] : [false, true];
      for (const sync of order) add(`${name}.${sync ? 'sync' : 'async'}`, await run(sync));
    }
  }
  await busy?.terminate();
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const out: Record<string, unknown> = { machine: machine(), partitions, producers, rounds, busyDisk };
  for (const [key, list] of samples) {
    out[key] = {
      callMs: r2(median(list.map((s) => s.callMs))),
      loopActiveMs: r2(median(list.map((s) => s.loopMs))),
      fsCallsMs: r2(median(list.map((s) => s.fsMs))),
      doneMs: r2(median(list.map((s) => s.doneMs))),
      loopActiveRuns: list.map((s) => r2(s.loopMs)),
      fsCallsRuns: list.map((s) => r2(s.fsMs)),
      callRuns: list.map((s) => r2(s.callMs)),
      doneRuns: list.map((s) => r2(s.doneMs)),
    };
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
