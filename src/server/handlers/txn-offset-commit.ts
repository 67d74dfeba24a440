import { ErrorCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/index.js';
import type { TxnOffsetCommitRequestTopic, TxnOffsetCommitResponseTopic } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

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
      const image = broker.image();
      const known: TxnOffsetCommitRequestTopic[] = [];
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
      const merge = (committed: readonly TxnOffsetCommitResponseTopic[]) => {
        for (const t of committed) for (const p of t.partitions) errors.set(key(t.name, p.partitionIndex), p.errorCode);
        const loadError = ctx.apiVersion < 2 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
        const topics = request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const errorCode = errors.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE;
            return { partitionIndex: p.partitionIndex, errorCode: errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? loadError : errorCode };
          }),
        }));
        return TxnOffsetCommitResponse.create({ throttleTimeMs: 0, topics });
      };
      if (known.length === 0) return merge([]);
      const outcome = groups.txnOffsetCommit({ ...request, topics: known }, ctx.apiVersion);
      return 'then' in outcome ? outcome.then((r) => merge(r.topics)) : merge(outcome.topics);
    },
  });
}
