import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/index.js';
import type { OffsetDeleteRequestTopic, OffsetDeleteResponseTopic } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * OffsetDelete v0: removes a group's committed offsets of topics it does not subscribe to
 * (GROUP_SUBSCRIBED_TO_TOPIC otherwise); partitions unknown to the metadata answer
 * UNKNOWN_TOPIC_OR_PARTITION; group-level errors (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP) are top-level.
 */
export function createOffsetDeleteHandler(broker: BrokerContext, groups: GroupCoordinator) {
  return defineHandler({
    apiKey: OffsetDeleteRequest.apiKey,
    request: OffsetDeleteRequest,
    response: OffsetDeleteResponse,
    minVersion: 0,
    maxVersion: 0,
    async handle(request) {
      const image = broker.image();
      const known: OffsetDeleteRequestTopic[] = [];
      const unknown: OffsetDeleteResponseTopic[] = [];
      for (const t of request.topics) {
        const topic = image.topics.byName.get(t.name);
        const ok = t.partitions.filter((p) => topic?.partitions.has(p.partitionIndex) === true);
        const bad = t.partitions.filter((p) => topic?.partitions.has(p.partitionIndex) !== true);
        if (ok.length > 0) known.push({ name: t.name, partitions: ok });
        if (bad.length > 0) unknown.push({ name: t.name, partitions: bad.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) });
      }
      const r = await groups.deleteOffsets(request.groupId, known);
      if (r.errorCode !== ErrorCode.NONE) return OffsetDeleteResponse.create({ errorCode: r.errorCode, throttleTimeMs: 0, topics: [] });
      const merged = new Map<string, OffsetDeleteResponseTopic>();
      for (const t of [...r.topics, ...unknown]) {
        const m = merged.get(t.name);
        if (m === undefined) merged.set(t.name, { name: t.name, partitions: [...t.partitions] });
        else m.partitions.push(...t.partitions);
      }
      return OffsetDeleteResponse.create({ errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: [...merged.values()] });
    },
  });
}
