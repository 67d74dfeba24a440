import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { RecordBatch, iterateBatches } from '../../../src/protocol/records/index.js';
import { Log, logConfig, SILENT_LOGGER } from '../../../src/storage/index.js';
import type { AbortedTxn, FetchDataInfo, LogConfig, LogParams, StorageLogger } from '../../../src/storage/index.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';

export const DIR = '/data/topic-0';

/** A batch of `n` records with keys k<i> and values v<i>, timestamps from `ts`. */
export function batch(n: number, opts: { ts?: number; key?: (i: number) => string | null; value?: (i: number) => string | null; pad?: number } = {}): Buffer {
  const ts = opts.ts ?? 1_700_000_000_000;
  const records = [];
  for (let i = 0; i < n; i++) {
    const v = opts.value ? opts.value(i) : `v${i}` + 'x'.repeat(opts.pad ?? 0);
    records.push({ key: opts.key ? opts.key(i) : `k${i}`, value: v, timestamp: ts + i });
  }
  return buildRecordBatch({ records });
}

export function keyed(entries: Array<[string, string | null]>, ts = 1_700_000_000_000): Buffer {
  return buildRecordBatch({ records: entries.map(([k, v], i) => ({ key: k, value: v, timestamp: ts + i })) });
}

export interface Env {
  disk: SimDisk;
  clock: SimClock;
  errors: string[];
  logger: StorageLogger;
  open(config?: Partial<LogConfig>, extra?: Partial<LogParams>): Log;
}

export function env(): Env {
  const disk = new SimDisk();
  const clock = new SimClock();
  const errors: string[] = [];
  const logger: StorageLogger = { ...SILENT_LOGGER, error: (m) => errors.push(m) };
  return {
    disk,
    clock,
    errors,
    logger,
    open(config = {}, extra = {}) {
      return Log.open({
        fs: disk,
        clock,
        dir: DIR,
        topicPartition: { topic: 'topic', partition: 0 },
        config: logConfig(config),
        logger,
        recoveryPoint: 0,
        logStartOffset: 0,
        cleanShutdown: false,
        ...extra,
      });
    },
  };
}

/** Every batch in a fetch result, parsed. */
export function batchesOf(info: FetchDataInfo): RecordBatch[] {
  if (info.slice === undefined) return [];
  return [...iterateBatches(Log.readSliceSync(info.slice))];
}

/** Every aborted transaction the log's txn indexes hold. */
export function allAborted(log: Log): AbortedTxn[] {
  return log.collectAbortedTransactions(log.logStartOffset, log.logEndOffset + 1);
}

/** Every record (offset, key, value) readable from the log start, in order. */
export function readAll(log: Log): Array<{ offset: number; key: string | null; value: string | null }> {
  const out: Array<{ offset: number; key: string | null; value: string | null }> = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const info = log.read(offset, 1 << 20);
    const batches = batchesOf(info);
    if (batches.length === 0) break;
    for (const b of batches) {
      for (const r of b.records()) {
        if (r.offset >= offset) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
      }
      offset = b.lastOffset + 1;
    }
  }
  return out;
}
