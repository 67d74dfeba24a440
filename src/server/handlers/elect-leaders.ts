import { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { controllerContext } from './admin-support.js';

/**
 * ElectLeaders v0-2: the controller elects (Kafka's ControllerApis.handleElectLeaders passes the
 * request through). v0 has no election type on the wire and means PREFERRED (0), the codec's
 * default; null topic_partitions means every partition.
 */
export function createElectLeadersHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ElectLeadersRequest.apiKey,
    request: ElectLeadersRequest,
    response: ElectLeadersResponse,
    minVersion: 0,
    maxVersion: 2,
    async handle(request, ctx) {
      const context = controllerContext(broker, request.timeoutMs, ctx.apiVersion);
      const response = await broker.controller.electLeaders(context, request);
      return { ...response, throttleTimeMs: 0 };
    },
  });
}
