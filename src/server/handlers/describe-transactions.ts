import type { TransactionCoordinator } from '../../coordinator/index.js';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** DescribeTransactions v0: the state of each transactional id this broker coordinates. */
export function createDescribeTransactionsHandler(txns: TransactionCoordinator) {
  return defineHandler({
    apiKey: DescribeTransactionsRequest.apiKey,
    request: DescribeTransactionsRequest,
    response: DescribeTransactionsResponse,
    minVersion: 0,
    maxVersion: 0,
    handle(request) {
      return DescribeTransactionsResponse.create({
        throttleTimeMs: 0,
        transactionStates: request.transactionalIds.map((id) => txns.describeTransaction(id)),
      });
    },
  });
}
