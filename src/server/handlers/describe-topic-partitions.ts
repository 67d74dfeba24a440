import { ErrorCode, ZERO_UUID, isValidTopicName } from '../../common/index.js';
import {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseCursor,
  type DescribeTopicPartitionsResponsePartition,
  type DescribeTopicPartitionsResponseTopic,
} from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED, TOPIC_AUTHORIZED_OPERATIONS, isInternalTopic, partitionView } from './admin-support.js';

/**
 * DescribeTopicPartitions v0 (KIP-966; Kafka's DescribeTopicPartitionsRequestHandler over the
 * KRaft metadata cache). Topics in name order from the cursor on (all topics when none are
 * named), at most min(response_partition_limit, max.request.partition.size.limit) partitions (at
 * least 1); when the limit cuts a topic, next_cursor points at the first partition left out, or at
 * the next topic when the limit is reached exactly. Named topics that do not exist are reported
 * (UNKNOWN_TOPIC_OR_PARTITION / INVALID_TOPIC_EXCEPTION); a cursor topic missing from the named
 * topics, or a negative cursor partition, fails the whole request with INVALID_REQUEST.
 */
export function createDescribeTopicPartitionsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DescribeTopicPartitionsRequest.apiKey,
    request: DescribeTopicPartitionsRequest,
    response: DescribeTopicPartitionsResponse,
    minVersion: 0,
    maxVersion: 0,
    handle(request, ctx) {
      const image = broker.image();
      const cursor = request.cursor;
      const cursorName = cursor?.topicName ?? '';
      const fetchAll = request.topics.length === 0;
      const candidates = fetchAll ? [...image.topics.byName.keys()] : request.topics.map((t) => t.name);
      const names = [...new Set(candidates.filter((n) => n >= cursorName))].sort();
      if (cursor !== null && ((!fetchAll && !names.includes(cursor.topicName)) || cursor.partitionIndex < 0)) {
        return DescribeTopicPartitionsResponse.create({
          topics: request.topics.map((t) => ({ ...errorTopic(ErrorCode.INVALID_REQUEST, t.name), topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED })),
        });
      }
      const limit = Math.max(Math.min(broker.config().get('max.request.partition.size.limit'), request.responsePartitionLimit), 1);
      let remaining = limit;
      const topics: DescribeTopicPartitionsResponseTopic[] = [];
      let nextCursor: DescribeTopicPartitionsResponseCursor | null = null;
      for (const name of names) {
        if (remaining === 0) {
          nextCursor = { topicName: name, partitionIndex: 0 };
          break;
        }
        const topic = image.topics.byName.get(name);
        if (topic === undefined) {
          if (!fetchAll) topics.push(errorTopic(isValidTopicName(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION, name));
          continue;
        }
        const start = cursor !== null && name === cursorName ? cursor.partitionIndex : 0;
        const size = topic.partitions.size;
        const upper = Math.min(size, start + remaining);
        const partitions: DescribeTopicPartitionsResponsePartition[] = [];
        for (let id = start; id < upper; id++) {
          const p = topic.partitions.get(id);
          if (p === undefined) continue;
          const view = partitionView(image, p, ctx.connection.listenerName, false, false);
          partitions.push({
            errorCode: ErrorCode.NONE,
            partitionIndex: id,
            leaderId: view.leaderId,
            leaderEpoch: view.leaderEpoch,
            replicaNodes: view.replicaNodes,
            isrNodes: view.isrNodes,
            eligibleLeaderReplicas: [...p.eligibleLeaderReplicas],
            lastKnownElr: [...p.lastKnownElr],
            offlineReplicas: view.offlineReplicas,
          });
        }
        topics.push({ ...errorTopic(ErrorCode.NONE, name), topicId: topic.topicId, partitions });
        if (upper < size) {
          nextCursor = { topicName: name, partitionIndex: upper };
          break;
        }
        remaining -= partitions.length;
      }
      return DescribeTopicPartitionsResponse.create({ throttleTimeMs: 0, topics, nextCursor });
    },
  });
}

function errorTopic(errorCode: number, name: string): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode,
    name,
    topicId: ZERO_UUID,
    isInternal: isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: TOPIC_AUTHORIZED_OPERATIONS,
  };
}
