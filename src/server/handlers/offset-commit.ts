import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/index.js';
import type { OffsetCommitRequestTopic, OffsetCommitResponseTopic } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * OffsetCommit v0-v9. Partitions of topics the metadata image does not know answer
 * UNKNOWN_TOPIC_OR_PARTITION (as KafkaApis does before asking the coordinator); the rest are
 * committed by the group coordinator, which answers once the records are written.
 */
export function createOffsetCommitHandler(broker: BrokerContext, groups: GroupCoordinator) {
  return defineHandler({
    apiKey: OffsetCommitRequest.apiKey,
    request: OffsetCommitRequest,
    response: OffsetCommitResponse,
    minVersion: 0,
    maxVersion: 9,
    handle(request, ctx) {
      const image = broker.image();
      const known: OffsetCommitRequestTopic[] = [];
      const errors = new Map<string, number>();
      const key = (topic: string, partition: number) => `${partition}:${topic}`;
      for (const t of request.topics) {
        const topic = image.topics.byName.get(t.name);
        const valid = t.partitions.filter((p) => {
          const ok = topic?.partitions.has(p.partitionIndex) === true;
          if (!ok) errors.set(key(t.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          return ok;
        });
        if (valid.length > 0) known.push({ ...t, partitions: valid });
      }
      const merge = (committed: readonly OffsetCommitResponseTopic[]) => {
        for (const t of committed) for (const p of t.partitions) errors.set(key(t.name, p.partitionIndex), p.errorCode);
        const topics = request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE })),
        }));
        return OffsetCommitResponse.create({ throttleTimeMs: 0, topics });
      };
      if (known.length === 0) return merge([]);
      const outcome = groups.commitOffsets({ ...request, topics: known }, ctx.apiVersion);
      return Array.isArray(outcome) ? merge(outcome) : outcome.then(merge);
    },
  });
}
