import type { TransactionCoordinator } from '../../coordinator/index.js';
import { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** ListTransactions v0-1: transactions this broker coordinates, filtered by state, producer id and (v1) duration. */
export function createListTransactionsHandler(txns: TransactionCoordinator) {
  return defineHandler({
    apiKey: ListTransactionsRequest.apiKey,
    request: ListTransactionsRequest,
    response: ListTransactionsResponse,
    minVersion: 0,
    maxVersion: 1,
    handle(request, ctx) {
      const durationFilterMs = ctx.apiVersion >= 1 ? request.durationFilter : -1;
      return txns.listTransactions(request.stateFilters, request.producerIdFilters, durationFilterMs);
    },
  });
}
