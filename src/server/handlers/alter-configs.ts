import { ErrorCode } from '../../common/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_CLIENT_METRICS,
  CONFIG_RESOURCE_GROUP,
  CONFIG_RESOURCE_TOPIC,
  configResourceKey,
  type ApiError,
  type ConfigResource,
} from '../../metadata/index.js';
import { AlterConfigsRequest, AlterConfigsResponse, type AlterConfigsRequestAlterConfigsResource } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { ConfigResourceError, brokerChangeProblem, brokerIdProblem, controllerContext } from './admin-support.js';

/** Indexes of resources that share (type, name) with another: Kafka refuses all of them. */
function duplicateResourceIndexes(resources: ReadonlyArray<{ resourceType: number; resourceName: string }>): Set<number> {
  const byKey = new Map<string, number[]>();
  resources.forEach((r, i) => {
    const key = configResourceKey({ type: r.resourceType, name: r.resourceName });
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  return new Set([...byKey.values()].filter((is) => is.length > 1).flat());
}

/** Puts the controller's per-resource results at their request index (by identity, else by type and name). */
function alterConfigsResults(
  results: ReadonlyMap<ConfigResource, ApiError>,
  forwardIndex: ReadonlyMap<ConfigResource, number>,
  errors: Map<number, ApiError>,
): void {
  const byKey = new Map([...forwardIndex].map(([r, i]) => [configResourceKey(r), i]));
  for (const [resource, error] of results) {
    const i = forwardIndex.get(resource) ?? byKey.get(configResourceKey(resource));
    if (i !== undefined) errors.set(i, error);
  }
}

/**
 * The flow AlterConfigs and IncrementalAlterConfigs share: resources named twice are refused,
 * each other one is preprocessed here (a ConfigResourceError refuses it, undefined means handled
 * here with success), the rest go to the controller in one call. Results in request order.
 */
export async function alterConfigResources<R extends { resourceType: number; resourceName: string }, C>(
  resources: readonly R[],
  preprocess: (resource: R) => C | undefined,
  send: (forward: Map<ConfigResource, C>) => Promise<ReadonlyMap<ConfigResource, ApiError>>,
): Promise<Array<{ errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }>> {
  const errors = new Map<number, ApiError>();
  for (const i of duplicateResourceIndexes(resources)) {
    errors.set(i, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' });
  }
  const forward = new Map<ConfigResource, C>();
  const forwardIndex = new Map<ConfigResource, number>();
  resources.forEach((resource, i) => {
    if (errors.has(i)) return;
    try {
      const changes = preprocess(resource);
      if (changes === undefined) {
        errors.set(i, { errorCode: ErrorCode.NONE, errorMessage: null });
        return;
      }
      const key: ConfigResource = { type: resource.resourceType, name: resource.resourceName };
      forward.set(key, changes);
      forwardIndex.set(key, i);
    } catch (e) {
      if (!(e instanceof ConfigResourceError)) throw e;
      errors.set(i, { errorCode: e.errorCode, errorMessage: e.message });
    }
  });
  if (forward.size > 0) alterConfigsResults(await send(forward), forwardIndex, errors);
  return resources.map((r, i) => {
    const e = errors.get(i) ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The controller returned no result.' };
    return { errorCode: e.errorCode, errorMessage: e.errorMessage, resourceType: r.resourceType, resourceName: r.resourceName };
  });
}

/**
 * AlterConfigs v0-2 (Kafka's ConfigAdminManager.preprocess for the legacy API, then the
 * controller): replaces all dynamic configs of each resource. Resources named twice, duplicate
 * keys and null values are INVALID_REQUEST; BROKER resources must name this node (or '') and are
 * validated here; BROKER_LOGGER and unknown types are INVALID_REQUEST ("Unknown resource type");
 * TOPIC (CLIENT_METRICS, GROUP) go to the controller. Results in request order.
 */
export function createAlterConfigsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: AlterConfigsRequest.apiKey,
    request: AlterConfigsRequest,
    response: AlterConfigsResponse,
    minVersion: 0,
    maxVersion: 2,
    async handle(request, ctx) {
      const responses = await alterConfigResources(
        request.resources,
        (resource) => preprocess(broker, resource),
        (forward) => {
          const context = controllerContext(broker, broker.config().get('request.timeout.ms'), ctx.apiVersion);
          return broker.controller.legacyAlterConfigs(context, forward, request.validateOnly);
        },
      );
      return AlterConfigsResponse.create({ throttleTimeMs: 0, responses });
    },
  });
}

function preprocess(broker: BrokerContext, resource: AlterConfigsRequestAlterConfigsResource): Map<string, string> {
  const names = resource.configs.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nullUpdates = resource.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nullUpdates.length > 0) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nullUpdates.join(', ')}`);
  const values = new Map(resource.configs.map((c) => [c.name, c.value as string]));
  switch (resource.resourceType) {
    case CONFIG_RESOURCE_BROKER: {
      if (resource.resourceName !== '') {
        const problem = brokerIdProblem(resource.resourceName, broker.nodeId);
        if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
      }
      const problem = brokerChangeProblem(broker.config(), resource.resourceName, values);
      if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
      return values;
    }
    case CONFIG_RESOURCE_TOPIC:
    case CONFIG_RESOURCE_CLIENT_METRICS:
    case CONFIG_RESOURCE_GROUP:
      return values;
    default:
      // Legacy AlterConfigs has no BROKER_LOGGER: Kafka refuses it here too.
      throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${resource.resourceType}`);
  }
}
