import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/index.js';
import type { TxnOffsetCommitResponseTopic } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { CommitPartitionErrors } from './offset-commit-support.js';

/**
 * TxnOffsetCommit v0-v4: a transactional producer commits a consumer group's offsets inside its
 * transaction (sendOffsetsToTransaction). Partitions of topics the metadata image does not know
 * answer UNKNOWN_TOPIC_OR_PARTITION, as KafkaApis does before asking the coordinator; the rest are
 * written by the group coordinator as a transactional batch of the producer, pending until the
 * transaction's marker. Before v2 COORDINATOR_LOAD_IN_PROGRESS is answered as
 * COORDINATOR_NOT_AVAILABLE (clients older than KAFKA-7296 did not expect it).
 */
export function createTxnOffsetCommitHandler(broker: BrokerContext, groups: GroupCoordinator) {
  return defineHandler({
    apiKey: TxnOffsetCommitRequest.apiKey,
    request: TxnOffsetCommitRequest,
    response: TxnOffsetCommitResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request, ctx) {
      const errors = new CommitPartitionErrors();
      const known = errors.knownOnly(broker.image(), request.topics);
      const merge = (committed: readonly TxnOffsetCommitResponseTopic[]) => {
        errors.record(committed);
        const loadError = ctx.apiVersion < 2 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
        const topics = errors.responseTopics(request.topics, (code) => (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? loadError : code));
        return TxnOffsetCommitResponse.create({ throttleTimeMs: 0, topics });
      };
      if (known.length === 0) return merge([]);
      const outcome = groups.txnOffsetCommit({ ...request, topics: known }, ctx.apiVersion);
      return 'then' in outcome ? outcome.then((r) => merge(r.topics)) : merge(outcome.topics);
    },
  });
}
