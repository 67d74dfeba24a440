import type { BrokerConfig } from '../../config/index.js';

/** The transaction coordinator's settings, from the broker's (Kafka's names in the comments). */
export interface TransactionCoordinatorConfig {
  /** transaction.state.log.num.partitions */
  readonly numPartitions: number;
  /** transactional.id.expiration.ms */
  readonly transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms */
  readonly transactionMaxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  readonly abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  readonly removeExpiredTransactionalIdsIntervalMs: number;
  /** request.timeout.ms: how long a write to __transaction_state may wait for replication */
  readonly requestTimeoutMs: number;
  /** Pause before markers that could not be written are tried again (Kafka's sender thread re-polls). */
  readonly markerRetryBackoffMs: number;
}

export const MARKER_RETRY_BACKOFF_MS = 100;

export function transactionCoordinatorConfig(config: BrokerConfig): TransactionCoordinatorConfig {
  return {
    numPartitions: config.get('transaction.state.log.num.partitions'),
    transactionalIdExpirationMs: config.get('transactional.id.expiration.ms'),
    transactionMaxTimeoutMs: config.get('transaction.max.timeout.ms'),
    abortTimedOutTransactionsIntervalMs: config.get('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    removeExpiredTransactionalIdsIntervalMs: config.get('transaction.remove.expired.transaction.cleanup.interval.ms'),
    requestTimeoutMs: config.get('request.timeout.ms'),
    markerRetryBackoffMs: MARKER_RETRY_BACKOFF_MS,
  };
}
