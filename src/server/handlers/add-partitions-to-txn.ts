import { ErrorCode } from '../../common/index.js';
import { TopicPartitionSet } from '../../coordinator/index.js';
import type { TransactionCoordinator } from '../../coordinator/index.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/index.js';
import type {
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponseAddPartitionsToTxnResult,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { producerFencedForVersion } from './txn-support.js';

/** v4 batches transactions (from brokers, with verifyOnly); older versions carry one transaction at the top level. */
const BATCHED_MIN_VERSION = 4;
/** KIP-588: PRODUCER_FENCED from v2; older clients know it as INVALID_PRODUCER_EPOCH. */
const PRODUCER_FENCED_MIN_VERSION = 2;

interface Txn {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly verifyOnly: boolean;
  readonly topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

function topicResults(entries: Iterable<readonly [string, number, number]>): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  const byTopic = new Map<string, AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>();
  for (const [name, partitionIndex, partitionErrorCode] of entries) {
    let t = byTopic.get(name);
    if (t === undefined) byTopic.set(name, (t = { name, resultsByPartition: [] }));
    t.resultsByPartition.push({ partitionIndex, partitionErrorCode });
  }
  return [...byTopic.values()];
}

/**
 * AddPartitionsToTxn v0-5 (Kafka 3.9's handler). Every partition must exist (else the transaction
 * fails: UNKNOWN_TOPIC_OR_PARTITION for those, OPERATION_NOT_ATTEMPTED for the rest); then the
 * coordinator adds them (one error for all of a transaction's partitions) or, for a v4+
 * `verifyOnly` transaction, checks each is already in it. v4+ answers per transaction.
 */
export function createAddPartitionsToTxnHandler(broker: BrokerContext, txns: TransactionCoordinator) {
  return defineHandler({
    apiKey: AddPartitionsToTxnRequest.apiKey,
    request: AddPartitionsToTxnRequest,
    response: AddPartitionsToTxnResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(request, ctx) {
      const version = ctx.apiVersion;
      const transactions: readonly Txn[] =
        version < BATCHED_MIN_VERSION
          ? [
              {
                transactionalId: request.v3AndBelowTransactionalId,
                producerId: request.v3AndBelowProducerId,
                producerEpoch: request.v3AndBelowProducerEpoch,
                verifyOnly: false,
                topics: request.v3AndBelowTopics,
              },
            ]
          : request.transactions;
      const image = broker.image();
      const results = transactions.map((txn): AddPartitionsToTxnResponseAddPartitionsToTxnResult | Promise<AddPartitionsToTxnResponseAddPartitionsToTxnResult> => {
        const partitions = new TopicPartitionSet();
        for (const t of txn.topics) for (const p of t.partitions) partitions.add(t.name, p);
        const result = (entries: Iterable<readonly [string, number, number]>) => ({ transactionalId: txn.transactionalId, topicResults: topicResults(entries) });
        const all = (errorCode: number) => result([...partitions].map(([t, p]) => [t, p, errorCode] as const));
        const missing = [...partitions].filter(([t, p]) => image.topics.byName.get(t)?.partitions.has(p) !== true);
        if (missing.length > 0) {
          return result(
            [...partitions].map(([t, p]) => [t, p, missing.some(([mt, mp]) => mt === t && mp === p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED] as const),
          );
        }
        if (txn.verifyOnly) {
          const v = txns.verifyPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
          return 'errorCode' in v ? all(v.errorCode) : result(v.perPartition);
        }
        const finish = (errorCode: number) => all(producerFencedForVersion(errorCode, version, PRODUCER_FENCED_MIN_VERSION));
        const r = txns.addPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
        return r instanceof Promise ? r.then(finish) : finish(r);
      });
      const respond = (done: AddPartitionsToTxnResponseAddPartitionsToTxnResult[]): AddPartitionsToTxnResponse =>
        version < BATCHED_MIN_VERSION
          ? AddPartitionsToTxnResponse.create({ throttleTimeMs: 0, resultsByTopicV3AndBelow: done[0]?.topicResults ?? [] })
          : AddPartitionsToTxnResponse.create({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: done });
      return results.some((r) => r instanceof Promise) ? Promise.all(results).then(respond) : respond(results as AddPartitionsToTxnResponseAddPartitionsToTxnResult[]);
    },
  });
}
