import { DecodeError, RecordBatch, batchSizeAt, iterateBatches, validateBatch } from '../protocol/index.js';
import type { Batch, RecordSerde, SnapshotReader } from './raft-client.js';
import type { SnapshotId } from './raft-log.js';
import {
  RaftControlType,
  buildDataBatch,
  buildSnapshotFooterBatch,
  buildSnapshotHeaderBatch,
  controlTypeOf,
  decodeBatch,
  parseSnapshotHeader,
} from './records.js';

/**
 * Kafka's snapshot content: record batches with offsets counted from 0 inside the snapshot, all
 * stamped with the snapshot's epoch; a SnapshotHeaderRecord control batch first, the state
 * machine's batches, a SnapshotFooterRecord control batch last. The footer is how a reader knows
 * the snapshot is whole.
 */
export function encodeSnapshot<T>(
  serde: RecordSerde<T>,
  id: SnapshotId,
  lastContainedLogTimestamp: number,
  records: Iterable<readonly T[]>,
  timestamp: number,
): Buffer {
  const parts: Buffer[] = [buildSnapshotHeaderBatch(lastContainedLogTimestamp, id.epoch, timestamp)];
  let next = 1;
  for (const group of records) {
    if (group.length === 0) continue;
    parts.push(buildDataBatch(serde, group, id.epoch, timestamp, next));
    next += group.length;
  }
  parts.push(buildSnapshotFooterBatch(next, id.epoch, timestamp));
  return Buffer.concat(parts);
}

export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/**
 * Checks a whole snapshot (every batch well formed with a good CRC, header first, footer last,
 * nothing after it) and returns a reader whose batches decode lazily. Throws SnapshotFormatError.
 */
export function openSnapshot<T>(serde: RecordSerde<T>, id: SnapshotId, data: Buffer): SnapshotReader<T> {
  let lastContainedLogTimestamp: number | undefined;
  let sawFooter = false;
  let pos = 0;
  let index = 0;
  try {
    while (pos < data.length) {
      const size = batchSizeAt(data, pos);
      if (size < 0 || size > data.length - pos) throw new SnapshotFormatError(`snapshot ends inside a batch at byte ${pos}`);
      const bytes = data.subarray(pos, pos + size);
      const problem = validateBatch(bytes);
      if (problem !== null) throw new SnapshotFormatError(`invalid batch at byte ${pos}: ${problem.kind}`);
      if (sawFooter) throw new SnapshotFormatError('data after the snapshot footer');
      const batch = new RecordBatch(bytes);
      if (batch.isControl) {
        const { type, value } = controlTypeOf(batch);
        if (type === RaftControlType.SNAPSHOT_HEADER) {
          if (index !== 0 || value === null) throw new SnapshotFormatError('snapshot header is not the first batch');
          lastContainedLogTimestamp = parseSnapshotHeader(value).lastContainedLogTimestamp;
        } else if (type === RaftControlType.SNAPSHOT_FOOTER) {
          sawFooter = true;
        }
      } else if (index === 0) {
        throw new SnapshotFormatError('snapshot does not start with a header');
      }
      pos += size;
      index++;
    }
  } catch (err) {
    if (err instanceof SnapshotFormatError) throw err;
    if (err instanceof DecodeError || err instanceof RangeError) {
      throw new SnapshotFormatError(`unreadable snapshot: ${err.message}`);
    }
    throw err;
  }
  if (lastContainedLogTimestamp === undefined) throw new SnapshotFormatError('snapshot has no header');
  if (!sawFooter) throw new SnapshotFormatError('snapshot has no footer (incomplete)');
  const batches: Iterable<Batch<T>> = {
    *[Symbol.iterator]() {
      for (const batch of iterateBatches(data)) {
        if (batch.isControl) continue;
        yield decodeBatch(serde, batch);
      }
    },
  };
  return { offset: id.offset, epoch: id.epoch, lastContainedLogTimestamp, batches };
}
