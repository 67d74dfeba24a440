import { invalidTopicReason } from '../common/index.js';
import {
  BrokerConfig,
  ConfigException,
  TopicConfig,
  brokerConfigSpec,
  parseAndValidate,
  parseTopicOverrides,
  topicConfigSpec,
  type ConfigEntry,
} from '../config/index.js';
import { ConfigRecord } from '../protocol/index.js';
import { OP_APPEND, OP_DELETE, OP_SET, OP_SUBTRACT, type ApiError, type IncrementalConfigChange } from './controller-api.js';
import { ControllerApiException, apiError, type ControllerResult, type ControllerView } from './controller-result.js';
import { CONFIG_RESOURCE_BROKER, CONFIG_RESOURCE_TOPIC, configResourceKey, type ConfigResource, type MetadataImage } from './image.js';
import { record, type ApiMessageAndVersion } from './records.js';

const OP_NAMES: Record<number, string> = { [OP_SET]: 'SET', [OP_DELETE]: 'DELETE', [OP_APPEND]: 'APPEND', [OP_SUBTRACT]: 'SUBTRACT' };

/**
 * Dynamic configs of topics and brokers as ConfigRecords (Kafka's ConfigurationControlManager plus
 * the checks Kafka's ControllerConfigurationValidator and the broker's dynamic-config validation
 * make): topic configs must be known topic configs with valid values; broker configs must be
 * dynamically updatable (per-broker ones only for a broker id, not the cluster default '').
 */
export class ConfigurationControlManager {
  readonly #view: ControllerView;

  constructor(view: ControllerView) {
    this.#view = view;
  }

  /** A resource's explicitly set configs in `image`. */
  configs(image: MetadataImage, resource: ConfigResource): ReadonlyMap<string, string> {
    return image.configs.get(configResourceKey(resource)) ?? new Map();
  }

  incrementalAlterConfigs(
    changes: ReadonlyMap<ConfigResource, ReadonlyMap<string, IncrementalConfigChange>>,
    newlyCreatedResource = false,
  ): ControllerResult<Map<ConfigResource, ApiError>> {
    const records: ApiMessageAndVersion[] = [];
    const results = new Map<ConfigResource, ApiError>();
    for (const [resource, ops] of changes) {
      try {
        records.push(...this.incrementalAlterConfig(resource, ops, newlyCreatedResource));
        results.set(resource, apiError('NONE'));
      } catch (e) {
        results.set(resource, toApiError(e));
      }
    }
    return { records, response: results };
  }

  /** The ConfigRecords for one resource, or throws ControllerApiException. */
  incrementalAlterConfig(
    resource: ConfigResource,
    ops: ReadonlyMap<string, IncrementalConfigChange>,
    newlyCreatedResource: boolean,
  ): ApiMessageAndVersion[] {
    const current = this.configs(this.#view.latest(), resource);
    const altered = new Map<string, string | null>();
    for (const [key, { op, value }] of ops) {
      const currentValue = current.get(key) ?? null;
      let newValue: string | null;
      switch (op) {
        case OP_SET:
          newValue = value;
          break;
        case OP_DELETE:
          newValue = null;
          break;
        case OP_APPEND:
        case OP_SUBTRACT: {
          const listDefault = this.#listDefault(resource, key);
          if (listDefault === undefined) {
            throw new ControllerApiException('INVALID_CONFIG', `Can't ${OP_NAMES[op]} to key ${key} because its type is not LIST.`);
          }
          const parts = currentValue === null ? [...listDefault] : splitList(currentValue);
          for (const v of (value ?? '').split(',')) {
            const i = parts.indexOf(v);
            if (op === OP_APPEND && i < 0) parts.push(v);
            if (op === OP_SUBTRACT && i >= 0) parts.splice(i, 1);
          }
          newValue = parts.join(',');
          break;
        }
        default:
          throw new ControllerApiException('INVALID_REQUEST', `Unknown alter configs operation ${op} for ${key}`);
      }
      // Kafka writes broker records even when unchanged, so brokers reload them (KAFKA-14136).
      if (currentValue !== newValue || resource.type === CONFIG_RESOURCE_BROKER) altered.set(key, newValue);
    }
    const all = new Map(current);
    for (const [k, v] of altered) {
      if (v === null) all.delete(k);
      else all.set(k, v);
    }
    this.#validate(resource, all, altered, newlyCreatedResource);
    return [...altered].map(([name, value]) => configRecord(resource, name, value));
  }

  /** AlterConfigs (legacy): the given configs replace all of the resource's dynamic configs. */
  legacyAlterConfigs(configs: ReadonlyMap<ConfigResource, ReadonlyMap<string, string | null>>): ControllerResult<Map<ConfigResource, ApiError>> {
    const records: ApiMessageAndVersion[] = [];
    const results = new Map<ConfigResource, ApiError>();
    for (const [resource, wanted] of configs) {
      try {
        const current = this.configs(this.#view.latest(), resource);
        const altered = new Map<string, string | null>();
        for (const [k, v] of wanted) if (current.get(k) !== v || resource.type === CONFIG_RESOURCE_BROKER) altered.set(k, v);
        const deleted = [...current.keys()].filter((k) => !wanted.has(k));
        const all = new Map<string, string>();
        for (const [k, v] of wanted) if (v !== null) all.set(k, v);
        this.#validate(resource, all, altered, false, [...wanted].filter(([, v]) => v === null).map(([k]) => k));
        for (const [k, v] of altered) records.push(configRecord(resource, k, v));
        for (const k of deleted) records.push(configRecord(resource, k, null));
        results.set(resource, apiError('NONE'));
      } catch (e) {
        results.set(resource, toApiError(e));
      }
    }
    return { records, response: results };
  }

  #listDefault(resource: ConfigResource, key: string): readonly string[] | undefined {
    const spec = resource.type === CONFIG_RESOURCE_TOPIC ? topicConfigSpec(key) : resource.type === CONFIG_RESOURCE_BROKER ? brokerConfigSpec(key) : undefined;
    if (spec?.type !== 'list') return undefined;
    return Array.isArray(spec.default) ? (spec.default as readonly string[]) : [];
  }

  #validate(
    resource: ConfigResource,
    all: ReadonlyMap<string, string>,
    altered: ReadonlyMap<string, string | null>,
    newlyCreatedResource: boolean,
    nullValues: readonly string[] = [],
  ): void {
    const image = this.#view.latest();
    switch (resource.type) {
      case CONFIG_RESOURCE_TOPIC: {
        if (resource.name === '') throw new ControllerApiException('INVALID_REQUEST', 'Default topic resources are not allowed.');
        const reason = invalidTopicReason(resource.name);
        if (reason !== undefined) throw new ControllerApiException('INVALID_TOPIC_EXCEPTION', reason);
        if (nullValues.length > 0) throw new ControllerApiException('INVALID_CONFIG', `Null value not supported for topic configs: ${nullValues.join(',')}`);
        parseTopicOverridesOrThrow(all);
        if (!newlyCreatedResource && !image.topics.byName.has(resource.name)) {
          throw new ControllerApiException('UNKNOWN_TOPIC_OR_PARTITION', `The topic '${resource.name}' does not exist.`);
        }
        return;
      }
      case CONFIG_RESOURCE_BROKER: {
        const perBroker = resource.name !== '';
        if (perBroker) {
          if (!/^-?\d+$/.test(resource.name)) throw new ControllerApiException('INVALID_REQUEST', 'Unable to parse broker name as a base 10 number.');
          const id = Number(resource.name);
          if (id < 0) throw new ControllerApiException('INVALID_REQUEST', 'Invalid negative broker ID.');
        }
        validateBrokerConfigs(resource, altered, perBroker);
        const id = Number(resource.name);
        if (perBroker && !image.brokers.has(id) && id !== this.#view.nodeId) {
          throw new ControllerApiException('BROKER_ID_NOT_REGISTERED', `No node with id ${id} found.`);
        }
        return;
      }
      default:
        throw new ControllerApiException('INVALID_REQUEST', `Unknown resource type ${resource.type}`);
    }
  }

  /**
   * The controller's effective broker configuration: its static config under the dynamic cluster
   * default and its own per-broker configs from `image` (invalid dynamic values fall back to static).
   */
  effectiveBrokerConfig(image: MetadataImage): BrokerConfig {
    const config = this.#view.config;
    const clusterDefault = image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_BROKER, name: '' }));
    const perBroker = image.configs.get(configResourceKey({ type: CONFIG_RESOURCE_BROKER, name: String(this.#view.nodeId) }));
    if (clusterDefault === undefined && perBroker === undefined) return config;
    try {
      return BrokerConfig.from({ static: config.layers.static, clusterDefault: clusterDefault ?? new Map(), perBroker: perBroker ?? new Map() });
    } catch (e) {
      if (e instanceof ConfigException) return config;
      throw e;
    }
  }

  /** What CreateTopics v5+ reports: every topic config with value, source, read-only and sensitive. */
  effectiveTopicConfigs(overrides: ReadonlyMap<string, string>): ConfigEntry[] {
    return new TopicConfig(this.effectiveBrokerConfig(this.#view.latest()), overrides).describeAll();
  }
}

function validateBrokerConfigs(resource: ConfigResource, altered: ReadonlyMap<string, string | null>, perBroker: boolean): void {
  const nonDynamic: string[] = [];
  const perBrokerOnly: string[] = [];
  for (const key of altered.keys()) {
    const spec = brokerConfigSpec(key);
    if (spec === undefined) continue; // unknown keys are allowed (plugins read them)
    if (spec.dynamic === 'read-only') nonDynamic.push(key);
    else if (spec.dynamic === 'per-broker' && !perBroker) perBrokerOnly.push(key);
  }
  const prefix = `Invalid config value for resource ConfigResource(type=BROKER, name='${resource.name}'): `;
  if (nonDynamic.length > 0) throw new ControllerApiException('INVALID_REQUEST', `${prefix}Cannot update these configs dynamically: Set(${nonDynamic.join(', ')})`);
  for (const [key, value] of altered) {
    const spec = brokerConfigSpec(key);
    if (spec === undefined || value === null) continue;
    try {
      parseAndValidate(key, spec, value);
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      throw new ControllerApiException('INVALID_REQUEST', `${prefix}${e.message}`);
    }
  }
  if (perBrokerOnly.length > 0) {
    throw new ControllerApiException(
      'INVALID_REQUEST',
      `${prefix}Cannot update these configs at default cluster level, broker id must be specified: Set(${perBrokerOnly.join(', ')})`,
    );
  }
}

function parseTopicOverridesOrThrow(all: ReadonlyMap<string, string>): void {
  try {
    parseTopicOverrides(all);
  } catch (e) {
    if (!(e instanceof ConfigException)) throw e;
    throw new ControllerApiException('INVALID_CONFIG', e.problems[0] ?? e.message);
  }
}

function splitList(v: string): string[] {
  return v.trim() === '' ? [] : v.split(',').map((s) => s.trim());
}

export function configRecord(resource: ConfigResource, name: string, value: string | null): ApiMessageAndVersion {
  return record(ConfigRecord, ConfigRecord.create({ resourceType: resource.type, resourceName: resource.name, name, value }));
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ControllerApiException) return e.error;
  throw e;
}
