import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** SyncGroup v0-v5; from v5 the protocol type and name are mandatory (else INCONSISTENT_GROUP_PROTOCOL, as Kafka). */
export function createSyncGroupHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: SyncGroupRequest.apiKey,
    request: SyncGroupRequest,
    response: SyncGroupResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(request, ctx) {
      if (ctx.apiVersion >= 5 && (request.protocolType === null || request.protocolName === null)) {
        return SyncGroupResponse.create({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null });
      }
      return groups.syncGroup(request);
    },
  });
}
