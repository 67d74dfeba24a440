import { assert } from '../common/index.js';
import {
  LeaderChangeMessage,
  RecordBatch,
  SnapshotFooterRecord,
  SnapshotHeaderRecord,
  ZERO_UUID,
  buildRecordBatch,
  decodeBody,
  encodeMessageToBuffer,
  parseControlRecordType,
} from '../protocol/index.js';
import type { Batch, RecordSerde } from './raft-client.js';

/**
 * The records raft writes: data batches (key null, value = the state machine's serialized record,
 * producer id -1, one batch per atomic append) and Kafka's KRaft control records.
 */

/** Kafka's ControlRecordType codes used by KRaft (0 and 1 are the transaction markers). */
export const RaftControlType = {
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

/** Kafka writes these control record values with version 0 under kraft.version 0. */
const LEADER_CHANGE_VERSION = 0;
const SNAPSHOT_HEADER_VERSION = 0;
const SNAPSHOT_FOOTER_VERSION = 0;

/** Kafka's MAX_BATCH_SIZE_BYTES for raft batches (8 MiB). */
export const MAX_RAFT_BATCH_BYTES = 8 * 1024 * 1024;

function controlKey(type: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

function controlBatch(type: number, value: Buffer, epoch: number, timestamp: number, baseOffset = 0): Buffer {
  return buildRecordBatch({
    baseOffset,
    partitionLeaderEpoch: epoch,
    isControl: true,
    timestamp,
    records: [{ key: controlKey(type), value }],
  });
}

export interface LeaderChange {
  readonly leaderId: number;
  readonly voters: readonly number[];
  readonly grantingVoters: readonly number[];
}

/** The LeaderChangeMessage control batch a new leader writes first in its epoch. */
export function buildLeaderChangeBatch(change: LeaderChange, epoch: number, timestamp: number): Buffer {
  const value = encodeMessageToBuffer(
    LeaderChangeMessage,
    {
      version: LEADER_CHANGE_VERSION,
      leaderId: change.leaderId,
      voters: change.voters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
      grantingVoters: change.grantingVoters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
    },
    LEADER_CHANGE_VERSION,
  );
  return controlBatch(RaftControlType.LEADER_CHANGE, value, epoch, timestamp);
}

export function parseLeaderChange(value: Buffer): LeaderChange {
  const m = decodeBody(LeaderChangeMessage, value, 0, LEADER_CHANGE_VERSION);
  return { leaderId: m.leaderId, voters: m.voters.map((v) => v.voterId), grantingVoters: m.grantingVoters.map((v) => v.voterId) };
}

export function buildSnapshotHeaderBatch(lastContainedLogTimestamp: number, epoch: number, timestamp: number): Buffer {
  const value = encodeMessageToBuffer(SnapshotHeaderRecord, { version: SNAPSHOT_HEADER_VERSION, lastContainedLogTimestamp }, SNAPSHOT_HEADER_VERSION);
  return controlBatch(RaftControlType.SNAPSHOT_HEADER, value, epoch, timestamp, 0);
}

export function buildSnapshotFooterBatch(baseOffset: number, epoch: number, timestamp: number): Buffer {
  const value = encodeMessageToBuffer(SnapshotFooterRecord, { version: SNAPSHOT_FOOTER_VERSION }, SNAPSHOT_FOOTER_VERSION);
  return controlBatch(RaftControlType.SNAPSHOT_FOOTER, value, epoch, timestamp, baseOffset);
}

export function parseSnapshotHeader(value: Buffer): { lastContainedLogTimestamp: number } {
  return decodeBody(SnapshotHeaderRecord, value, 0, SNAPSHOT_HEADER_VERSION);
}

/** The control type of a control batch's (single) record. */
export function controlTypeOf(batch: RecordBatch): { type: number; value: Buffer | null } {
  assert(batch.isControl, 'a control batch');
  for (const r of batch.records()) return { type: parseControlRecordType(r.key), value: r.value };
  throw new Error('control batch without records');
}

/** A data batch: one record per state-machine record, key null, value = serde bytes. */
export function buildDataBatch<T>(serde: RecordSerde<T>, records: readonly T[], epoch: number, timestamp: number, baseOffset = 0): Buffer {
  const values = records.map((r) => {
    const buf = Buffer.allocUnsafe(serde.size(r));
    const n = serde.write(r, buf, 0);
    assert(n === buf.length, `serde wrote ${n} bytes, announced ${buf.length}`);
    return { key: null, value: buf };
  });
  return buildRecordBatch({ baseOffset, partitionLeaderEpoch: epoch, timestamp, records: values });
}

/**
 * A stored batch as listeners see it. Control batches come with no records (Kafka 3.9 hands them
 * over the same way), so listeners still learn every committed offset.
 */
export function decodeBatch<T>(serde: RecordSerde<T>, batch: RecordBatch): Batch<T> {
  const records: T[] = [];
  if (!batch.isControl) {
    for (const r of batch.records()) {
      assert(r.value !== null, `raft record at offset ${r.offset} has a null value`);
      records.push(serde.read(r.value));
    }
  }
  return {
    baseOffset: batch.baseOffset,
    lastOffset: batch.lastOffset,
    epoch: batch.partitionLeaderEpoch,
    appendTimestamp: batch.maxTimestamp,
    sizeInBytes: batch.sizeInBytes,
    records,
  };
}
