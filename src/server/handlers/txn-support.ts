import { ErrorCode } from '../../common/index.js';

/**
 * KIP-588: a transactional API answers PRODUCER_FENCED from `fencedMinVersion` on (InitProducerId
 * v4, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v2); older clients know it as
 * INVALID_PRODUCER_EPOCH.
 */
export function producerFencedForVersion(errorCode: number, apiVersion: number, fencedMinVersion: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < fencedMinVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
