import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * DeleteRecords v0-v2: moves each partition's log start offset up to the given offset (-1: the high
 * watermark); beyond the HW → OFFSET_OUT_OF_RANGE; a compact-only topic → POLICY_VIOLATION. With
 * one replica the new low watermark is known at once (followers' low watermarks come with replication).
 */
export function createDeleteRecordsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DeleteRecordsRequest.apiKey,
    request: DeleteRecordsRequest,
    response: DeleteRecordsResponse,
    minVersion: 0,
    maxVersion: 2,
    handle(request) {
      const topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const r = broker.replicaManager.deleteRecords(t.name, p.partitionIndex, p.offset);
          return { partitionIndex: p.partitionIndex, lowWatermark: r.lowWatermark, errorCode: r.errorCode };
        }),
      }));
      return DeleteRecordsResponse.create({ throttleTimeMs: 0, topics });
    },
  });
}
