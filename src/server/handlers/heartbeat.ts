import type { GroupCoordinator } from '../../coordinator/index.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** Heartbeat v0-v4 of a classic group member. */
export function createHeartbeatHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: HeartbeatRequest.apiKey,
    request: HeartbeatRequest,
    response: HeartbeatResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      return HeartbeatResponse.create({ throttleTimeMs: 0, errorCode: groups.heartbeat(request) });
    },
  });
}
