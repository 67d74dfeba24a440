import type { GroupCoordinator } from '../../coordinator/index.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** DeleteGroups v0-v2: empty groups only (NON_EMPTY_GROUP otherwise), with their offsets. */
export function createDeleteGroupsHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: DeleteGroupsRequest.apiKey,
    request: DeleteGroupsRequest,
    response: DeleteGroupsResponse,
    minVersion: 0,
    maxVersion: 2,
    async handle(request) {
      const results = await groups.deleteGroups([...new Set(request.groupsNames)]);
      return DeleteGroupsResponse.create({ throttleTimeMs: 0, results });
    },
  });
}
