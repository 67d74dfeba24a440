import { ErrorCode } from '../../common/index.js';
import { FetchRequest, FetchResponse, ZERO_UUID } from '../../protocol/index.js';
import type { FetchResponseFetchableTopicResponse, FetchResponsePartitionData } from '../../protocol/index.js';
import type { FetchPartitionResult, FetchPartitionSpec } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

const NO_DIVERGENCE = Object.freeze({ epoch: -1, endOffset: -1 });
const NO_SNAPSHOT = Object.freeze({ endOffset: -1, epoch: -1 });
const INT32_MAX = 0x7fffffff;

/**
 * Fetch v0-v17. Sessions (KIP-227, v7+), topic ids (v13+: an unknown id answers UNKNOWN_TOPIC_ID),
 * leader epoch fencing (v9+), diverging epochs (v12+), replica state (v15+), leader hints with node
 * endpoints (v16+). Record formats v0/v1 are never stored, so v0-v3 get v2 batches like everyone.
 * Session state changes synchronously in handle(); the response is built when the long poll ends.
 */
export function createFetchHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: FetchRequest.apiKey,
    request: FetchRequest,
    response: FetchResponse,
    minVersion: 0,
    maxVersion: 17,
    async handle(request, ctx) {
      const v = ctx.apiVersion;
      const rm = broker.replicaManager;
      const usesTopicIds = v >= 13;
      const replicaId = v >= 15 ? request.replicaState.replicaId : request.replicaId;
      const specs: FetchPartitionSpec[] = [];
      const unknownIds: Array<{ topicId: string; partition: number }> = [];
      for (const t of request.topics) {
        const name = usesTopicIds ? rm.topicName(t.topicId) : t.topic;
        const topicId = usesTopicIds ? t.topicId : (rm.topicId(t.topic) ?? ZERO_UUID);
        for (const p of t.partitions) {
          if (name === undefined) {
            unknownIds.push({ topicId: t.topicId, partition: p.partition });
            continue;
          }
          specs.push({
            topic: name,
            topicId,
            partition: p.partition,
            fetchOffset: p.fetchOffset,
            logStartOffset: p.logStartOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
            lastFetchedEpoch: v >= 12 ? p.lastFetchedEpoch : -1,
          });
        }
      }
      const forgotten: Array<{ topic: string; topicId: string; partition: number }> = [];
      if (v >= 7) {
        for (const f of request.forgottenTopicsData) {
          for (const partition of f.partitions) forgotten.push({ topic: f.topic, topicId: f.topicId, partition });
        }
      }
      const fetchContext = rm.fetchSessions.newContext({
        sessionId: v >= 7 ? request.sessionId : 0,
        sessionEpoch: v >= 7 ? request.sessionEpoch : -1,
        usesTopicIds,
        partitions: specs,
        forgotten,
      });
      if (fetchContext.kind === 'error') {
        return FetchResponse.create({ throttleTimeMs: 0, errorCode: fetchContext.errorCode, sessionId: 0, responses: [] });
      }
      const fetchMaxBytes = replicaId >= 0 ? INT32_MAX : broker.config().get('fetch.max.bytes');
      const results = await rm.fetchMessages(
        {
          replicaId,
          maxWaitMs: request.maxWaitMs,
          minBytes: request.minBytes,
          maxBytes: v >= 3 ? Math.min(request.maxBytes, fetchMaxBytes) : INT32_MAX,
          isolationLevel: v >= 4 ? request.isolationLevel : 0,
          apiVersion: v,
        },
        fetchContext.partitions,
      );
      const include = fetchContext.select(
        results.map((r) => ({
          errorCode: r.errorCode,
          highWatermark: r.highWatermark,
          lastStableOffset: r.lastStableOffset,
          logStartOffset: r.logStartOffset,
          recordsBytes: r.records.length,
          diverging: r.divergingEpoch !== null,
        })),
      );
      const leaders = new Set<number>();
      const responses: FetchResponseFetchableTopicResponse[] = [];
      const add = (topic: string, topicId: string, data: FetchResponsePartitionData): void => {
        const last = responses.at(-1);
        if (last !== undefined && last.topic === topic && last.topicId === topicId) last.partitions.push(data);
        else responses.push({ topic, topicId, partitions: [data] });
      };
      fetchContext.partitions.forEach((spec, i) => {
        if (!include[i]) return;
        const r = results[i]!;
        add(spec.topic, spec.topicId, partitionData(spec.partition, r, leaders));
      });
      for (const u of unknownIds) add('', u.topicId, errorData(u.partition, ErrorCode.UNKNOWN_TOPIC_ID));
      const nodeEndpoints = v >= 16 ? rm.nodeEndpoints(leaders, ctx.connection.listenerName) : [];
      return FetchResponse.create({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: fetchContext.sessionId, responses, nodeEndpoints });
    },
  });
}

function partitionData(partition: number, r: FetchPartitionResult, leaders: Set<number>): FetchResponsePartitionData {
  const hintLeader = (r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || r.errorCode === ErrorCode.FENCED_LEADER_EPOCH) && r.currentLeader.leaderId >= 0;
  if (hintLeader) leaders.add(r.currentLeader.leaderId);
  return {
    partitionIndex: partition,
    errorCode: r.errorCode,
    highWatermark: r.highWatermark,
    lastStableOffset: r.lastStableOffset,
    logStartOffset: r.logStartOffset,
    divergingEpoch: r.divergingEpoch === null ? { ...NO_DIVERGENCE } : { epoch: r.divergingEpoch.epoch, endOffset: r.divergingEpoch.endOffset },
    currentLeader: hintLeader ? { leaderId: r.currentLeader.leaderId, leaderEpoch: r.currentLeader.leaderEpoch } : { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { ...NO_SNAPSHOT },
    abortedTransactions: r.abortedTransactions,
    preferredReadReplica: -1,
    records: r.records,
  };
}

function errorData(partition: number, errorCode: number): FetchResponsePartitionData {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { ...NO_DIVERGENCE },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { ...NO_SNAPSHOT },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: Buffer.alloc(0),
  };
}
