import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/**
 * OffsetFetch v0-v9: one group before v8 (all of its offsets when topics is null, v2+), several
 * from v8. Group-level errors: per partition in v0-v1, top-level from v2, per group from v8.
 * Offsets never committed are -1 with empty metadata. `require_stable` (v7+): partitions with
 * a pending transactional offset answer UNSTABLE_OFFSET_COMMIT until the transaction completes.
 */
export function createOffsetFetchHandler(groups: GroupCoordinator) {
  return defineHandler({
    apiKey: OffsetFetchRequest.apiKey,
    request: OffsetFetchRequest,
    response: OffsetFetchResponse,
    minVersion: 0,
    maxVersion: 9,
    handle(request, ctx) {
      const version = ctx.apiVersion;
      if (version >= 8) {
        const out = request.groups.map((g) => {
          const r = groups.fetchOffsets(g.groupId, g.topics, request.requireStable);
          return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
        });
        return OffsetFetchResponse.create({ throttleTimeMs: 0, groups: out });
      }
      const topics = version < 2 ? (request.topics ?? []) : request.topics;
      const r = groups.fetchOffsets(request.groupId, topics, request.requireStable);
      if (r.errorCode === ErrorCode.NONE) return OffsetFetchResponse.create({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: r.topics });
      if (version >= 2) return OffsetFetchResponse.create({ throttleTimeMs: 0, errorCode: r.errorCode, topics: [] });
      return OffsetFetchResponse.create({
        throttleTimeMs: 0,
        topics: (topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
        })),
      });
    },
  });
}
