import type { GroupCoordinator } from '../../coordinator/index.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** Without ACLs every group operation is allowed: READ (3), DELETE (6), DESCRIBE (8) as a bit field. */
export const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

/**
 * DescribeGroups v0-v5: state, protocol and members (metadata and assignment only when Stable);
 * an unknown group is reported Dead without error, as Kafka does.
 */
export function createDescribeGroupsHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: DescribeGroupsRequest.apiKey,
    request: DescribeGroupsRequest,
    response: DescribeGroupsResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(request) {
      const described = groups.describeGroups(request.groups).map((g) =>
        request.includeAuthorizedOperations && g.errorCode === 0 ? { ...g, authorizedOperations: GROUP_AUTHORIZED_OPERATIONS } : g,
      );
      return DescribeGroupsResponse.create({ throttleTimeMs: 0, groups: described });
    },
  });
}
