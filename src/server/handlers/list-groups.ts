import type { GroupCoordinator } from '../../coordinator/index.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** ListGroups v0-v5: the groups this broker coordinates; a state filter from v4, a type filter from v5. */
export function createListGroupsHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: ListGroupsRequest.apiKey,
    request: ListGroupsRequest,
    response: ListGroupsResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(request, ctx) {
      const states = ctx.apiVersion >= 4 ? request.statesFilter : [];
      const types = ctx.apiVersion >= 5 ? request.typesFilter : [];
      const r = groups.listGroups(states, types);
      return ListGroupsResponse.create({ throttleTimeMs: 0, errorCode: r.errorCode, groups: r.groups });
    },
  });
}
