import { ProducerIdsRecord, type AllocateProducerIdsRequest, type AllocateProducerIdsResponse } from '../protocol/index.js';
import type { ClusterControlManager } from './cluster-control-manager.js';
import { ControllerApiException, type ControllerResult, type ControllerView } from './controller-result.js';
import { record } from './records.js';

/** Producer ids are handed to brokers in blocks of this many (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/**
 * Producer id blocks (Kafka's ProducerIdControlManager): each allocation writes a ProducerIdsRecord
 * moving `nextProducerId` past the block, so a block is never handed out twice, even across failover.
 */
export class ProducerIdControlManager {
  readonly #view: ControllerView;
  readonly #cluster: ClusterControlManager;

  constructor(view: ControllerView, cluster: ClusterControlManager) {
    this.#view = view;
    this.#cluster = cluster;
  }

  allocateProducerIds(request: AllocateProducerIdsRequest): ControllerResult<AllocateProducerIdsResponse> {
    this.#cluster.checkBrokerEpoch(request.brokerId, request.brokerEpoch);
    const first = this.#view.latest().nextProducerId;
    if (first > Number.MAX_SAFE_INTEGER - PRODUCER_ID_BLOCK_SIZE) {
      throw new ControllerApiException('UNKNOWN_SERVER_ERROR', "Exhausted all producerIds as the next block's end producerId has exceeded the int64 type limit");
    }
    const next = first + PRODUCER_ID_BLOCK_SIZE;
    return {
      records: [record(ProducerIdsRecord, ProducerIdsRecord.create({ brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId: next }))],
      response: { throttleTimeMs: 0, errorCode: 0, producerIdStart: first, producerIdLen: PRODUCER_ID_BLOCK_SIZE },
    };
  }
}
