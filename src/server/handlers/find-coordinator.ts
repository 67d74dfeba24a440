import { ErrorCode, errorByCode } from '../../common/index.js';
import type { GroupCoordinator } from '../../coordinator/index.js';
import { createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/index.js';
import type { FindCoordinatorResponseCoordinator } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { GROUP_METADATA_TOPIC, brokerNode, controllerContext, internalTopicSettings } from './admin-support.js';

export const KEY_TYPE_GROUP = 0;
export const KEY_TYPE_TRANSACTION = 1;

/**
 * FindCoordinator v0-v6 (batched keys from v4). A group's coordinator is the leader of its
 * __consumer_offsets partition; while that topic does not exist it is created (as Kafka's
 * AutoTopicCreationManager does) and the answer is COORDINATOR_NOT_AVAILABLE, which clients retry.
 * Transaction coordinators do not exist yet: COORDINATOR_NOT_AVAILABLE. Unknown key types:
 * INVALID_REQUEST.
 */
export function createFindCoordinatorHandler(broker: BrokerContext, groups: GroupCoordinator) {
  let creating: Promise<void> | undefined;

  const ensureOffsetsTopic = (): void => {
    if (creating !== undefined) return;
    const config = broker.config();
    const internal = internalTopicSettings(GROUP_METADATA_TOPIC, config)!;
    // Kafka would refuse (and keep answering COORDINATOR_NOT_AVAILABLE) when fewer brokers are alive
    // than offsets.topic.replication.factor; a small cluster gets all of its brokers instead.
    const alive = Math.max(1, [...broker.image().brokers.values()].filter((b) => !b.fenced).length);
    const topic = createCreateTopicsRequestCreatableTopic({
      name: GROUP_METADATA_TOPIC,
      numPartitions: groups.config.numPartitions,
      replicationFactor: Math.min(internal.replicationFactor, alive),
      assignments: [],
      configs: internal.configs.map(([name, value]) => ({ name, value })),
    });
    const timeoutMs = config.get('request.timeout.ms');
    creating = broker.controller
      .createTopics(controllerContext(broker, timeoutMs, 7), createCreateTopicsRequest({ topics: [topic], timeoutMs, validateOnly: false }))
      .then(
        (res) => {
          const r = res.topics[0];
          if (r !== undefined && r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
            broker.logger.warn('creating __consumer_offsets failed', { errorCode: r.errorCode, errorMessage: r.errorMessage });
          }
        },
        (err) => broker.logger.error('creating __consumer_offsets failed', { error: String(err) }),
      )
      .finally(() => (creating = undefined));
  };

  const lookup = (key: string, keyType: number, listenerName: string): Omit<FindCoordinatorResponseCoordinator, 'key'> => {
    const fail = (errorCode: number) => ({ nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorByCode(errorCode)?.message ?? null });
    if (keyType === KEY_TYPE_TRANSACTION) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (keyType !== KEY_TYPE_GROUP) return fail(ErrorCode.INVALID_REQUEST);
    const image = broker.image();
    const topic = image.topics.byName.get(GROUP_METADATA_TOPIC);
    if (topic === undefined) {
      ensureOffsetsTopic();
      return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const reg = topic.partitions.get(groups.partitionFor(key));
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
