/** Kafka's ConfigDef.Type, lower-cased. */
export type ConfigType = 'boolean' | 'short' | 'int' | 'long' | 'double' | 'string' | 'list' | 'password' | 'class';

export type Importance = 'high' | 'medium' | 'low';

/** As Kafka's docs and DynamicBrokerConfig classify broker configs. Topic configs are always dynamic. */
export type DynamicUpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/**
 * A secret value (Kafka's Password): printing it never reveals it, so it cannot leak into logs by accident.
 * Call `value()` where the secret is really needed.
 */
export class Password {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  value(): string {
    return this.#value;
  }
  toString(): string {
    return '[hidden]';
  }
  toJSON(): string {
    return '[hidden]';
  }
}

/** The TypeScript type of a parsed value of each config type. Longs are numbers (see parse-value.ts). */
export interface ConfigValueTypes {
  boolean: boolean;
  short: number;
  int: number;
  long: number;
  double: number;
  string: string;
  list: readonly string[];
  password: Password;
  /** Java class names cannot be loaded here; the name is kept so it can be reported and checked. */
  class: string;
}

export type ConfigValue = ConfigValueTypes[ConfigType];

/**
 * Why a value is invalid, in Kafka's wording; with `value` when the culprit is one element of a list
 * (Kafka names the element, not the list).
 */
export type Problem = string | { readonly value: unknown; readonly reason: string };

/** Checks a parsed value: undefined when valid. */
export interface Validator {
  check(value: ConfigValue, name: string): Problem | undefined;
  /** The "Valid Values" column of the docs, as Kafka renders it. */
  readonly describe: string;
}

/** One row of a definition table. `default: null` means "no default" (the getter may return null). */
export interface ConfigSpec {
  readonly type: ConfigType;
  readonly default: boolean | number | string | readonly string[] | null;
  readonly validator?: Validator;
  readonly importance: Importance;
  /** One line, ours: what the setting does. */
  readonly doc: string;
}

export interface BrokerConfigSpec extends ConfigSpec {
  readonly dynamic: DynamicUpdateMode;
  /** Kafka defines it with defineInternal: accepted, but not documented or described unless set. */
  readonly internal?: true;
}

export interface TopicConfigSpec extends ConfigSpec {
  /**
   * Broker configs that supply this topic config's default, in Kafka's order
   * (ServerTopicConfigSynonyms): the first one set wins; `unit` converts its value to the topic's unit.
   */
  readonly synonyms: readonly TopicSynonym[];
}

export interface TopicSynonym {
  readonly name: string;
  readonly unit?: 'hours' | 'minutes';
}

/** The value type `get(name)` returns for a row: nullable exactly when the row has no default. */
export type ValueOfSpec<S extends ConfigSpec> =
  | ConfigValueTypes[S['type']]
  | (S['default'] extends null ? null : never);
