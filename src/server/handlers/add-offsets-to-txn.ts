import { TopicPartitionSet, partitionFor } from '../../coordinator/index.js';
import type { TransactionCoordinator } from '../../coordinator/index.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { producerFencedForVersion } from './txn-support.js';
import { GROUP_METADATA_TOPIC } from './admin-support.js';

/** KIP-588: PRODUCER_FENCED from v2; older clients know it as INVALID_PRODUCER_EPOCH. */
const PRODUCER_FENCED_MIN_VERSION = 2;

/**
 * AddOffsetsToTxn v0-4: adds the group's `__consumer_offsets` partition to the transaction (so its
 * marker settles the TxnOffsetCommit that follows), with AddPartitionsToTxn's rules.
 */
export function createAddOffsetsToTxnHandler(broker: BrokerContext, txns: TransactionCoordinator) {
  return defineHandler({
    apiKey: AddOffsetsToTxnRequest.apiKey,
    request: AddOffsetsToTxnRequest,
    response: AddOffsetsToTxnResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request, ctx) {
      const offsetsPartition = partitionFor(request.groupId, broker.config().get('offsets.topic.num.partitions'));
      const respond = (errorCode: number): AddOffsetsToTxnResponse =>
        AddOffsetsToTxnResponse.create({
          throttleTimeMs: 0,
          errorCode: producerFencedForVersion(errorCode, ctx.apiVersion, PRODUCER_FENCED_MIN_VERSION),
        });
      const r = txns.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, new TopicPartitionSet([[GROUP_METADATA_TOPIC, offsetsPartition]]));
      return r instanceof Promise ? r.then(respond) : respond(r);
    },
  });
}
