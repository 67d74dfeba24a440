import { ErrorCode } from '../../common/index.js';
import { ATTR_TRANSACTIONAL, CURRENT_MAGIC, ProduceRequest, ProduceResponse } from '../../protocol/index.js';
import type {
  ProduceResponseLeaderIdAndEpoch,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from '../../protocol/index.js';
import type { ProduceEntry, ProducePartitionResult, ReplicaManager } from '../../replication/index.js';
import type { BrokerContext } from '../broker-context.js';
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler } from '../handler.js';

/**
 * Produce v0-v11. Every partition is appended synchronously inside handle() (requests on a
 * connection are pipelined: appends keep their order). The answer waits for the flush policy's
 * fdatasync and, with acks=-1, for the high watermark, bounded by timeout_ms. acks=0 gets no
 * answer, and a failed acks=0 produce closes the connection as in Kafka. Record formats v0/v1
 * (Produce v0-v2) are refused by content (UNSUPPORTED_FOR_MESSAGE_FORMAT): v0-v2 are advertised
 * because librdkafka enables compression only when they are. Transactional records without a
 * transactional id fail as a whole with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as in Kafka.
 */
export function createProduceHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ProduceRequest.apiKey,
    request: ProduceRequest,
    response: ProduceResponse,
    minVersion: 0,
    maxVersion: 11,
    expectsResponse: (request) => request.acks !== 0,
    handle(request, ctx) {
      let count = 0;
      for (const t of request.topicData) count += t.partitionData.length;
      // Arrays sized up front here and below: a push onto [] allocates room for 16 elements.
      const entries = new Array<ProduceEntry>(count);
      let transactional = false;
      let i = 0;
      for (const t of request.topicData) {
        for (const p of t.partitionData) {
          entries[i++] = { topic: t.name, partition: p.index, records: p.records };
          if (request.transactionalId === null && startsTransactional(p.records)) transactional = true;
        }
      }
      if (transactional) {
        // Kafka: transactional records need a transactional id (its authorization fails without one).
        if (request.acks === 0) return CLOSE_CONNECTION;
        return ProduceResponse.create({
          throttleTimeMs: 0,
          responses: request.topicData.map((t) => ({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)),
          })),
        });
      }
      const rm = broker.replicaManager;
      const outcome = rm.appendRecords({ acks: request.acks, timeoutMs: request.timeoutMs, apiVersion: ctx.apiVersion, entries });
      if (request.acks === 0) {
        const failed = outcome.results.find((r) => r.errorCode !== ErrorCode.NONE);
        if (failed === undefined) return NO_RESPONSE;
        broker.logger.info('closing the connection after a failed acks=0 produce', {
          connection: ctx.connection.id,
          partition: `${failed.topic}-${failed.partition}`,
          errorCode: failed.errorCode,
        });
        return CLOSE_CONNECTION;
      }
      // Answered at once unless the append waits for an fdatasync or for replication.
      if (outcome.done === null) return buildResponse(request, outcome.results, rm, ctx.apiVersion, ctx.connection.listenerName);
      return outcome.done.then(() => buildResponse(request, outcome.results, rm, ctx.apiVersion, ctx.connection.listenerName));
    },
  });
}

/**
 * The response, built directly in its encoded shape: results come in request order, one per
 * partition. Written for the hot path (one produce per record at high rates): no intermediate
 * objects, and the KIP-951 leader lookups only for partitions that answer NOT_LEADER_OR_FOLLOWER.
 */
function buildResponse(
  request: ProduceRequest,
  results: readonly ProducePartitionResult[],
  rm: ReplicaManager,
  apiVersion: number,
  listenerName: string,
): ProduceResponse {
  let leaders: Set<number> | undefined;
  const responses = new Array<ProduceResponseTopicProduceResponse>(request.topicData.length);
  let i = 0;
  for (let j = 0; j < request.topicData.length; j++) {
    const t = request.topicData[j]!;
    const partitionResponses = new Array<ProduceResponsePartitionProduceResponse>(t.partitionData.length);
    for (let k = 0; k < t.partitionData.length; k++) {
      const r = results[i++]!;
      let currentLeader = NO_LEADER;
      if (r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
        const hint = rm.leaderHint(r.topic, r.partition);
        if (hint.leaderId >= 0) {
          currentLeader = { leaderId: hint.leaderId, leaderEpoch: hint.leaderEpoch };
          (leaders ??= new Set()).add(hint.leaderId);
        }
      }
      partitionResponses[k] = {
        index: r.partition,
        errorCode: r.errorCode,
        baseOffset: r.baseOffset,
        logAppendTimeMs: r.logAppendTimeMs,
        logStartOffset: r.logStartOffset,
        recordErrors: r.recordErrors.length === 0 ? [] : r.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
        errorMessage: r.errorMessage,
        currentLeader,
      };
    }
    responses[j] = { name: t.name, partitionResponses };
  }
  const nodeEndpoints = apiVersion >= 10 && leaders !== undefined ? rm.nodeEndpoints(leaders, listenerName) : [];
  return { responses, throttleTimeMs: 0, nodeEndpoints };
}

/** currentLeader of a partition that names no new leader; shared, the encoder only reads it. */
const NO_LEADER: ProduceResponseLeaderIdAndEpoch = Object.freeze({ leaderId: -1, leaderEpoch: -1 });

/** Offsets of a v2 batch header's magic and attributes (Kafka's hasTransactionalRecords looks at the first batch). */
const ATTRIBUTES_AT = 21;
const MAGIC_AT = 16;

function startsTransactional(records: Buffer | null): boolean {
  return records !== null && records.length > ATTRIBUTES_AT + 1 && records[MAGIC_AT] === CURRENT_MAGIC && (records.readInt16BE(ATTRIBUTES_AT) & ATTR_TRANSACTIONAL) !== 0;
}

function failed(index: number, errorCode: number): ProduceResponsePartitionProduceResponse {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}
