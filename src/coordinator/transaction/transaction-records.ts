import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionLogKey, TransactionLogValue } from '../../protocol/index.js';
import { frame, unframe } from '../group-records.js';
import type { CoordinatorRecord } from '../group-records.js';
import { TopicPartitionSet, TRANSACTION_STATE_IDS, TransactionMetadata, transactionStateById } from './transaction-metadata.js';
import type { TxnTransitMetadata } from './transaction-metadata.js';

/**
 * The records of `__transaction_state` in Kafka's framing (so Kafka's tools read our logs and we
 * read theirs): key = int16 version 0 + TransactionLogKey, value = int16 version +
 * TransactionLogValue, a null value is the tombstone of an expired transactional id. Kafka 3.9
 * writes value version 0 (version 1, flexible, comes with transaction.version 2).
 */
export const TRANSACTION_LOG_KEY_VERSION = 0;
export const TRANSACTION_LOG_VALUE_VERSION = 0;

/** The record of a transition (Empty carries no partitions: Kafka writes a null array then). */
export function transactionRecord(transactionalId: string, t: TxnTransitMetadata): CoordinatorRecord {
  const key = frame(TransactionLogKey, { transactionalId }, TRANSACTION_LOG_KEY_VERSION);
  if (t.txnState === 'Dead') return { key, value: null };
  const partitions = t.txnState === 'Empty' ? null : t.topicPartitions.topics().map(([topic, partitionIds]) => ({ topic, partitionIds }));
  const value = frame(
    TransactionLogValue,
    {
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      transactionTimeoutMs: t.txnTimeoutMs,
      transactionStatus: TRANSACTION_STATE_IDS[t.txnState],
      transactionPartitions: partitions,
      transactionLastUpdateTimestampMs: t.txnLastUpdateTimestamp,
      transactionStartTimestampMs: t.txnStartTimestamp,
    },
    TRANSACTION_LOG_VALUE_VERSION,
  );
  return { key, value };
}

export type DecodedTransactionRecord =
  | { readonly type: 'transaction'; readonly transactionalId: string; readonly metadata: TransactionMetadata | null }
  | { readonly type: 'unknown'; readonly keyVersion: number };

/**
 * Decodes a record of `__transaction_state` into the metadata it describes (null for a tombstone),
 * as Kafka's loader builds it: no last producer id or epoch (they are not stored). Throws on
 * malformed bytes or an unknown status (the loader logs and skips such records).
 */
export function decodeTransactionRecord(key: Buffer, value: Buffer | null): DecodedTransactionRecord {
  const keyVersion = key.readInt16BE(0);
  if (keyVersion !== TRANSACTION_LOG_KEY_VERSION) return { type: 'unknown', keyVersion };
  const { transactionalId } = unframe(TransactionLogKey, key, keyVersion);
  if (value === null) return { type: 'transaction', transactionalId, metadata: null };
  const valueVersion = value.readInt16BE(0);
  if (valueVersion < 0) throw new Error(`Unknown transaction log value version ${valueVersion}`);
  const v = unframe(TransactionLogValue, value, valueVersion);
  const state = transactionStateById(v.transactionStatus);
  if (state === undefined) throw new Error(`Unknown transaction state id ${v.transactionStatus}`);
  const partitions = new TopicPartitionSet();
  for (const tp of v.transactionPartitions ?? []) for (const p of tp.partitionIds) partitions.add(tp.topic, p);
  const metadata = new TransactionMetadata({
    transactionalId,
    producerId: v.producerId,
    lastProducerId: NO_PRODUCER_ID,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs: v.transactionTimeoutMs,
    state,
    topicPartitions: partitions,
    txnStartTimestamp: v.transactionStartTimestampMs,
    txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
  });
  return { type: 'transaction', transactionalId, metadata };
}
