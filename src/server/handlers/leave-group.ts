import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/**
 * LeaveGroup v0-v5. Before v3 one member leaves by id and its outcome is the top-level error
 * (Kafka's LeaveGroupResponse folds the first member error into it); from v3 a batch of members
 * (by id, or by instance id with an unknown member id for administrative removal).
 */
export function createLeaveGroupHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: LeaveGroupRequest.apiKey,
    request: LeaveGroupRequest,
    response: LeaveGroupResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(request, ctx) {
      const members = ctx.apiVersion >= 3 ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
      const r = groups.leaveGroup(request.groupId, members);
      if (ctx.apiVersion >= 3) return LeaveGroupResponse.create({ throttleTimeMs: 0, errorCode: r.errorCode, members: r.members });
      const memberError = r.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      return LeaveGroupResponse.create({ throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError, members: [] });
    },
  });
}
