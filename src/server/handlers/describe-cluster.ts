import { ErrorCode } from '../../common/index.js';
import { DescribeClusterRequest, DescribeClusterResponse, type DescribeClusterResponseDescribeClusterBroker } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_AUTHORIZED_OPERATIONS, aliveBrokerNodes, reportedControllerId } from './admin-support.js';

/** DescribeCluster endpoint types (KIP-919). */
const ENDPOINT_BROKER = 1;
const ENDPOINT_CONTROLLER = 2;

/**
 * DescribeCluster v0-1 (Kafka's AuthHelper.computeDescribeClusterResponse). A connection on a
 * broker listener answers endpoint type BROKER: the alive brokers' endpoints on that listener and a
 * controller id as Metadata reports it. On a controller listener (combined mode) it answers type
 * CONTROLLER: the quorum voters' endpoints and the raft leader. Asking the wrong kind of endpoint
 * is MISMATCHED_ENDPOINT_TYPE (INVALID_REQUEST in v0), an unknown type UNSUPPORTED_ENDPOINT_TYPE.
 */
export function createDescribeClusterHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DescribeClusterRequest.apiKey,
    request: DescribeClusterRequest,
    response: DescribeClusterResponse,
    minVersion: 0,
    maxVersion: 1,
    handle(request, ctx) {
      const config = broker.config();
      const listener = ctx.connection.listenerName.toUpperCase();
      const served = config.controllerListenerNames().includes(listener) ? ENDPOINT_CONTROLLER : ENDPOINT_BROKER;
      const asked = ctx.apiVersion >= 1 ? request.endpointType : ENDPOINT_BROKER;
      const v0 = ctx.apiVersion === 0;
      if (asked !== ENDPOINT_BROKER && asked !== ENDPOINT_CONTROLLER) {
        return DescribeClusterResponse.create({
          errorCode: v0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
          errorMessage: `Unsupported endpoint type ${asked}`,
        });
      }
      if (asked !== served) {
        return DescribeClusterResponse.create({
          errorCode: v0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE,
          errorMessage: `The request was sent to an endpoint of type ${typeName(served)}, but we wanted an endpoint of type ${typeName(asked)}`,
        });
      }
      let brokers: DescribeClusterResponseDescribeClusterBroker[];
      let controllerId: number;
      if (served === ENDPOINT_BROKER) {
        const image = broker.image();
        brokers = aliveBrokerNodes(image, listener).map((n) => ({ brokerId: n.id, host: n.host, port: n.port, rack: n.rack }));
        controllerId = reportedControllerId(image, broker.nodeId);
      } else {
        brokers = config.quorumVoters().map((v) => ({ brokerId: v.id, host: v.host, port: v.port, rack: null }));
        controllerId = broker.quorum.leaderAndEpoch().leaderId;
      }
      return DescribeClusterResponse.create({
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        endpointType: served,
        clusterId: broker.clusterId,
        controllerId,
        brokers,
        clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
      });
    },
  });
}

function typeName(type: number): string {
  return type === ENDPOINT_CONTROLLER ? 'CONTROLLER' : type === ENDPOINT_BROKER ? 'BROKER' : 'UNKNOWN';
}
