import { ErrorCode } from '../../common/index.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/index.js';
import type { ListOffsetsResponseListOffsetsPartitionResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * ListOffsets v0-v9: earliest (-2), latest (-1: the HW, or the last stable offset for
 * read_committed, or the log end for replicas), max timestamp (-3), earliest local (-4), latest
 * tiered (-5: none here, offset -1) and by timestamp (only offsets consumers may fetch). v0 answers
 * with old-style offset lists. A partition asked twice gets INVALID_REQUEST, as in Kafka.
 */
export function createListOffsetsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ListOffsetsRequest.apiKey,
    request: ListOffsetsRequest,
    response: ListOffsetsResponse,
    minVersion: 0,
    maxVersion: 9,
    handle(request, ctx) {
      const v = ctx.apiVersion;
      const seen = new Map<string, number>();
      for (const t of request.topics) for (const p of t.partitions) seen.set(`${t.name}\u0000${p.partitionIndex}`, (seen.get(`${t.name}\u0000${p.partitionIndex}`) ?? 0) + 1);
      const topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): ListOffsetsResponseListOffsetsPartitionResponse => {
          if ((seen.get(`${t.name}\u0000${p.partitionIndex}`) ?? 0) > 1) {
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.INVALID_REQUEST, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
          }
          const r = broker.replicaManager.listOffset({
            topic: t.name,
            partition: p.partitionIndex,
            timestamp: p.timestamp,
            currentLeaderEpoch: v >= 4 ? p.currentLeaderEpoch : -1,
            isolationLevel: v >= 2 ? request.isolationLevel : 0,
            replicaId: request.replicaId,
            apiVersion: v,
            maxNumOffsets: p.maxNumOffsets,
          });
          return { partitionIndex: p.partitionIndex, errorCode: r.errorCode, oldStyleOffsets: r.oldStyleOffsets, timestamp: r.timestamp, offset: r.offset, leaderEpoch: r.leaderEpoch };
        }),
      }));
      return ListOffsetsResponse.create({ throttleTimeMs: 0, topics });
    },
  });
}
