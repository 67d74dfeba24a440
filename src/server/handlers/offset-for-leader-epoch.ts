import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/index.js';
import { DEBUGGING_REPLICA_ID } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * OffsetForLeaderEpoch v0-v4: the end offset of a leader epoch (the start of the next epoch, or
 * the log end for the current one), with the largest epoch at or below the one asked; (-1, -1) when
 * unknown. Before v3 the request names no replica and Kafka reads it as the debugging id (any replica).
 */
export function createOffsetForLeaderEpochHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: OffsetForLeaderEpochRequest.apiKey,
    request: OffsetForLeaderEpochRequest,
    response: OffsetForLeaderEpochResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request, ctx) {
      const v = ctx.apiVersion;
      const replicaId = v >= 3 ? request.replicaId : DEBUGGING_REPLICA_ID;
      const topics = request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const r = broker.replicaManager.lastOffsetForLeaderEpoch(t.topic, p.partition, v >= 2 ? p.currentLeaderEpoch : -1, p.leaderEpoch, replicaId);
          return { errorCode: r.errorCode, partition: p.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
        }),
      }));
      return OffsetForLeaderEpochResponse.create({ throttleTimeMs: 0, topics });
    },
  });
}
