export { TransactionCoordinator, appendErrorToCoordinatorError } from './transaction-coordinator.js';
export type {
  InitProducerIdResult,
  MaybePromise,
  ProducerIdAndEpoch,
  TransactionCoordinatorParams,
  TransactionLoader,
  TransactionResult,
  TxnMarkerSender,
} from './transaction-coordinator.js';
export { transactionCoordinatorConfig, MARKER_RETRY_BACKOFF_MS } from './config.js';
export type { TransactionCoordinatorConfig } from './config.js';
export {
  TransactionMetadata,
  TopicPartitionSet,
  IllegalTransactionStateError,
  TRANSACTION_STATE_IDS,
  isEpochExhausted,
  transactionStateById,
  transactionStateByName,
} from './transaction-metadata.js';
export type { TransactionState, TxnTransitMetadata } from './transaction-metadata.js';
export { decodeTransactionRecord, transactionRecord, TRANSACTION_LOG_KEY_VERSION, TRANSACTION_LOG_VALUE_VERSION } from './transaction-records.js';
export type { DecodedTransactionRecord } from './transaction-records.js';
