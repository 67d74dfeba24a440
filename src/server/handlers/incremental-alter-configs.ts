import { ErrorCode } from '../../common/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_BROKER_LOGGER,
  CONFIG_RESOURCE_CLIENT_METRICS,
  CONFIG_RESOURCE_GROUP,
  CONFIG_RESOURCE_TOPIC,
  OP_APPEND,
  OP_DELETE,
  OP_SET,
  OP_SUBTRACT,
  configResourceKey,
  type IncrementalConfigChange,
} from '../../metadata/index.js';
import {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsRequestAlterConfigsResource,
} from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import {
  ConfigResourceError,
  ROOT_LOGGER,
  VALID_LOG_LEVELS,
  applyIncrementalBrokerOps,
  brokerChangeProblem,
  brokerIdProblem,
  brokerLoggerLevels,
  controllerContext,
} from './admin-support.js';
import { alterConfigResources } from './alter-configs.js';

/**
 * IncrementalAlterConfigs v0-1 (Kafka's ConfigAdminManager.preprocess, then the controller):
 * resources named twice, duplicate keys and null values for non-DELETE operations are
 * INVALID_REQUEST; BROKER resources must name this node (or '' for the cluster default) and the
 * resulting dynamic configs are validated here, as Kafka's forwarding broker does; BROKER_LOGGER
 * levels are applied on this broker; TOPIC (and CLIENT_METRICS, GROUP) changes go to the
 * controller, which validates and persists them. Results come back in request order.
 */
export function createIncrementalAlterConfigsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: IncrementalAlterConfigsRequest.apiKey,
    request: IncrementalAlterConfigsRequest,
    response: IncrementalAlterConfigsResponse,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, ctx) {
      const responses = await alterConfigResources(
        request.resources,
        (resource) => preprocess(broker, resource, request.validateOnly),
        (forward) => {
          const context = controllerContext(broker, broker.config().get('request.timeout.ms'), ctx.apiVersion);
          return broker.controller.incrementalAlterConfigs(context, forward, request.validateOnly);
        },
      );
      return IncrementalAlterConfigsResponse.create({ throttleTimeMs: 0, responses });
    },
  });
}

/** Returns the changes to forward to the controller, or undefined when handled here. Throws ConfigResourceError. */
function preprocess(
  broker: BrokerContext,
  resource: IncrementalAlterConfigsRequestAlterConfigsResource,
  validateOnly: boolean,
): Map<string, IncrementalConfigChange> | undefined {
  const names = resource.configs.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nullUpdates = resource.configs.filter((c) => c.configOperation !== OP_DELETE && c.value === null).map((c) => c.name);
  if (nullUpdates.length > 0) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nullUpdates.join(', ')}`);
  const changes = new Map(resource.configs.map((c) => [c.name, { op: c.configOperation, value: c.value }]));
  switch (resource.resourceType) {
    case CONFIG_RESOURCE_BROKER_LOGGER:
      alterLoggers(broker, resource, validateOnly);
      return undefined;
    case CONFIG_RESOURCE_BROKER: {
      if (resource.resourceName !== '') {
        const problem = brokerIdProblem(resource.resourceName, broker.nodeId);
        if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
      }
      const current = broker.image().configs.get(configResourceKey({ type: CONFIG_RESOURCE_BROKER, name: resource.resourceName }));
      const after = applyIncrementalBrokerOps(current ?? new Map(), resource.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })));
      if (!(after instanceof Map)) throw new ConfigResourceError(after.errorCode, after.message);
      const problem = brokerChangeProblem(broker.config(), resource.resourceName, after);
      if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
      return changes;
    }
    case CONFIG_RESOURCE_TOPIC:
    case CONFIG_RESOURCE_CLIENT_METRICS:
    case CONFIG_RESOURCE_GROUP:
      return changes;
    default:
      throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${resource.resourceType}`);
  }
}

/** Kafka's RuntimeLoggerManager: SET and DELETE of known levels, on this node only. */
function alterLoggers(broker: BrokerContext, resource: IncrementalAlterConfigsRequestAlterConfigsResource, validateOnly: boolean): void {
  const problem = brokerIdProblem(resource.resourceName, broker.nodeId);
  if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
  const levels = brokerLoggerLevels(broker);
  for (const c of resource.configs) {
    if (c.configOperation === OP_SET) {
      if (!(VALID_LOG_LEVELS as readonly string[]).includes(c.value ?? '')) {
        throw new ConfigResourceError(
          ErrorCode.INVALID_CONFIG,
          `Cannot set the log level of ${c.name} to ${String(c.value)} as it is not a supported log level. Valid log levels are ${VALID_LOG_LEVELS.join(', ')}`,
        );
      }
    } else if (c.configOperation === OP_DELETE) {
      if (!levels.has(c.name)) throw new ConfigResourceError(ErrorCode.INVALID_CONFIG, `Logger ${c.name} does not exist!`);
      if (c.name === ROOT_LOGGER) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
    } else {
      const op = c.configOperation === OP_APPEND ? 'APPEND' : c.configOperation === OP_SUBTRACT ? 'SUBTRACT' : undefined;
      throw new ConfigResourceError(
        ErrorCode.INVALID_REQUEST,
        op === undefined
          ? `Unknown operation type ${c.configOperation} is not allowed for the BROKER_LOGGER resource`
          : `${op} operation is not allowed for the BROKER_LOGGER resource`,
      );
    }
  }
  if (validateOnly) return;
  for (const c of resource.configs) {
    if (c.configOperation === OP_SET) levels.set(c.name, c.value as string);
    else levels.delete(c.name);
  }
}
