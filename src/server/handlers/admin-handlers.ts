import type { ApiHandler } from '../handler.js';
import type { BrokerContext } from '../broker-context.js';
import { createAlterConfigsHandler } from './alter-configs.js';
import { createCreatePartitionsHandler } from './create-partitions.js';
import { createCreateTopicsHandler } from './create-topics.js';
import { createDeleteTopicsHandler } from './delete-topics.js';
import { createDescribeClusterHandler } from './describe-cluster.js';
import { createDescribeConfigsHandler } from './describe-configs.js';
import { createDescribeQuorumHandler } from './describe-quorum.js';
import { createDescribeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { createElectLeadersHandler } from './elect-leaders.js';
import { createIncrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { createMetadataHandler } from './metadata.js';
import { createUpdateFeaturesHandler } from './update-features.js';

export {
  createAlterConfigsHandler,
  createCreatePartitionsHandler,
  createCreateTopicsHandler,
  createDeleteTopicsHandler,
  createDescribeClusterHandler,
  createDescribeConfigsHandler,
  createDescribeQuorumHandler,
  createDescribeTopicPartitionsHandler,
  createElectLeadersHandler,
  createIncrementalAlterConfigsHandler,
  createMetadataHandler,
  createUpdateFeaturesHandler,
};

/** The metadata and admin APIs a broker answers from its image and its controller. */
export function createAdminHandlers(broker: BrokerContext): ApiHandler[] {
  return [
    createMetadataHandler(broker),
    createCreateTopicsHandler(broker),
    createDeleteTopicsHandler(broker),
    createCreatePartitionsHandler(broker),
    createDescribeConfigsHandler(broker),
    createAlterConfigsHandler(broker),
    createIncrementalAlterConfigsHandler(broker),
    createDescribeClusterHandler(broker),
    createDescribeTopicPartitionsHandler(broker),
    createElectLeadersHandler(broker),
    createDescribeQuorumHandler(broker),
    createUpdateFeaturesHandler(broker),
  ] as ApiHandler[];
}
