import { ErrorCode, ZERO_UUID } from '../../common/index.js';
import { CONFIG_SOURCE_ID, ConfigException, TopicConfig } from '../../config/index.js';
import {
  CreateTopicsRequest,
  CreateTopicsResponse,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponseCreatableTopicConfigs,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { METADATA_TOPIC } from '../metadata-log-store.js';
import { controllerContext } from './admin-support.js';

/** CreateTopics v5+ reports the created topic's configs. */
const CONFIGS_IN_RESPONSE_VERSION = 5;

/**
 * CreateTopics v0-7 (Kafka's ControllerApis.createTopics): names given twice are answered
 * INVALID_REQUEST and not created, `__cluster_metadata` is refused, the rest go to the controller,
 * which validates (names, counts, assignments, configs) and resolves once the image has them.
 * From v5 a successful topic (also when validate_only) carries every topic config, as Kafka's
 * controller fills it; filled here from the request's overrides when the controller left it empty.
 */
export function createCreateTopicsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: CreateTopicsRequest.apiKey,
    request: CreateTopicsRequest,
    response: CreateTopicsResponse,
    minVersion: 0,
    maxVersion: 7,
    async handle(request, ctx) {
      const counts = new Map<string, number>();
      for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const creatable = request.topics.filter((t) => counts.get(t.name) === 1 && t.name !== METADATA_TOPIC);
      const results: CreateTopicsResponseCreatableTopicResult[] = [];
      if (creatable.length > 0) {
        const context = controllerContext(broker, request.timeoutMs, ctx.apiVersion);
        const response = await broker.controller.createTopics(context, { ...request, topics: creatable });
        for (const r of response.topics) {
          results.push(ctx.apiVersion >= CONFIGS_IN_RESPONSE_VERSION ? withConfigs(broker, r, creatable) : r);
        }
      }
      for (const [name, count] of counts) {
        if (count > 1) results.push(failure(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
        else if (name === METADATA_TOPIC) {
          results.push(failure(name, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${METADATA_TOPIC} is prohibited.`));
        }
      }
      return CreateTopicsResponse.create({ throttleTimeMs: 0, topics: results });
    },
  });
}

function failure(name: string, errorCode: number, errorMessage: string): CreateTopicsResponseCreatableTopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

function withConfigs(
  broker: BrokerContext,
  result: CreateTopicsResponseCreatableTopicResult,
  requested: readonly CreateTopicsRequestCreatableTopic[],
): CreateTopicsResponseCreatableTopicResult {
  if (result.errorCode !== ErrorCode.NONE || (result.configs !== null && result.configs.length > 0)) return result;
  const topic = requested.find((t) => t.name === result.name);
  const overrides = new Map<string, string>();
  for (const c of topic?.configs ?? []) if (c.value !== null) overrides.set(c.name, c.value);
  let configs: CreateTopicsResponseCreatableTopicConfigs[];
  try {
    configs = new TopicConfig(broker.config(), overrides).describeAll().map((e) => ({
      name: e.name,
      value: e.sensitive ? null : e.value,
      readOnly: e.readOnly,
      configSource: CONFIG_SOURCE_ID[e.source],
      isSensitive: e.sensitive,
    }));
  } catch (e) {
    // The controller accepted configs we cannot parse: report the topic without them.
    if (!(e instanceof ConfigException)) throw e;
    return result;
  }
  return { ...result, configs };
}
