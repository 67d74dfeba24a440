import { RecordBatch } from '../protocol/index.js';

/**
 * Record-level lookups inside one batch (ListOffsets needs the exact record, not the batch).
 * The batch is decoded through protocol/records, so compressed batches work too.
 */
export function findRecordByTimestamp(
  batchBuf: Buffer,
  target: number,
  minOffset: number,
): { offset: number; timestamp: number } | undefined {
  const batch = new RecordBatch(batchBuf);
  for (const r of batch.records()) {
    if (r.offset >= minOffset && r.timestamp >= target) return { offset: r.offset, timestamp: r.timestamp };
  }
  return undefined;
}

/** The first record carrying the batch's largest timestamp (KIP-734's answer to MAX_TIMESTAMP). */
export function findRecordWithMaxTimestamp(batchBuf: Buffer): { offset: number; timestamp: number } {
  const batch = new RecordBatch(batchBuf);
  let best = { offset: batch.lastOffset, timestamp: batch.maxTimestamp };
  let bestTs = -Infinity;
  for (const r of batch.records()) {
    if (r.timestamp > bestTs) {
      bestTs = r.timestamp;
      best = { offset: r.offset, timestamp: r.timestamp };
    }
  }
  return best;
}
