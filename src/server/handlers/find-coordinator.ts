import { ErrorCode, errorByCode } from '../../common/index.js';
import { partitionFor } from '../../coordinator/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/index.js';
import type { FindCoordinatorResponseCoordinator } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { GROUP_METADATA_TOPIC, TRANSACTION_STATE_TOPIC, brokerNode, controllerContext, internalTopicSettings } from './admin-support.js';

export const KEY_TYPE_GROUP = 0;
export const KEY_TYPE_TRANSACTION = 1;

/**
 * FindCoordinator v0-v6 (batched keys from v4). A group's coordinator is the leader of its
 * __consumer_offsets partition, a transactional id's the leader of its __transaction_state
 * partition (abs(hash(key)) % the topic's configured partitions). While the topic does not exist it
 * is created (as Kafka's AutoTopicCreationManager does) and the answer is
 * COORDINATOR_NOT_AVAILABLE, which clients retry. Unknown key types: INVALID_REQUEST.
 */
export function createFindCoordinatorHandler(broker: BrokerContext, groups: GroupCoordinator) {
  const creating = new Map<string, Promise<void>>();

  const ensureTopic = (name: string, numPartitions: number): void => {
    if (creating.has(name)) return;
    const config = broker.config();
    const internal = internalTopicSettings(name, config)!;
    // Kafka would refuse (and keep answering COORDINATOR_NOT_AVAILABLE) when fewer brokers are alive
    // than the topic's replication factor; a small cluster gets all of its brokers instead.
    const alive = Math.max(1, [...broker.image().brokers.values()].filter((b) => !b.fenced).length);
    const replicationFactor = Math.min(internal.replicationFactor, alive);
    // With fewer replicas than configured, min.insync.replicas is capped to them, or no write would
    // ever succeed (transaction.state.log.min.isr defaults to 2).
    const configs = internal.configs.map(([n, value]) => ({
      name: n,
      value: n === 'min.insync.replicas' ? String(Math.min(Number(value), replicationFactor)) : value,
    }));
    const topic = createCreateTopicsRequestCreatableTopic({ name, numPartitions, replicationFactor, assignments: [], configs });
    const timeoutMs = config.get('request.timeout.ms');
    const done = broker.controller
      .createTopics(controllerContext(broker, timeoutMs, 7), createCreateTopicsRequest({ topics: [topic], timeoutMs, validateOnly: false }))
      .then(
        (res) => {
          const r = res.topics[0];
          if (r !== undefined && r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
            broker.logger.warn(`creating ${name} failed`, { errorCode: r.errorCode, errorMessage: r.errorMessage });
          }
        },
        (err) => broker.logger.error(`creating ${name} failed`, { error: String(err) }),
      )
      .finally(() => creating.delete(name));
    creating.set(name, done);
  };

  const lookup = (key: string, keyType: number, listenerName: string): Omit<FindCoordinatorResponseCoordinator, 'key'> => {
    const fail = (errorCode: number) => ({ nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorByCode(errorCode)?.message ?? null });
    let topicName: string;
    let numPartitions: number;
    if (keyType === KEY_TYPE_GROUP) {
      topicName = GROUP_METADATA_TOPIC;
      numPartitions = groups.config.numPartitions;
    } else if (keyType === KEY_TYPE_TRANSACTION) {
      topicName = TRANSACTION_STATE_TOPIC;
      numPartitions = broker.config().get('transaction.state.log.num.partitions');
    } else {
      return fail(ErrorCode.INVALID_REQUEST);
    }
    const image = broker.image();
    const topic = image.topics.byName.get(topicName);
    if (topic === undefined) {
      ensureTopic(topicName, numPartitions);
      return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const reg = topic.partitions.get(partitionFor(key, numPartitions));
    if (reg === undefined || reg.leader < 0) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const leader = image.brokers.get(reg.leader);
    const node = leader === undefined || leader.fenced ? undefined : brokerNode(leader, listenerName);
    if (node === undefined) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return { nodeId: node.id, host: node.host, port: node.port, errorCode: ErrorCode.NONE, errorMessage: null };
  };

  return defineHandler({
    apiKey: FindCoordinatorRequest.apiKey,
    request: FindCoordinatorRequest,
    response: FindCoordinatorResponse,
    minVersion: 0,
    maxVersion: 6,
    handle(request, ctx) {
      const listener = ctx.connection.listenerName;
      if (ctx.apiVersion >= 4) {
        const coordinators = request.coordinatorKeys.map((key) => ({ key, ...lookup(key, request.keyType, listener) }));
        return FindCoordinatorResponse.create({ throttleTimeMs: 0, coordinators });
      }
      const r = lookup(request.key, ctx.apiVersion === 0 ? KEY_TYPE_GROUP : request.keyType, listener);
      return FindCoordinatorResponse.create({ throttleTimeMs: 0, ...r });
    },
  });
}
