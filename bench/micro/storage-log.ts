/**
 * Storage benchmarks against the machine's own limits, measured in the same run on the same disk:
 *   node <build>/bench/micro/storage-log.js [--dir <path>] [--mib <n>] [--runs <n>] [--sync-batch-kib <n>] [--recovery-gib <n>]
 * Prints one JSON object: each Gregor figure beside its raw-`fs` baseline, and the ratio.
 *   1. append of 1 MiB batches vs a raw fs.writeSync append loop (and vs a raw "CRC-32C + write"
 *      loop: the ceiling for any append that checks the CRC on the same thread before writing)
 *   2. flush.messages=1, 64 concurrent appenders of 16 KiB (and 64 KiB, or --sync-batch-kib) vs a raw
 *      "write 1 MiB + fdatasync" loop
 *   3. sequential read of a segment (log.read + slice read) vs a raw fs.readSync loop
 *   4. opening a log dir of 1,000 partitions x 10 segments (clean shutdown)
 *   5. (with --recovery-gib) recovery of an unflushed tail of that size, as after SIGKILL
 */
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, crc32cAddonImplementation, crc32cImplementation } from '../../src/common/index.js';
import { buildRecordBatch } from '../../src/protocol/records/index.js';
import { NodeFileSystem, SystemClock } from '../../src/platform/index.js';
import { Log, LogManager, SILENT_LOGGER, logConfig, readSliceInto } from '../../src/storage/index.js';
import type { LogConfig } from '../../src/storage/index.js';
import { machine } from './harness.js';

const args = process.argv.slice(2);
function arg(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
}
const root = mkdtempSync(join(arg('dir', tmpdir()), 'gregor-bench-'));
const MIB = 1 << 20;
const totalMib = Number(arg('mib', '256'));
const runs = Number(arg('runs', '3'));
const recoveryGib = Number(arg('recovery-gib', '0'));
const syncBatchBytes = Number(arg('sync-batch-kib', '16')) * 1024;
const fs = new NodeFileSystem();
const clock = new SystemClock();
let dirCounter = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function openLog(config: Partial<LogConfig>): Log {
  return Log.open({
    fs,
    clock,
    dir: join(root, `bench-${dirCounter++}`),
    topicPartition: { topic: 'bench', partition: 0 },
    config: logConfig(config),
    logger: SILENT_LOGGER,
    recoveryPoint: 0,
    logStartOffset: 0,
    cleanShutdown: true,
  });
}

/** Removals of deleted logs still running on the thread pool; awaited before the root goes. */
const removals: Promise<void>[] = [];

function cleanup(log: Log): void {
  removals.push(log.delete());
}

const payload = Buffer.alloc(MIB - 200, 7);
const bigBatch = buildRecordBatch({ records: [{ key: 'k', value: payload, timestamp: Date.now() }] });

/** MB/s of a raw positional append loop. */
function rawAppend(bytes: number, chunk: Buffer): number {
  const path = join(root, `raw-${dirCounter++}`);
  const fd = openSync(path, 'w+');
  const t0 = performance.now();
  let pos = 0;
  while (pos < bytes) {
    writeSync(fd, chunk, 0, chunk.length, pos);
    pos += chunk.length;
  }
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(path);
  return bytes / 1e6 / (ms / 1000);
}

/** MB/s of a raw loop that computes the CRC-32C of each chunk, then appends it. */
function rawCrcAppend(bytes: number, chunk: Buffer): number {
  const path = join(root, `rawcrc-${dirCounter++}`);
  const fd = openSync(path, 'w+');
  const t0 = performance.now();
  let pos = 0;
  let sink = 0;
  while (pos < bytes) {
    sink ^= crc32c(chunk);
    writeSync(fd, chunk, 0, chunk.length, pos);
    pos += chunk.length;
  }
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(path);
  if (sink === 0.5) throw new Error('unreachable: keeps the CRC from being optimised away');
  return bytes / 1e6 / (ms / 1000);
}

function gregorAppend(bytes: number, crcVerified: boolean): number {
  const log = openLog({});
  const batch = Buffer.from(bigBatch);
  const t0 = performance.now();
  let done = 0;
  while (done < bytes) {
    log.appendAsLeader(batch, 0, { crcVerified });
    done += batch.length;
  }
  const ms = performance.now() - t0;
  cleanup(log);
  return bytes / 1e6 / (ms / 1000);
}

/** Raw loop: writes of `writeBytes`, one fdatasync per MiB written. */
function rawAppendSync(bytes: number, writeBytes = MIB): number {
  const path = join(root, `rawsync-${dirCounter++}`);
  const fd = openSync(path, 'w+');
  const chunk = Buffer.alloc(writeBytes, 3);
  const t0 = performance.now();
  let pos = 0;
  while (pos < bytes) {
    writeSync(fd, chunk, 0, chunk.length, pos);
    pos += chunk.length;
    if (pos % MIB === 0) fdatasyncSync(fd);
  }
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(path);
  return bytes / 1e6 / (ms / 1000);
}

async function gregorGroupCommit(bytes: number, appenders: number, batchBytes: number): Promise<{ mbPerSec: number; fdatasyncs: number }> {
  const log = openLog({ flushMessages: 1 });
  const template = buildRecordBatch({ records: [{ key: 'k', value: Buffer.alloc(batchBytes - 100, 5), timestamp: Date.now() }] });
  let written = 0;
  let rounds = 0;
  const fdatasync = fs.fdatasync.bind(fs);
  fs.fdatasync = (fd: number) => {
    rounds++;
    return fdatasync(fd);
  };
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    // Each appender owns its buffer (offsets are patched in place; the write copies into the page cache).
    const b = Buffer.from(template);
    while (written < bytes) {
      written += b.length;
      const info = log.appendAsLeader(b, 0, { crcVerified: true });
      await info.durable;
    }
  };
  await Promise.all(Array.from({ length: appenders }, worker));
  const ms = performance.now() - t0;
  fs.fdatasync = fdatasync;
  cleanup(log);
  return { mbPerSec: written / 1e6 / (ms / 1000), fdatasyncs: rounds };
}

function rawRead(path: string, size: number): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(MIB);
  const t0 = performance.now();
  let pos = 0;
  while (pos < size) pos += readSync(fd, buf, 0, MIB, pos);
  const ms = performance.now() - t0;
  closeSync(fd);
  return size / 1e6 / (ms / 1000);
}

function gregorReadSync(log: Log): number {
  const buf = Buffer.allocUnsafe(MIB);
  const t0 = performance.now();
  let offset = 0;
  let bytes = 0;
  while (offset < log.logEndOffset) {
    const n = readSliceInto(log.read(offset, MIB).slice!, buf);
    bytes += n;
    // next offset: one record per batch here, batches of equal size
    offset += Math.max(1, Math.round(n / smallBatch.length));
  }
  const ms = performance.now() - t0;
  return bytes / 1e6 / (ms / 1000);
}

async function gregorReadAsync(log: Log): Promise<number> {
  const buf = Buffer.allocUnsafe(MIB);
  const t0 = performance.now();
  let offset = 0;
  let bytes = 0;
  while (offset < log.logEndOffset) {
    const slice = log.read(offset, MIB).slice!;
    const n = await slice.file.readAsync(buf, 0, slice.size, slice.position);
    bytes += n;
    offset += Math.max(1, Math.round(n / smallBatch.length));
  }
  const ms = performance.now() - t0;
  return bytes / 1e6 / (ms / 1000);
}

async function rawReadAsync(path: string, size: number): Promise<number> {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(MIB);
  const t0 = performance.now();
  let pos = 0;
  while (pos < size) pos += await fs.readAsync(fd, buf, 0, MIB, pos);
  const ms = performance.now() - t0;
  closeSync(fd);
  return size / 1e6 / (ms / 1000);
}

const smallBatch = buildRecordBatch({ records: [{ key: 'k', value: Buffer.alloc(16 * 1024 - 100, 9), timestamp: Date.now() }] });

/** Writes a Kafka-layout log dir of `partitions` x `segments` directly (fixture only), cleanly shut down. */
function makeLogDir(dir: string, partitions: number, segments: number): void {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const pdir = join(dir, `many-${p}`);
    mkdirSync(pdir);
    for (let s = 0; s < segments; s++) {
      const base = s * 10;
      const b = buildRecordBatch({ baseOffset: base, records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: 1_700_000_000_000 })) });
      const name = String(base).padStart(20, '0');
      writeFileSync(join(pdir, `${name}.log`), b);
      writeFileSync(join(pdir, `${name}.index`), Buffer.alloc(0));
      writeFileSync(join(pdir, `${name}.timeindex`), Buffer.alloc(0));
    }
    lines.push(`many ${p} ${segments * 10}`);
  }
  const cp = ['0', String(lines.length), ...lines].join('\n') + '\n';
  writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), cp);
  writeFileSync(join(dir, '.kafka_cleanshutdown'), '');
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

async function main(): Promise<void> {
  const bytes = totalMib * MIB;
  const crc = crc32cImplementation === 'addon' ? `addon ${crc32cAddonImplementation}` : crc32cImplementation;
  const out: Record<string, unknown> = { machine: machine(), dir: 'os.tmpdir()', totalMib, runs, crc32c: crc };

  // 1. append of 1 MiB batches
  const raw1: number[] = [];
  const raw1crc: number[] = [];
  const g1: number[] = [];
  const g1v: number[] = [];
  // Warm-up (JIT, allocator, file-system metadata), then alternate so drift hits both sides alike.
  rawAppend(Math.min(bytes, 32 * MIB), bigBatch);
  gregorAppend(Math.min(bytes, 32 * MIB), false);
  for (let r = 0; r < runs; r++) {
    raw1.push(rawAppend(bytes, bigBatch));
    raw1crc.push(rawCrcAppend(bytes, bigBatch));
    g1.push(gregorAppend(bytes, false));
    g1v.push(gregorAppend(bytes, true));
  }
  out['append1MiB'] = {
    rawMBps: Math.round(median(raw1)),
    gregorWithCrcMBps: Math.round(median(g1)),
    gregorCrcVerifiedByCallerMBps: Math.round(median(g1v)),
    ratioWithCrc: +(median(g1) / median(raw1)).toFixed(2),
    ratioCrcVerifiedByCaller: +(median(g1v) / median(raw1)).toFixed(2),
    rawCrcThenWriteMBps: Math.round(median(raw1crc)),
    ceilingRatioWithCrc: +(median(raw1crc) / median(raw1)).toFixed(2),
    runs: { raw: raw1.map(Math.round), rawCrc: raw1crc.map(Math.round), gregorWithCrc: g1.map(Math.round), gregorCrcVerified: g1v.map(Math.round) },
  };

  // 2. flush.messages=1 with 64 concurrent appenders, for each batch size
  const syncBytes = Math.min(bytes, 64 * MIB);
  const sizes = [...new Set([syncBatchBytes, 64 * 1024])];
  const raw2: number[] = [];
  const raw2small = new Map<number, number[]>(sizes.map((s) => [s, []]));
  const g2 = new Map<number, number[]>(sizes.map((s) => [s, []]));
  const rounds = new Map<number, number>();
  for (let r = 0; r < runs; r++) {
    raw2.push(rawAppendSync(syncBytes));
    for (const size of sizes) {
      raw2small.get(size)!.push(rawAppendSync(syncBytes, size));
      const g = await gregorGroupCommit(syncBytes, 64, size);
      g2.get(size)!.push(g.mbPerSec);
      rounds.set(size, g.fdatasyncs);
    }
  }
  for (const size of sizes) {
    const g = g2.get(size)!;
    const small = raw2small.get(size)!;
    out[`flushMessages1x64x${size / 1024}KiB`] = {
      rawWrite1MiBPlusFdatasyncMBps: Math.round(median(raw2)),
      gregorMBps: Math.round(median(g)),
      ratio: +(median(g) / median(raw2)).toFixed(2),
      rawSameSizeWritesFdatasyncPerMiBMBps: Math.round(median(small)),
      ratioToSameWritePattern: +(median(g) / median(small)).toFixed(2),
      batchBytes: size,
      appends: Math.round(syncBytes / size),
      fdatasyncsLastRun: rounds.get(size),
      runs: { raw: raw2.map(Math.round), gregor: g.map(Math.round) },
    };
  }

  // 3. sequential read of a segment
  const log = openLog({});
  let written = 0;
  while (written < bytes) {
    log.appendAsLeader(Buffer.from(smallBatch), 0, { crcVerified: true });
    written += smallBatch.length;
  }
  const segPath = log.activeSegment.file.path;
  const raw3: number[] = [];
  const g3: number[] = [];
  const raw3a: number[] = [];
  const g3a: number[] = [];
  rawRead(segPath, log.activeSegment.size); // warm the page cache
  for (let r = 0; r < runs; r++) {
    raw3.push(rawRead(segPath, log.activeSegment.size));
    g3.push(gregorReadSync(log));
    raw3a.push(await rawReadAsync(segPath, log.activeSegment.size));
    g3a.push(await gregorReadAsync(log));
  }
  cleanup(log);
  out['sequentialRead'] = {
    rawReadSyncMBps: Math.round(median(raw3)),
    gregorReadSyncMBps: Math.round(median(g3)),
    ratioSync: +(median(g3) / median(raw3)).toFixed(2),
    rawReadAsyncMBps: Math.round(median(raw3a)),
    gregorReadAsyncMBps: Math.round(median(g3a)),
    ratioAsync: +(median(g3a) / median(raw3a)).toFixed(2),
    batchBytes: smallBatch.length,
  };

  // 4. open 1,000 partitions x 10 segments
  const many = join(root, 'many');
  makeLogDir(many, 1000, 10);
  const opens: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (r > 0) writeFileSync(join(many, '.kafka_cleanshutdown'), '');
    const t0 = performance.now();
    const m = new LogManager({ fs, clock, logDirs: [many], logger: SILENT_LOGGER, defaultConfig: logConfig() });
    m.startup();
    opens.push(performance.now() - t0);
    if (m.allLogs().length !== 1000) throw new Error('fixture not loaded');
    for (const l of m.allLogs()) l.closeHandles();
  }
  out['open1000x10'] = { ms: Math.round(median(opens)), runsMs: opens.map(Math.round), limitMs: 1000 };

  // 5. recovery of an unflushed tail
  if (recoveryGib > 0) {
    const rlog = openLog({ segmentBytes: 1024 * MIB });
    const target = recoveryGib * 1024 * MIB;
    let w = 0;
    const batch = Buffer.from(bigBatch);
    while (w < target) {
      rlog.appendAsLeader(batch, 0, { crcVerified: true });
      w += bigBatch.length;
    }
    const expectedEnd = rlog.logEndOffset;
    const dir = rlog.dir;
    rlog.closeHandles(); // no flush, no clean-shutdown marker: exactly what SIGKILL leaves
    const t0 = performance.now();
    const reopened = Log.open({
      fs, clock, dir, topicPartition: { topic: 'bench', partition: 0 }, config: logConfig({ segmentBytes: 1024 * MIB }),
      logger: SILENT_LOGGER, recoveryPoint: 0, logStartOffset: 0, cleanShutdown: false,
    });
    const ms = performance.now() - t0;
    if (reopened.logEndOffset !== expectedEnd) throw new Error(`recovery lost data: ${reopened.logEndOffset} != ${expectedEnd}`);
    out['recoveryUnflushedTail'] = { gib: recoveryGib, ms: Math.round(ms), segments: reopened.segments.length, batchesValidated: expectedEnd, limitMs: 5000 };
    cleanup(reopened);
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.allSettled(removals);
    rmSync(root, { recursive: true, force: true });
  });
