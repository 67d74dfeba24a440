import { BROKER_CONFIGS } from './broker-configs.js';
import { BrokerConfig, brokerConfigSpec } from './broker-config.js';
import { formatValue } from './parse-value.js';
import type { ConfigType, ConfigValue } from './types.js';

/** Where a described value comes from, as Kafka's Admin API names them (DescribeConfigs). */
export type ConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG';

/** Wire ids of ConfigSource in DescribeConfigs responses (v1+). */
export const CONFIG_SOURCE_ID: Readonly<Record<ConfigSource, number>> = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

/** Wire ids of config types in DescribeConfigs responses (v3+); 0 is UNKNOWN. */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};

export interface ConfigSynonym {
  readonly name: string;
  /** null when sensitive. */
  readonly value: string | null;
  readonly source: ConfigSource;
}

/** One DescribeConfigs result entry. */
export interface ConfigEntry {
  readonly name: string;
  /** Kafka's string form; null when unset without default, or sensitive. */
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
  /** undefined for keys no definition knows (UNKNOWN on the wire). */
  readonly type: ConfigType | undefined;
  /** Highest precedence first; the first one is where the value comes from. */
  readonly synonyms: readonly ConfigSynonym[];
  readonly doc: string | null;
}

/**
 * The broker configs that stand in for one another in DescribeConfigs (Kafka's
 * DynamicBrokerConfig.brokerConfigSynonyms): the time configs with their alternative units.
 */
export function brokerConfigSynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

/**
 * Kafka's ConfigHelper.configSynonyms: for each layer in precedence order (dynamic per broker, dynamic
 * cluster default, static, default), the synonyms set in it.
 */
export function synonymChain(config: BrokerConfig, names: readonly string[], sensitive: boolean): ConfigSynonym[] {
  const layers: Array<[ConfigSource, (name: string) => string | undefined]> = [
    ['DYNAMIC_BROKER_CONFIG', (n) => config.dynamicBrokerConfigs.get(n)],
    ['DYNAMIC_DEFAULT_BROKER_CONFIG', (n) => config.dynamicDefaultConfigs.get(n)],
    ['STATIC_BROKER_CONFIG', (n) => config.layers.static.get(n)],
    ['DEFAULT_CONFIG', defaultString],
  ];
  const out: ConfigSynonym[] = [];
  for (const [source, lookup] of layers) {
    for (const name of names) {
      const value = lookup(name);
      if (value !== undefined) out.push({ name, value: sensitive ? null : value, source });
    }
  }
  return out;
}

function defaultString(name: string): string | undefined {
  const spec = brokerConfigSpec(name);
  if (spec === undefined) return undefined;
  return formatValue(spec.type, spec.default as ConfigValue | null) ?? undefined;
}

/**
 * DescribeConfigs for a BROKER resource. For a broker id (`perBroker`), every documented config plus
 * every key that was set; for the cluster default resource (empty name), the dynamic defaults only,
 * with only their DYNAMIC_DEFAULT_BROKER_CONFIG synonyms — as Kafka does. Sorted by name.
 */
export function describeBrokerConfigs(config: BrokerConfig, perBroker: boolean): ConfigEntry[] {
  const names = perBroker
    ? new Set([...Object.keys(BROKER_CONFIGS).filter((n) => brokerConfigSpec(n)?.internal !== true), ...config.originals.keys()])
    : new Set(config.dynamicDefaultConfigs.keys());
  return [...names].sort().map((name) => describeBrokerConfig(config, name, perBroker));
}

export function describeBrokerConfig(config: BrokerConfig, name: string, perBroker = true): ConfigEntry {
  const spec = brokerConfigSpec(name);
  // As Kafka: a key without a known type may hold a secret, so its value is never shown.
  const sensitive = spec === undefined || spec.type === 'password';
  const value = sensitive ? null : formatValue(spec.type, config.get(name as never) as ConfigValue | null);
  const all = synonymChain(config, brokerConfigSynonyms(name), sensitive);
  const synonyms = dropUntil(all, name).filter((s) => perBroker || s.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  return {
    name,
    value,
    source: synonyms[0]?.source ?? 'DEFAULT_CONFIG',
    readOnly: spec === undefined || spec.dynamic === 'read-only',
    sensitive,
    type: spec?.type,
    synonyms,
    doc: spec?.doc ?? null,
  };
}

/** Kafka drops synonyms that precede the described name (e.g. listener overrides of a base config). */
function dropUntil(chain: ConfigSynonym[], name: string): ConfigSynonym[] {
  const i = chain.findIndex((s) => s.name === name);
  return i < 0 ? [] : chain.slice(i);
}
