import { ErrorCode } from '../../common/index.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { ProducerIdManager } from '../producer-id-manager.js';

const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;

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
 * InitProducerId v0-5 for idempotent producers (no transactional id), as Kafka 3.9's transaction
 * coordinator answers them: always a fresh producer id with epoch 0 — also when the request names
 * its current id and epoch (v3+, KIP-360), since an idempotent producer bumps its epoch itself and
 * asks the broker only for a new id. Ids come from controller-allocated blocks; while none can be
 * had the answer is COORDINATOR_LOAD_IN_PROGRESS (retriable). A producer id without an epoch, or
 * the reverse, is INVALID_REQUEST; an empty transactional id too. Transactional ids need the
 * transaction coordinator, which is not there yet: COORDINATOR_NOT_AVAILABLE.
 */
export function createInitProducerIdHandler(broker: BrokerContext, ids: ProducerIdManager = producerIdManagerFor(broker)) {
  const fail = (errorCode: number): InitProducerIdResponse =>
    InitProducerIdResponse.create({ throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
  return defineHandler({
    apiKey: InitProducerIdRequest.apiKey,
    request: InitProducerIdRequest,
    response: InitProducerIdResponse,
    minVersion: 0,
    maxVersion: 5,
    async handle(request) {
      const noId = request.producerId === NO_PRODUCER_ID;
      const noEpoch = request.producerEpoch === NO_PRODUCER_EPOCH;
      if (noId !== noEpoch) return fail(ErrorCode.INVALID_REQUEST);
      const txnId = request.transactionalId;
      if (txnId !== null) return fail(txnId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.COORDINATOR_NOT_AVAILABLE);
      try {
        const producerId = await ids.generateProducerId();
        return InitProducerIdResponse.create({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 });
      } catch (err) {
        broker.logger.warn('InitProducerId: no producer id available', { error: String(err) });
        return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
    },
  });
}
