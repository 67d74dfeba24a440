import type { BrokerConfig } from './broker-config.js';
import { ConfigException } from './config-exception.js';
import {
  brokerConfigSynonyms,
  synonymChain,
  type ConfigEntry,
  type ConfigSource,
  type ConfigSynonym,
} from './describe.js';
import { formatValue, parseAndValidate } from './parse-value.js';
import { TOPIC_CONFIGS, type TopicConfigName, type TopicConfigTable } from './topic-configs.js';
import type { ConfigValue, TopicConfigSpec, ValueOfSpec } from './types.js';

export type TopicConfigValue<N extends TopicConfigName> = ValueOfSpec<TopicConfigTable[N]>;

const SPECS: Readonly<Record<string, TopicConfigSpec>> = TOPIC_CONFIGS;

export function topicConfigSpec(name: string): TopicConfigSpec | undefined {
  return Object.hasOwn(SPECS, name) ? SPECS[name] : undefined;
}

/** A resolved topic config value with where it came from. */
export interface ResolvedTopicConfig<V = ConfigValue | null> {
  readonly value: V;
  readonly source: ConfigSource;
  /** The broker config that supplied it, when it came from the broker. */
  readonly from?: string;
}

/**
 * Checks a topic's overrides (CreateTopics configs, AlterConfigs): every name must be a topic config
 * (Kafka: "Unknown topic config name"), every value valid for it. Returns the parsed values.
 */
export function parseTopicOverrides(overrides: ReadonlyMap<string, string>): Map<string, ConfigValue> {
  const problems: string[] = [];
  const parsed = new Map<string, ConfigValue>();
  for (const [name, raw] of overrides) {
    const spec = topicConfigSpec(name);
    if (spec === undefined) {
      problems.push(`Unknown topic config name: ${name}`);
      continue;
    }
    try {
      parsed.set(name, parseAndValidate(name, spec, raw));
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length > 0) throw new ConfigException(problems.join('\n'), problems);
  return parsed;
}

/**
 * A topic's effective configuration: its own overrides, else the broker's synonym configs (converted to
 * the topic's unit), else Kafka's default — the same resolution as Kafka's LogConfig built from
 * KafkaConfig.extractLogConfigMap plus the topic's overrides.
 */
export class TopicConfig {
  readonly overrides: ReadonlyMap<string, string>;
  readonly #parsed: Map<string, ConfigValue>;
  readonly #broker: BrokerConfig;

  /** Throws ConfigException when an override is unknown or invalid. */
  constructor(broker: BrokerConfig, overrides: ReadonlyMap<string, string> = new Map()) {
    this.#broker = broker;
    this.overrides = overrides;
    this.#parsed = parseTopicOverrides(overrides);
  }

  get<N extends TopicConfigName>(name: N): TopicConfigValue<N> {
    return this.resolve(name).value as TopicConfigValue<N>;
  }

  resolve(name: TopicConfigName): ResolvedTopicConfig {
    const spec = TOPIC_CONFIGS[name] as TopicConfigSpec;
    const own = this.#parsed.get(name);
    if (own !== undefined) return { value: own, source: 'DYNAMIC_TOPIC_CONFIG' };
    const fromBroker = brokerDefault(this.#broker, name, spec);
    if (fromBroker !== undefined) return fromBroker;
    return { value: spec.default as ConfigValue | null, source: 'DEFAULT_CONFIG' };
  }

  /** DescribeConfigs for this topic: every topic config, sorted by name. */
  describeAll(): ConfigEntry[] {
    return (Object.keys(TOPIC_CONFIGS) as TopicConfigName[]).sort().map((n) => this.describe(n));
  }

  /**
   * One DescribeConfigs entry, as Kafka's ConfigHelper.createTopicConfigEntry builds it: the topic's own
   * setting first, then the chain of the first broker synonym's settings by layer.
   */
  describe(name: TopicConfigName): ConfigEntry {
    const spec = TOPIC_CONFIGS[name] as TopicConfigSpec;
    const sensitive = spec.type === 'password';
    const value = sensitive ? null : formatValue(spec.type, this.resolve(name).value);
    const first = spec.synonyms[0]?.name;
    const chain: ConfigSynonym[] = [];
    if (this.overrides.has(name)) chain.push({ name, value, source: 'DYNAMIC_TOPIC_CONFIG' });
    if (first !== undefined) {
      const all = synonymChain(this.#broker, brokerConfigSynonyms(first), sensitive);
      const i = all.findIndex((s) => s.name === first);
      if (i >= 0) chain.push(...all.slice(i));
    }
    return {
      name,
      value,
      source: chain[0]?.source ?? 'DEFAULT_CONFIG',
      readOnly: false,
      sensitive,
      type: spec.type,
      synonyms: chain,
      doc: spec.doc,
    };
  }
}

const UNIT_MS = { hours: 60 * 60 * 1000, minutes: 60 * 1000 } as const;

function brokerDefault(broker: BrokerConfig, name: string, spec: TopicConfigSpec): ResolvedTopicConfig | undefined {
  for (const synonym of spec.synonyms) {
    const value = broker.get(synonym.name as never) as ConfigValue | null;
    if (value === null || value === undefined) continue;
    let converted = synonym.unit === undefined ? value : (value as number) * UNIT_MS[synonym.unit];
    // Kafka's logRetentionTimeMillis: any negative retention means "forever", reported as -1.
    if (name === 'retention.ms' && (converted as number) < 0) converted = -1;
    return { value: converted, source: brokerSource(broker, synonym.name), from: synonym.name };
  }
  return undefined;
}

function brokerSource(broker: BrokerConfig, name: string): ConfigSource {
  if (broker.dynamicBrokerConfigs.has(name)) return 'DYNAMIC_BROKER_CONFIG';
  if (broker.dynamicDefaultConfigs.has(name)) return 'DYNAMIC_DEFAULT_BROKER_CONFIG';
  if (broker.layers.static.has(name)) return 'STATIC_BROKER_CONFIG';
  return 'DEFAULT_CONFIG';
}
