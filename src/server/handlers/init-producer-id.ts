import { ErrorCode } from '../../common/index.js';
import type { TransactionCoordinator } from '../../coordinator/index.js';
import { InitProducerIdRequest, InitProducerIdResponse, NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { producerFencedForVersion } from './txn-support.js';
import { ProducerIdManager } from '../producer-id-manager.js';

/** KIP-588: PRODUCER_FENCED is answered from v4; older clients know it as INVALID_PRODUCER_EPOCH. */
const PRODUCER_FENCED_MIN_VERSION = 4;

/** The ProducerIdManager of a broker: blocks from its controller, checked against its registration epoch. */
export function producerIdManagerFor(broker: BrokerContext): ProducerIdManager {
  return new ProducerIdManager({
    nodeId: broker.nodeId,
    controller: broker.controller,
    brokerEpoch: () => broker.image().brokers.get(broker.nodeId)?.epoch ?? -1,
    clock: broker.clock,
    logger: broker.logger,
  });
}

/**
 * InitProducerId v0-5, as Kafka 3.9 answers it. Without a transactional id: always a fresh
 * producer id at epoch 0 — also when the request names its current id and epoch (v3+, KIP-360),
 * since an idempotent producer bumps its epoch itself. With one: the transaction coordinator's
 * answer (epoch bump, fencing of an ongoing transaction, INVALID_TRANSACTION_TIMEOUT, ...). A
 * producer id without an epoch, or the reverse, is INVALID_REQUEST. While no producer id block can
 * be had the answer is COORDINATOR_LOAD_IN_PROGRESS (retriable). Without a transaction coordinator
 * (tests), transactional ids get COORDINATOR_NOT_AVAILABLE.
 */
export function createInitProducerIdHandler(broker: BrokerContext, ids?: ProducerIdManager, txns?: TransactionCoordinator) {
  const fail = (errorCode: number): InitProducerIdResponse =>
    InitProducerIdResponse.create({ throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
  const idManager = txns === undefined ? (ids ?? producerIdManagerFor(broker)) : undefined;
  return defineHandler({
    apiKey: InitProducerIdRequest.apiKey,
    request: InitProducerIdRequest,
    response: InitProducerIdResponse,
    minVersion: 0,
    maxVersion: 5,
    handle(request, ctx) {
      const noId = request.producerId === NO_PRODUCER_ID;
      const noEpoch = request.producerEpoch === NO_PRODUCER_EPOCH;
      if (noId !== noEpoch) return fail(ErrorCode.INVALID_REQUEST);
      const txnId = request.transactionalId;
      if (txns !== undefined) {
        const expected = noId ? undefined : { producerId: request.producerId, producerEpoch: request.producerEpoch };
        const respond = (r: { errorCode: number; producerId: number; producerEpoch: number }): InitProducerIdResponse => {
          const errorCode = producerFencedForVersion(r.errorCode, ctx.apiVersion, PRODUCER_FENCED_MIN_VERSION);
          return InitProducerIdResponse.create({ throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch });
        };
        const r = txns.initProducerId(txnId, request.transactionTimeoutMs, expected);
        return r instanceof Promise ? r.then(respond) : respond(r);
      }
      if (txnId !== null) return fail(txnId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return idManager!.generateProducerId().then(
        (producerId) => InitProducerIdResponse.create({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 }),
        (err: unknown) => {
          broker.logger.warn('InitProducerId: no producer id available', { error: String(err) });
          return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
        },
      );
    },
  });
}
