import { ErrorCode } from '../../common/index.js';
import {
  DescribeQuorumRequest,
  DescribeQuorumResponse,
  type DescribeQuorumResponseNode,
  type DescribeQuorumResponseReplicaState,
} from '../../protocol/index.js';
import type { QuorumVoterState } from '../../raft/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { METADATA_TOPIC } from '../metadata-log-store.js';

/**
 * DescribeQuorum v0-2 (Kafka's KafkaRaftClient.handleDescribeQuorumRequest), from the raft
 * client's QuorumInfo. The request must name exactly __cluster_metadata partition 0 (else every
 * named partition gets UNKNOWN_TOPIC_OR_PARTITION); a node that is not the quorum leader answers
 * NOT_LEADER_OR_FOLLOWER. v2 adds the voters' directory ids and their controller endpoints, taken
 * from controller.quorum.voters (or this node's controller listeners when no voters are set).
 */
export function createDescribeQuorumHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DescribeQuorumRequest.apiKey,
    request: DescribeQuorumRequest,
    response: DescribeQuorumResponse,
    minVersion: 0,
    maxVersion: 2,
    handle(request, ctx) {
      const [topic] = request.topics;
      const valid =
        request.topics.length === 1 &&
        topic?.topicName === METADATA_TOPIC &&
        topic.partitions.length === 1 &&
        topic.partitions[0]?.partitionIndex === 0;
      if (!valid) {
        return DescribeQuorumResponse.create({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          topics: request.topics.map((t) => ({
            topicName: t.topicName,
            partitions: t.partitions.map((p) => partitionError(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)),
          })),
        });
      }
      if (broker.quorum.leaderAndEpoch().leaderId !== broker.nodeId) {
        return DescribeQuorumResponse.create({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          topics: [{ topicName: METADATA_TOPIC, partitions: [partitionError(0, ErrorCode.NOT_LEADER_OR_FOLLOWER)] }],
        });
      }
      const info = broker.quorum.quorumInfo();
      return DescribeQuorumResponse.create({
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: [
          {
            topicName: METADATA_TOPIC,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: ErrorCode.NONE,
                errorMessage: null,
                leaderId: info.leaderId,
                leaderEpoch: info.leaderEpoch,
                highWatermark: info.highWatermark,
                currentVoters: info.currentVoters.map(replicaState),
                observers: info.observers.map(replicaState),
              },
            ],
          },
        ],
        nodes: ctx.apiVersion >= 2 ? voterNodes(broker, info.currentVoters) : [],
      });
    },
  });
}

function partitionError(partitionIndex: number, errorCode: number) {
  return {
    partitionIndex,
    errorCode,
    errorMessage: null,
    leaderId: 0,
    leaderEpoch: 0,
    highWatermark: 0,
    currentVoters: [],
    observers: [],
  };
}

function replicaState(s: QuorumVoterState): DescribeQuorumResponseReplicaState {
  return {
    replicaId: s.replicaId,
    replicaDirectoryId: s.replicaDirectoryId,
    logEndOffset: s.logEndOffset,
    lastFetchTimestamp: s.lastFetchTimestamp,
    lastCaughtUpTimestamp: s.lastCaughtUpTimestamp,
  };
}

function voterNodes(broker: BrokerContext, voters: readonly QuorumVoterState[]): DescribeQuorumResponseNode[] {
  const config = broker.config();
  const listenerName = config.controllerListenerNames()[0] ?? 'CONTROLLER';
  const configured = new Map(config.quorumVoters().map((v) => [v.id, [{ name: listenerName, host: v.host, port: v.port }]]));
  const own = config.controllerListeners().map((e) => ({ name: e.listenerName, host: e.host, port: e.port }));
  return voters.map((v) => ({
    nodeId: v.replicaId,
    listeners: configured.get(v.replicaId) ?? (v.replicaId === broker.nodeId ? own : []),
  }));
}
