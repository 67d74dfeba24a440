import type { GroupCoordinator } from '../../coordinator/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { ApiHandler } from '../handler.js';
import { createDeleteGroupsHandler } from './delete-groups.js';
import { createDescribeGroupsHandler } from './describe-groups.js';
import { createFindCoordinatorHandler } from './find-coordinator.js';
import { createHeartbeatHandler } from './heartbeat.js';
import { createJoinGroupHandler } from './join-group.js';
import { createLeaveGroupHandler } from './leave-group.js';
import { createListGroupsHandler } from './list-groups.js';
import { createOffsetCommitHandler } from './offset-commit.js';
import { createOffsetDeleteHandler } from './offset-delete.js';
import { createOffsetFetchHandler } from './offset-fetch.js';
import { createSyncGroupHandler } from './sync-group.js';

export {
  createDeleteGroupsHandler,
  createDescribeGroupsHandler,
  createFindCoordinatorHandler,
  createHeartbeatHandler,
  createJoinGroupHandler,
  createLeaveGroupHandler,
  createListGroupsHandler,
  createOffsetCommitHandler,
  createOffsetDeleteHandler,
  createOffsetFetchHandler,
  createSyncGroupHandler,
};

/** The classic group APIs (KIP-848's ConsumerGroupHeartbeat is not served: `group.coordinator.rebalance.protocols` = classic). */
export function createGroupHandlers(broker: BrokerContext, groups: GroupCoordinator): ApiHandler[] {
  return [
    createFindCoordinatorHandler(broker, groups),
    createJoinGroupHandler(groups),
    createSyncGroupHandler(groups),
    createHeartbeatHandler(groups),
    createLeaveGroupHandler(groups),
    createOffsetCommitHandler(broker, groups),
    createOffsetFetchHandler(groups),
    createDescribeGroupsHandler(groups),
    createListGroupsHandler(groups),
    createDeleteGroupsHandler(groups),
    createOffsetDeleteHandler(broker, groups),
  ] as ApiHandler[];
}
