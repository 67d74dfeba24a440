import { ErrorCode, invalidTopicReason } from '../../common/index.js';
import { CONFIG_SOURCE_ID, CONFIG_TYPE_ID, TopicConfig, describeBrokerConfigs, type ConfigEntry } from '../../config/index.js';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_BROKER_LOGGER,
  CONFIG_RESOURCE_TOPIC,
  configResourceKey,
} from '../../metadata/index.js';
import {
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  type DescribeConfigsRequestDescribeConfigsResource,
  type DescribeConfigsResponseDescribeConfigsResourceResult,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { ConfigResourceError, brokerIdProblem, brokerLoggerLevels } from './admin-support.js';

/** ConfigSource id of a broker logger level (Kafka's DYNAMIC_BROKER_LOGGER_CONFIG). */
const DYNAMIC_BROKER_LOGGER_CONFIG = 6;
const DEFAULT_CONFIG = CONFIG_SOURCE_ID.DEFAULT_CONFIG;

interface Options {
  readonly includeSynonyms: boolean;
  readonly includeDocumentation: boolean;
}

/**
 * DescribeConfigs v0-4 (Kafka's ConfigHelper.describeConfigs), answered by this broker:
 * - TOPIC: every topic config resolved from the topic's overrides in the image and this broker's
 *   config, with source, synonyms (v1+, when asked), type and documentation (v3+, when asked);
 *   an illegal name is INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
 * - BROKER: '' describes the dynamic cluster defaults, this node's id every broker config
 *   (static and dynamic layers); another id is INVALID_REQUEST, as in Kafka.
 * - BROKER_LOGGER: the logger levels (see admin-support's brokerLoggerLevels).
 * configuration_keys (null or empty = all) filters the names. Sensitive values are null.
 */
export function createDescribeConfigsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DescribeConfigsRequest.apiKey,
    request: DescribeConfigsRequest,
    response: DescribeConfigsResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request, ctx) {
      const options: Options = {
        includeSynonyms: ctx.apiVersion >= 1 && request.includeSynonyms,
        includeDocumentation: ctx.apiVersion >= 3 && request.includeDocumentation,
      };
      const results = request.resources.map((resource) => describeResource(broker, resource, options));
      return DescribeConfigsResponse.create({ throttleTimeMs: 0, results });
    },
  });
}

function describeResource(
  broker: BrokerContext,
  resource: DescribeConfigsRequestDescribeConfigsResource,
  options: Options,
): DescribeConfigsResponseDescribeConfigsResult {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
    const keys = resource.configurationKeys === null || resource.configurationKeys.length === 0 ? null : new Set(resource.configurationKeys);
    const configs = entries(broker, resource, options).filter((c) => keys === null || keys.has(c.name));
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: '', configs };
  } catch (e) {
    if (!(e instanceof ConfigResourceError)) {
      broker.logger.error('describing configs failed', { resource: base, error: String(e) });
    }
    const error = e instanceof ConfigResourceError ? e : new ConfigResourceError(ErrorCode.UNKNOWN_SERVER_ERROR, String(e));
    return { ...base, errorCode: error.errorCode, errorMessage: error.message, configs: [] };
  }
}

function entries(
  broker: BrokerContext,
  resource: DescribeConfigsRequestDescribeConfigsResource,
  options: Options,
): DescribeConfigsResponseDescribeConfigsResourceResult[] {
  const name = resource.resourceName;
  switch (resource.resourceType) {
    case CONFIG_RESOURCE_TOPIC: {
      const problem = invalidTopicReason(name);
      if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
      const image = broker.image();
      if (!image.topics.byName.has(name)) throw new ConfigResourceError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, '');
      const overrides = image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name })) ?? new Map<string, string>();
      return new TopicConfig(broker.config(), overrides).describeAll().map((e) => toResult(e, options));
    }
    case CONFIG_RESOURCE_BROKER: {
      if (name === '') return describeBrokerConfigs(broker.config(), false).map((e) => toResult(e, options));
      const problem = brokerIdProblem(name, broker.nodeId, 'Broker id', true);
      if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
      return describeBrokerConfigs(broker.config(), true).map((e) => toResult(e, options));
    }
    case CONFIG_RESOURCE_BROKER_LOGGER: {
      if (name === '') throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
      const problem = brokerIdProblem(name, broker.nodeId, 'Broker id');
      if (problem !== undefined) throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, problem);
      return [...brokerLoggerLevels(broker)].sort().map(([logger, level]) => ({
        name: logger,
        value: level,
        readOnly: false,
        isDefault: false,
        configSource: DYNAMIC_BROKER_LOGGER_CONFIG,
        isSensitive: false,
        synonyms: [],
        configType: 0,
        documentation: null,
      }));
    }
    default:
      throw new ConfigResourceError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resource.resourceType}`);
  }
}

function toResult(e: ConfigEntry, options: Options): DescribeConfigsResponseDescribeConfigsResourceResult {
  const source = CONFIG_SOURCE_ID[e.source];
  return {
    name: e.name,
    value: e.sensitive ? null : e.value,
    readOnly: e.readOnly,
    // Only v0 has it; Kafka's v0 clients read "is default" from it.
    isDefault: source === DEFAULT_CONFIG,
    configSource: source,
    isSensitive: e.sensitive,
    synonyms: options.includeSynonyms
      ? e.synonyms.map((s) => ({ name: s.name, value: e.sensitive ? null : s.value, source: CONFIG_SOURCE_ID[s.source] }))
      : [],
    configType: e.type === undefined ? 0 : CONFIG_TYPE_ID[e.type],
    documentation: options.includeDocumentation ? e.doc : null,
  };
}
