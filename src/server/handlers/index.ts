import type { ApiHandler } from '../handler.js';
import type { BrokerContext } from '../broker-context.js';
import { apiVersionsHandler, createApiVersionsHandler } from './api-versions.js';
import { supportedFeatures } from '../../metadata/index.js';
import { createAdminHandlers } from './admin-handlers.js';
import { createDeleteRecordsHandler } from './delete-records.js';
import { createDescribeLogDirsHandler } from './describe-log-dirs.js';
import { createGroupHandlers } from './group-handlers.js';
import type { GroupCoordinator, TransactionCoordinator } from '../../coordinator/index.js';
import { createAddOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { createAddPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { createDescribeTransactionsHandler } from './describe-transactions.js';
import { createEndTxnHandler } from './end-txn.js';
import { createListTransactionsHandler } from './list-transactions.js';
import type { ProducerIdManager } from '../producer-id-manager.js';
import { createFetchHandler } from './fetch.js';
import { createInitProducerIdHandler } from './init-producer-id.js';
import { createListOffsetsHandler } from './list-offsets.js';
import { createOffsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { createProduceHandler } from './produce.js';
import { createDescribeProducersHandler } from './describe-producers.js';
import { createWriteTxnMarkersHandler } from './write-txn-markers.js';
import { createTxnOffsetCommitHandler } from './txn-offset-commit.js';

export { apiVersionsHandler };
export * from './admin-handlers.js';
export * from './group-handlers.js';
export {
  createAddOffsetsToTxnHandler,
  createAddPartitionsToTxnHandler,
  createDescribeTransactionsHandler,
  createEndTxnHandler,
  createListTransactionsHandler,
  createDeleteRecordsHandler,
  createDescribeLogDirsHandler,
  createFetchHandler,
  createInitProducerIdHandler,
  createListOffsetsHandler,
  createOffsetForLeaderEpochHandler,
  createProduceHandler,
  createDescribeProducersHandler,
  createWriteTxnMarkersHandler,
  createTxnOffsetCommitHandler,
};

/** The transaction APIs served by the transaction coordinator (TxnOffsetCommit lives with the groups). */
export function createTransactionHandlers(broker: BrokerContext, txns: TransactionCoordinator): ApiHandler[] {
  return [
    createAddPartitionsToTxnHandler(broker, txns),
    createAddOffsetsToTxnHandler(broker, txns),
    createEndTxnHandler(txns),
    createDescribeTransactionsHandler(txns),
    createListTransactionsHandler(txns),
  ] as ApiHandler[];
}

/**
 * Every API a broker serves; ApiVersions advertises exactly these (group APIs when a group
 * coordinator is given, transaction APIs when a transaction coordinator is).
 */
export function createBrokerHandlers(broker: BrokerContext, groups?: GroupCoordinator, txns?: { coordinator: TransactionCoordinator; producerIds: ProducerIdManager }): ApiHandler[] {
  return [
    createApiVersionsHandler({ supported: supportedFeatures(false), image: () => broker.image() }),
    createProduceHandler(broker),
    createFetchHandler(broker),
    createListOffsetsHandler(broker),
    createOffsetForLeaderEpochHandler(broker),
    createDeleteRecordsHandler(broker),
    createDescribeLogDirsHandler(broker),
    createInitProducerIdHandler(broker, txns?.producerIds, txns?.coordinator),
    createWriteTxnMarkersHandler(broker),
    createDescribeProducersHandler(broker),
    ...createAdminHandlers(broker),
    ...(groups === undefined ? [] : [...createGroupHandlers(broker, groups), createTxnOffsetCommitHandler(broker, groups)]),
    ...(txns === undefined ? [] : createTransactionHandlers(broker, txns.coordinator)),
  ] as ApiHandler[];
}
