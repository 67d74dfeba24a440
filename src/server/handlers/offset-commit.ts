import type { GroupCoordinator } from '../../coordinator/index.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/index.js';
import type { OffsetCommitResponseTopic } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { CommitPartitionErrors } from './offset-commit-support.js';

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
      const errors = new CommitPartitionErrors();
      const known = errors.knownOnly(broker.image(), request.topics);
      const merge = (committed: readonly OffsetCommitResponseTopic[]) => {
        errors.record(committed);
        return OffsetCommitResponse.create({ throttleTimeMs: 0, topics: errors.responseTopics(request.topics) });
      };
      if (known.length === 0) return merge([]);
      const outcome = groups.commitOffsets({ ...request, topics: known }, ctx.apiVersion);
      return Array.isArray(outcome) ? merge(outcome) : outcome.then(merge);
    },
  });
}
