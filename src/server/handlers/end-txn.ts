import type { TransactionCoordinator } from '../../coordinator/index.js';
import { EndTxnRequest, EndTxnResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';
import { producerFencedForVersion } from './txn-support.js';

/** KIP-588: PRODUCER_FENCED from v2; older clients know it as INVALID_PRODUCER_EPOCH. */
const PRODUCER_FENCED_MIN_VERSION = 2;

/**
 * EndTxn v0-4: commits or aborts the transaction; answered once PrepareCommit/PrepareAbort is
 * committed to `__transaction_state` (the markers are written after the answer, as in Kafka).
 */
export function createEndTxnHandler(txns: TransactionCoordinator) {
  return defineHandler({
    apiKey: EndTxnRequest.apiKey,
    request: EndTxnRequest,
    response: EndTxnResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request, ctx) {
      const respond = (errorCode: number): EndTxnResponse =>
        EndTxnResponse.create({
          throttleTimeMs: 0,
          errorCode: producerFencedForVersion(errorCode, ctx.apiVersion, PRODUCER_FENCED_MIN_VERSION),
        });
      const r = txns.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed ? 'commit' : 'abort');
      return r instanceof Promise ? r.then(respond) : respond(r);
    },
  });
}
