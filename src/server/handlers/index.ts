import type { ApiHandler } from '../handler.js';
import type { BrokerContext } from '../broker-context.js';
import { apiVersionsHandler } from './api-versions.js';
import { createAdminHandlers } from './admin-handlers.js';
import { createDeleteRecordsHandler } from './delete-records.js';
import { createDescribeLogDirsHandler } from './describe-log-dirs.js';
import { createGroupHandlers } from './group-handlers.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
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

/** Handlers that need no broker state. */
export const ALL_HANDLERS: readonly ApiHandler[] = Object.freeze([apiVersionsHandler]);

/** Every API a broker serves; ApiVersions advertises exactly these (group APIs when a coordinator is given). */
export function createBrokerHandlers(broker: BrokerContext, groups?: GroupCoordinator): ApiHandler[] {
  return [
    apiVersionsHandler,
    createProduceHandler(broker),
    createFetchHandler(broker),
    createListOffsetsHandler(broker),
    createOffsetForLeaderEpochHandler(broker),
    createDeleteRecordsHandler(broker),
    createDescribeLogDirsHandler(broker),
    createInitProducerIdHandler(broker),
    createWriteTxnMarkersHandler(broker),
    createDescribeProducersHandler(broker),
    ...createAdminHandlers(broker),
    ...(groups === undefined ? [] : [...createGroupHandlers(broker, groups), createTxnOffsetCommitHandler(broker, groups)]),
  ] as ApiHandler[];
}
