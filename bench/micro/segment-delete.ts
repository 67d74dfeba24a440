/**
 * Event-loop time of deleting a segment, on the real disk:
 *   node <build>/bench/micro/segment-delete.js [--dir <path>] [--mib <segment MiB>] [--rounds <n>]
 * Each round writes two logs of one full `--mib` MiB segment (fdatasync'ed, so its blocks are
 * allocated as an old segment's are) plus an active one, and deletes the full segment of each:
 *   sync:  what Log did before — the call (state change, renames to `.deleted`) then close +
 *          unlinks on the event loop (LogSegment.deleteFiles), each timed;
 *   async: Log's retention path with file.delete.delay.ms=0 — the call (state change + renames)
 *          is timed, then the close + unlinks run on the thread pool; the event loop's active
 *          time after the call until they are done (eventLoopUtilization) is what they cost it.
 * The order alternates between rounds (A/B in one run); medians are printed as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch } from '../../src/protocol/records/index.js';
import { NodeFileSystem, SystemClock } from '../../src/platform/index.js';
import { Log, SILENT_LOGGER, logConfig } from '../../src/storage/index.js';
import { machine } from './harness.js';

const args = process.argv.slice(2);
function arg(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
}
const MIB = 1 << 20;
const segmentMib = Number(arg('mib', '64'));
const rounds = Number(arg('rounds', '7'));
const root = mkdtempSync(join(arg('dir', tmpdir()), 'gregor-segdel-'));
const fs = new NodeFileSystem();
const clock = new SystemClock();
let dirCounter = 0;

const batch = buildRecordBatch({ records: [{ key: 'k', value: Buffer.alloc(MIB - 200, 7), timestamp: Date.now() }] });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A log whose first segment is full (`segmentMib` MiB, synced) and whose active one holds a batch. */
async function fullLog(fileDeleteDelayMs: number): Promise<Log> {
  const log = Log.open({
    fs,
    clock,
    dir: join(root, `log-${dirCounter++}`),
    topicPartition: { topic: 'bench', partition: 0 },
    config: logConfig({ segmentBytes: segmentMib * MIB, retentionMs: -1, fileDeleteDelayMs }),
    logger: SILENT_LOGGER,
    recoveryPoint: 0,
    logStartOffset: 0,
    cleanShutdown: true,
  });
  while (log.segments.length < 2) log.appendAsLeader(Buffer.from(batch), 0);
  await log.flush();
  log.updateHighWatermark(log.logEndOffset);
  return log;
}

/**
 * The old synchronous deletion of one segment: the call (state change, renames, leader-epoch
 * checkpoint) and then the close + unlinks, both on the event loop.
 */
async function syncDelete(): Promise<{ callMs: number; unlinkMs: number }> {
  const log = await fullLog(60_000);
  const victim = log.segments[0]!;
  const t0 = performance.now();
  log.maybeIncrementLogStartOffset(log.segments[1]!.baseOffset);
  const t1 = performance.now();
  victim.deleteFiles();
  const t2 = performance.now();
  await log.delete();
  return { callMs: t1 - t0, unlinkMs: t2 - t1 };
}

/**
 * The deletion call's own time, then the event loop's active time (performance.eventLoopUtilization:
 * time spent running callbacks, not waiting for I/O) after the call until the files are gone, and
 * that wall time. Nothing else runs meanwhile, so the active time is what the deletion costs the loop.
 */
async function asyncDelete(): Promise<{ callMs: number; loopActiveMs: number; doneMs: number }> {
  const log = await fullLog(0);
  const t0 = performance.now();
  log.maybeIncrementLogStartOffset(log.segments[1]!.baseOffset);
  const t1 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  await log.deletionsDone();
  const doneMs = performance.now() - t0;
  const loopActiveMs = performance.eventLoopUtilization(elu0).active;
  await log.delete();
  return { callMs: t1 - t0, loopActiveMs, doneMs };
}

async function main(): Promise<void> {
  const sync: number[] = [];
  const syncCall: number[] = [];
  const call: number[] = [];
  const active: number[] = [];
  const done: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const runAsync = async (): Promise<void> => {
      const a = await asyncDelete();
      call.push(a.callMs);
      active.push(a.loopActiveMs);
      done.push(a.doneMs);
    };
    const runSync = async (): Promise<void> => {
      const b = await syncDelete();
      syncCall.push(b.callMs);
      sync.push(b.unlinkMs);
    };
    if (r % 2 === 0) {
      await runSync();
      await runAsync();
    } else {
      await runAsync();
      await runSync();
    }
  }
  const round2 = (xs: number[]): number[] => xs.map((x) => Math.round(x * 100) / 100);
  const out = {
    machine: machine(),
    segmentMib,
    rounds,
    syncCallMs: { median: round2([median(syncCall)])[0], runs: round2(syncCall) },
    syncCloseUnlinkMs: { median: round2([median(sync)])[0], runs: round2(sync) },
    asyncCallMs: { median: round2([median(call)])[0], runs: round2(call) },
    asyncLoopActiveMs: { median: round2([median(active)])[0], runs: round2(active) },
    asyncDoneAfterMs: { median: round2([median(done)])[0], runs: round2(done) },
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
