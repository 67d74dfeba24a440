import { UPGRADE_TYPE_SAFE_DOWNGRADE, UPGRADE_TYPE_UPGRADE } from '../../metadata/index.js';
import { UpdateFeaturesRequest, UpdateFeaturesResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { controllerContext } from './admin-support.js';

/**
 * UpdateFeatures v0-1: the controller validates and applies (Kafka's ControllerApis passes the
 * request through). v0 carries allow_downgrade, v1 upgrade_type and validate_only; v0
 * requests reach the controller with upgrade_type filled in, so it reads only that.
 */
export function createUpdateFeaturesHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: UpdateFeaturesRequest.apiKey,
    request: UpdateFeaturesRequest,
    response: UpdateFeaturesResponse,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, ctx) {
      const context = controllerContext(broker, request.timeoutMs, ctx.apiVersion);
      // As Kafka's UpdateFeaturesRequest: a v0 allow_downgrade is a safe downgrade, else an upgrade.
      const normalized =
        ctx.apiVersion === 0
          ? { ...request, featureUpdates: request.featureUpdates.map((u) => ({ ...u, upgradeType: u.allowDowngrade ? UPGRADE_TYPE_SAFE_DOWNGRADE : UPGRADE_TYPE_UPGRADE })) }
          : request;
      const response = await broker.controller.updateFeatures(context, normalized);
      return { ...response, throttleTimeMs: 0 };
    },
  });
}
