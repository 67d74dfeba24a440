import type { GroupCoordinator } from '../../coordinator/index.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';
import { groupRequestInfo } from './group-request-info.js';

/**
 * JoinGroup v0-v9 into the classic group coordinator. v0 has no rebalance timeout: the session
 * timeout stands in (as Kafka's JoinGroupRequest does); before v7 a missing protocol name is sent
 * as "" (the field was not nullable).
 */
export function createJoinGroupHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: JoinGroupRequest.apiKey,
    request: JoinGroupRequest,
    response: JoinGroupResponse,
    minVersion: 0,
    maxVersion: 9,
    async handle(request, ctx) {
      const req = ctx.apiVersion === 0 ? { ...request, rebalanceTimeoutMs: request.sessionTimeoutMs } : request;
      const res = await groups.joinGroup(req, groupRequestInfo(ctx));
      if (ctx.apiVersion < 7 && res.protocolName === null) return { ...res, protocolName: '' };
      return res;
    },
  });
}
