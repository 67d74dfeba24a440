export { TransactionCoordinator } from './transaction-coordinator.js';
export type {
  InitProducerIdResult,
  MaybePromise,
  ProducerIdAndEpoch,
  TransactionCoordinatorParams,
  TransactionLoader,
  TransactionResult,
  TxnMarkerSender,
} from './transaction-coordinator.js';
export { transactionCoordinatorConfig } from './config.js';
export type { TransactionCoordinatorConfig } from './config.js';
export { TransactionMetadata, TopicPartitionSet, IllegalTransactionStateError } from './transaction-metadata.js';
export type { TransactionState, TxnTransitMetadata } from './transaction-metadata.js';
export { decodeTransactionRecord, transactionRecord } from './transaction-records.js';
export type { DecodedTransactionRecord } from './transaction-records.js';
