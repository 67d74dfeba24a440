import { ErrorCode, errorByCode } from '../../common/index.js';
import { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * DescribeProducers v0: the active producers of each partition this broker leads (id, epoch, last
 * sequence and timestamp, coordinator epoch, open transaction's first offset or -1), as Kafka's
 * activeProducerState; a partition it does not lead carries the error with Kafka's default message.
 */
export function createDescribeProducersHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DescribeProducersRequest.apiKey,
    request: DescribeProducersRequest,
    response: DescribeProducersResponse,
    minVersion: 0,
    maxVersion: 0,
    handle(request) {
      const topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const r = broker.replicaManager.describeProducers(t.name, partitionIndex);
          return {
            partitionIndex,
            errorCode: r.errorCode,
            errorMessage: r.errorCode === ErrorCode.NONE ? null : (errorByCode(r.errorCode)?.message ?? null),
            activeProducers: r.producers.map((p) => ({ ...p })),
          };
        }),
      }));
      return DescribeProducersResponse.create({ throttleTimeMs: 0, topics });
    },
  });
}
