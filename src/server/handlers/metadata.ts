import { ErrorCode, ZERO_UUID, isValidTopicName } from '../../common/index.js';
import type { MetadataImage } from '../../metadata/index.js';
import {
  MetadataRequest,
  MetadataResponse,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  type MetadataResponsePartition,
  type MetadataResponseTopic,
} from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler, type RequestContext } from '../handler.js';
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  CLUSTER_AUTHORIZED_OPERATIONS,
  TOPIC_AUTHORIZED_OPERATIONS,
  aliveBrokerNodes,
  controllerContext,
  internalTopicSettings,
  isInternalTopic,
  partitionView,
  reportedControllerId,
  sortedPartitions,
} from './admin-support.js';

/** CreateTopics API version the auto-creation speaks to the controller (validations as the latest). */
const AUTO_CREATE_VERSION = 7;

/**
 * Metadata v0-12 (Kafka's KafkaApis.handleTopicMetadataRequest over the KRaft metadata cache).
 * Topics: null (v1+) or empty in v0 means all; v12 may name topics by id. Missing topics are
 * auto-created when the request allows it (always before v4) and auto.create.topics.enable is on.
 *
 * Deviation: Kafka answers LEADER_NOT_AVAILABLE at once and creates in the background; here the
 * answer waits for the controller (which resolves once the image holds the topic), so the first
 * answer already has the topic. A creation the controller refuses is answered LEADER_NOT_AVAILABLE,
 * as Kafka's clients would see it.
 */
export function createMetadataHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: MetadataRequest.apiKey,
    request: MetadataRequest,
    response: MetadataResponse,
    minVersion: 0,
    maxVersion: 12,
    handle(request, ctx) {
      const version = ctx.apiVersion;
      const allTopics = request.topics === null || (version === 0 && request.topics.length === 0);
      if (!allTopics && request.topics !== null) {
        for (const t of request.topics) {
          // Kafka: InvalidRequestException for the whole request.
          if (version < 12 && (t.name === null || t.topicId !== ZERO_UUID)) return invalidRequest(request);
        }
      }
      const image = broker.image();
      const requestedIds = allTopics ? [] : (request.topics ?? []).map((t) => t.topicId).filter((id) => id !== ZERO_UUID);
      const useTopicIds = requestedIds.length > 0;
      const unknownIdTopics: MetadataResponseTopic[] = [];
      let names: string[];
      if (allTopics) {
        names = [...image.topics.byName.keys()].sort();
      } else if (useTopicIds) {
        const found = new Set<string>();
        for (const id of new Set(requestedIds)) {
          const topic = image.topics.byId.get(id);
          if (topic === undefined) unknownIdTopics.push(errorTopic(ErrorCode.UNKNOWN_TOPIC_ID, null, id));
          else found.add(topic.name);
        }
        names = [...found];
      } else {
        // A v12 entry with neither name nor id names nothing Kafka could look up.
        names = [...new Set((request.topics ?? []).map((t) => t.name ?? ''))];
      }
      const autoCreate =
        !allTopics && request.allowAutoTopicCreation && broker.config().get('auto.create.topics.enable') === true;
      const toCreate = autoCreate ? names.filter((n) => !image.topics.byName.has(n) && isValidTopicName(n)) : [];
      if (toCreate.length === 0) return respond(broker, ctx, request, image, names, unknownIdTopics, new Set());
      // Start the creation now, in request order; answer from the image the controller published.
      return createTopics(broker, toCreate).then((failed) =>
        respond(broker, ctx, request, broker.image(), names, unknownIdTopics, failed),
      );
    },
  });
}

/** Creates the topics; resolves to the names that could not be created. */
async function createTopics(broker: BrokerContext, names: readonly string[]): Promise<Set<string>> {
  const config = broker.config();
  const topics = names.map((name) => {
    const internal = internalTopicSettings(name, config);
    return createCreateTopicsRequestCreatableTopic({
      name,
      numPartitions: internal?.numPartitions ?? config.get('num.partitions'),
      replicationFactor: internal?.replicationFactor ?? config.get('default.replication.factor'),
      assignments: [],
      configs: (internal?.configs ?? []).map(([n, value]) => ({ name: n, value })),
    });
  });
  const timeoutMs = config.get('request.timeout.ms');
  const ctx = controllerContext(broker, timeoutMs, AUTO_CREATE_VERSION);
  const result = await broker.controller.createTopics(ctx, createCreateTopicsRequest({ topics, timeoutMs, validateOnly: false }));
  const failed = new Set<string>();
  for (const t of result.topics) {
    if (t.errorCode === ErrorCode.NONE || t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) continue;
    failed.add(t.name);
    broker.logger.warn('auto-creation of a topic failed', { topic: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage });
  }
  return failed;
}

function respond(
  broker: BrokerContext,
  ctx: RequestContext,
  request: MetadataRequest,
  image: MetadataImage,
  names: readonly string[],
  unknownIdTopics: MetadataResponseTopic[],
  failedCreations: ReadonlySet<string>,
): MetadataResponse {
  const version = ctx.apiVersion;
  const listener = ctx.connection.listenerName;
  const topics: MetadataResponseTopic[] = [...unknownIdTopics];
  for (const name of names) {
    const topic = image.topics.byName.get(name);
    if (topic === undefined) {
      const valid = isValidTopicName(name);
      let errorCode: number = valid ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
      if (valid && failedCreations.has(name)) errorCode = ErrorCode.LEADER_NOT_AVAILABLE;
      topics.push(errorTopic(errorCode, name, ZERO_UUID));
      continue;
    }
    const partitions: MetadataResponsePartition[] = sortedPartitions(topic.partitions).map(([index, p]) => ({
      partitionIndex: index,
      ...partitionView(image, p, listener, version === 0, version >= 6),
    }));
    topics.push({
      errorCode: ErrorCode.NONE,
      name,
      topicId: topic.topicId,
      isInternal: isInternalTopic(name),
      partitions,
      topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    });
  }
  if (version >= 8 && request.includeTopicAuthorizedOperations) {
    for (const t of topics) if (t.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID) t.topicAuthorizedOperations = TOPIC_AUTHORIZED_OPERATIONS;
  }
  const clusterOps =
    version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
  return MetadataResponse.create({
    throttleTimeMs: 0,
    brokers: aliveBrokerNodes(image, listener).map((n) => ({ nodeId: n.id, host: n.host, port: n.port, rack: n.rack })),
    clusterId: broker.clusterId,
    controllerId: reportedControllerId(image, broker.nodeId),
    topics,
    clusterAuthorizedOperations: clusterOps,
  });
}

function errorTopic(errorCode: number, name: string | null, topicId: string): MetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: name !== null && isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** Kafka's MetadataRequest.getErrorResponse: every named topic with the error, no brokers. */
function invalidRequest(request: MetadataRequest): MetadataResponse {
  return MetadataResponse.create({
    topics: (request.topics ?? []).map((t) => ({
      ...errorTopic(ErrorCode.INVALID_REQUEST, t.name ?? '', t.topicId),
      isInternal: false,
    })),
  });
}
