import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { TxnMarkerWriter } from '../txn-markers.js';

/** The broker's marker writer, or one of its own when the context has none. */
function writerFor(broker: BrokerContext): TxnMarkerWriter {
  return (
    broker.txnMarkerWriter ??
    new TxnMarkerWriter({ replicaManager: broker.replicaManager, logger: broker.logger, timeoutMs: () => broker.config().get('request.timeout.ms') })
  );
}

/**
 * WriteTxnMarkers v0-1 (sent by transaction coordinators): every marker × partition is appended as
 * a control batch synchronously inside handle() (order kept), answered per partition once the high
 * watermark covers it (see TxnMarkerWriter).
 */
export function createWriteTxnMarkersHandler(broker: BrokerContext, writer: TxnMarkerWriter = writerFor(broker)) {
  return defineHandler({
    apiKey: WriteTxnMarkersRequest.apiKey,
    request: WriteTxnMarkersRequest,
    response: WriteTxnMarkersResponse,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      return writer.write(request);
    },
  });
}
