import { ErrorCode } from '../../common/index.js';
import { FetchRequest, FetchResponse, ZERO_UUID } from '../../protocol/index.js';
import type { FetchResponseFetchableTopicResponse, FetchResponsePartitionData } from '../../protocol/index.js';
import type { FetchPartitionResult, FetchPartitionSpec, FetchReadContext } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { RequestContext } from '../handler.js';

const INT32_MAX = 0x7fffffff;
const EMPTY_RECORDS = Buffer.alloc(0);

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
    handle(request, ctx) {
      const v = ctx.apiVersion;
      const rm = broker.replicaManager;
      const usesTopicIds = v >= 13;
      const replicaId = v >= 15 ? request.replicaState.replicaId : request.replicaId;
      let count = 0;
      for (const t of request.topics) count += t.partitions.length;
      // Sized up front (and trimmed below): growing from [] allocates room for 17.
      const specs = new Array<FetchPartitionSpec>(count);
      let known = 0;
      let unknownIds: UnknownTopicId[] | undefined;
      for (const t of request.topics) {
        const name = usesTopicIds ? rm.topicName(t.topicId) : t.topic;
        const topicId = usesTopicIds ? t.topicId : (rm.topicId(t.topic) ?? ZERO_UUID);
        for (const p of t.partitions) {
          if (name === undefined) {
            unknownIds = append(unknownIds, { topicId: t.topicId, partition: p.partition });
            continue;
          }
          specs[known++] = {
            topic: name,
            topicId,
            partition: p.partition,
            fetchOffset: p.fetchOffset,
            logStartOffset: p.logStartOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
            lastFetchedEpoch: v >= 12 ? p.lastFetchedEpoch : -1,
          };
        }
      }
      specs.length = known;
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
      const params = {
        replicaId,
        maxWaitMs: request.maxWaitMs,
        minBytes: request.minBytes,
        maxBytes: v >= 3 ? Math.min(request.maxBytes, fetchMaxBytes) : INT32_MAX,
        isolationLevel: v >= 4 ? request.isolationLevel : 0,
        apiVersion: v,
      };
      // Answered at once (a plain response) or when the long poll ends (a promise of one).
      return rm.fetchMessages(params, fetchContext.partitions, (results) => fetchResponse(fetchContext, results, unknownIds, rm, ctx));
    },
  });
}

interface UnknownTopicId {
  topicId: string;
  partition: number;
}

/** `list` with `item` appended (created on first use: most fetches name no unknown topic id, or one topic). */
function append<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

/** The response to a fetch, once read: the partitions the fetch context lists, grouped by topic in order. */
function fetchResponse(
  fetchContext: FetchReadContext,
  results: readonly FetchPartitionResult[],
  unknownIds: readonly UnknownTopicId[] | undefined,
  rm: BrokerContext['replicaManager'],
  ctx: RequestContext,
): FetchResponse {
  let leaders: Set<number> | undefined;
  let responses: FetchResponseFetchableTopicResponse[] | undefined;
  let last: FetchResponseFetchableTopicResponse | undefined;
  const specs = fetchContext.partitions;
  for (let i = 0; i < specs.length; i++) {
    const r = results[i]!;
    if (!fetchContext.listed(i, r)) continue;
    const spec = specs[i]!;
    const hintLeader = (r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || r.errorCode === ErrorCode.FENCED_LEADER_EPOCH) && r.currentLeader.leaderId >= 0;
    if (hintLeader) (leaders ??= new Set()).add(r.currentLeader.leaderId);
    const data = partitionData(spec.partition, r, hintLeader);
    if (last !== undefined && last.topic === spec.topic && last.topicId === spec.topicId) last.partitions.push(data);
    else responses = append(responses, (last = { topic: spec.topic, topicId: spec.topicId, partitions: [data] }));
  }
  for (const u of unknownIds ?? []) {
    const data = errorData(u.partition, ErrorCode.UNKNOWN_TOPIC_ID);
    if (last !== undefined && last.topic === '' && last.topicId === u.topicId) last.partitions.push(data);
    else responses = append(responses, (last = { topic: '', topicId: u.topicId, partitions: [data] }));
  }
  const nodeEndpoints = ctx.apiVersion >= 16 && leaders !== undefined ? rm.nodeEndpoints(leaders, ctx.connection.listenerName) : [];
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: fetchContext.sessionId, responses: responses ?? [], nodeEndpoints };
}

/*
 * The nested structs a partition usually answers with are shared, frozen constants: the encoder
 * only reads them, and fresh copies were three objects per partition per fetch.
 */
const NO_DIVERGENCE = Object.freeze({ epoch: -1, endOffset: -1 });
const NO_SNAPSHOT = Object.freeze({ endOffset: -1, epoch: -1 });
const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 });

function partitionData(partition: number, r: FetchPartitionResult, hintLeader: boolean): FetchResponsePartitionData {
  return {
    partitionIndex: partition,
    errorCode: r.errorCode,
    highWatermark: r.highWatermark,
    lastStableOffset: r.lastStableOffset,
    logStartOffset: r.logStartOffset,
    divergingEpoch: r.divergingEpoch === null ? NO_DIVERGENCE : { epoch: r.divergingEpoch.epoch, endOffset: r.divergingEpoch.endOffset },
    currentLeader: hintLeader ? { leaderId: r.currentLeader.leaderId, leaderEpoch: r.currentLeader.leaderEpoch } : NO_LEADER,
    snapshotId: NO_SNAPSHOT,
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
    divergingEpoch: NO_DIVERGENCE,
    currentLeader: NO_LEADER,
    snapshotId: NO_SNAPSHOT,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY_RECORDS,
  };
}
