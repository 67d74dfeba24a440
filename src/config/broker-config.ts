import { BROKER_CONFIGS, type BrokerConfigName, type BrokerConfigTable } from './broker-configs.js';
import { ConfigException } from './config-exception.js';
import {
  parseListeners,
  parseQuorumBootstrapServers,
  parseQuorumVoters,
  parseSecurityProtocolMap,
  type Endpoint,
  type HostPort,
  type QuorumVoter,
  type SecurityProtocol,
} from './endpoints.js';
import { parseAndValidate } from './parse-value.js';
import type { BrokerConfigSpec, ConfigValue, ValueOfSpec } from './types.js';

export type BrokerConfigValue<N extends BrokerConfigName> = ValueOfSpec<BrokerConfigTable[N]>;

export type ProcessRole = 'broker' | 'controller';

/** Where a broker's settings come from, lowest precedence first (as Kafka's DynamicBrokerConfig merges them). */
export interface BrokerConfigLayers {
  /** server.properties plus `--override`s: STATIC_BROKER_CONFIG. */
  readonly static: ReadonlyMap<string, string>;
  /** Dynamic configs set for every broker: DYNAMIC_DEFAULT_BROKER_CONFIG. Only cluster-wide keys apply. */
  readonly clusterDefault?: ReadonlyMap<string, string>;
  /** Dynamic configs set for this broker: DYNAMIC_BROKER_CONFIG. Per-broker and cluster-wide keys apply. */
  readonly perBroker?: ReadonlyMap<string, string>;
}

const SPECS: Readonly<Record<string, BrokerConfigSpec>> = BROKER_CONFIGS;

export function brokerConfigSpec(name: string): BrokerConfigSpec | undefined {
  return Object.hasOwn(SPECS, name) ? SPECS[name] : undefined;
}

/**
 * A broker's (or controller's) validated configuration, built like Kafka's KafkaConfig: every known key
 * is parsed and checked against its definition, then the cross-field rules of a KRaft node are checked.
 * All problems are reported at once. Unknown keys are kept (Kafka warns and carries on: plugins read them).
 */
export class BrokerConfig {
  /** The merged effective properties (static < cluster default < per broker). */
  readonly originals: ReadonlyMap<string, string>;
  readonly layers: Required<BrokerConfigLayers>;
  /** Things Kafka would log as warnings: unknown keys, dynamic values for keys that cannot be dynamic. */
  readonly warnings: readonly string[];
  /** The dynamic layers as applied: only keys allowed at that level (Kafka's currentDynamic*Configs). */
  readonly dynamicBrokerConfigs: ReadonlyMap<string, string>;
  readonly dynamicDefaultConfigs: ReadonlyMap<string, string>;
  readonly #values = new Map<string, ConfigValue | null>();

  private constructor(layers: BrokerConfigLayers) {
    this.layers = {
      static: layers.static,
      clusterDefault: layers.clusterDefault ?? new Map(),
      perBroker: layers.perBroker ?? new Map(),
    };
    const warnings: string[] = [];
    this.dynamicDefaultConfigs = applicable(this.layers.clusterDefault, ['cluster-wide'], 'cluster default', warnings);
    this.dynamicBrokerConfigs = applicable(this.layers.perBroker, ['cluster-wide', 'per-broker'], 'per-broker', warnings);
    const merged = new Map([...this.layers.static, ...this.dynamicDefaultConfigs, ...this.dynamicBrokerConfigs]);
    populateIdSynonyms(merged);
    this.originals = merged;
    const problems: string[] = [];
    for (const [name, spec] of Object.entries(SPECS)) {
      const raw = merged.get(name);
      if (raw === undefined) {
        this.#values.set(name, spec.default as ConfigValue | null);
        continue;
      }
      try {
        this.#values.set(name, parseAndValidate(name, spec, raw));
      } catch (e) {
        if (!(e instanceof ConfigException)) throw e;
        problems.push(e.message);
        this.#values.set(name, spec.default as ConfigValue | null);
      }
    }
    for (const name of merged.keys()) {
      if (brokerConfigSpec(name) === undefined) warnings.push(`The configuration '${name}' was supplied but isn't a known config.`);
    }
    this.warnings = warnings;
    if (problems.length === 0) problems.push(...crossFieldProblems(this));
    if (problems.length > 0) throw new ConfigException(problems.join('\n'), problems);
  }

  /** Builds and validates; throws ConfigException listing every problem. */
  static from(layers: BrokerConfigLayers | ReadonlyMap<string, string>): BrokerConfig {
    return new BrokerConfig(layers instanceof Map ? { static: layers } : (layers as BrokerConfigLayers));
  }

  /** Static properties plus `--override`s (later wins), the way kafka-server-start combines them. */
  static fromProperties(props: ReadonlyMap<string, string>, overrides: ReadonlyMap<string, string> = new Map()): BrokerConfig {
    return BrokerConfig.from(new Map([...props, ...overrides]));
  }

  /** Every problem with these properties, or an empty list. */
  static validate(layers: BrokerConfigLayers | ReadonlyMap<string, string>): readonly string[] {
    try {
      BrokerConfig.from(layers);
      return [];
    } catch (e) {
      if (e instanceof ConfigException) return e.problems;
      throw e;
    }
  }

  /** The typed value of a known config: its setting, else Kafka's default (null where Kafka has none). */
  get<N extends BrokerConfigName>(name: N): BrokerConfigValue<N> {
    return this.#values.get(name) as BrokerConfigValue<N>;
  }

  /** Whether the key was given in any layer (as opposed to defaulted). */
  isSet(name: string): boolean {
    return this.originals.has(name);
  }

  /** Keys given that no definition knows, kept for plugins and reported by DescribeConfigs. */
  unknownKeys(): string[] {
    return [...this.originals.keys()].filter((k) => brokerConfigSpec(k) === undefined);
  }

  processRoles(): ProcessRole[] {
    return [...new Set(this.get('process.roles'))] as ProcessRole[];
  }

  nodeId(): number {
    return this.get('node.id');
  }

  /** log.dirs, else log.dir, split on commas (Kafka's KafkaConfig.logDirs). */
  logDirs(): string[] {
    const text = this.get('log.dirs') ?? this.get('log.dir');
    return splitCsv(text);
  }

  /** Directory of the metadata log: metadata.log.dir, else the first log dir. */
  metadataLogDir(): string {
    return this.get('metadata.log.dir') ?? (this.logDirs()[0] as string);
  }

  /** log.retention.ms, else minutes, else hours; any negative result means forever (-1). */
  logRetentionTimeMs(): number {
    const ms = this.get('log.retention.ms') ?? minutesOrHours(this.get('log.retention.minutes'), this.get('log.retention.hours'));
    return ms < 0 ? -1 : ms;
  }

  logRollTimeMs(): number {
    return this.get('log.roll.ms') ?? this.get('log.roll.hours') * HOUR_MS;
  }

  logRollTimeJitterMs(): number {
    return this.get('log.roll.jitter.ms') ?? this.get('log.roll.jitter.hours') * HOUR_MS;
  }

  logFlushIntervalMs(): number {
    return this.get('log.flush.interval.ms') ?? this.get('log.flush.scheduler.interval.ms');
  }

  listeners(): Endpoint[] {
    return parseListeners(this.get('listeners'), 'listeners');
  }

  controllerListenerNames(): string[] {
    return splitCsv(this.get('controller.listener.names') ?? '').map((n) => n.toUpperCase());
  }

  /** What clients are told: advertised.listeners, else listeners, minus the controller listeners. */
  advertisedBrokerListeners(): Endpoint[] {
    const advertised = this.get('advertised.listeners');
    const endpoints = advertised === null ? this.listeners() : parseListeners(advertised, 'advertised.listeners');
    const controllers = new Set(this.controllerListenerNames());
    return endpoints.filter((e) => !controllers.has(e.listenerName));
  }

  controllerListeners(): Endpoint[] {
    const controllers = new Set(this.controllerListenerNames());
    return this.listeners().filter((e) => controllers.has(e.listenerName));
  }

  /**
   * listener.security.protocol.map; when left at its default, controller listeners not in it map to
   * PLAINTEXT, as Kafka does, so a minimal KRaft config needs no explicit map.
   */
  listenerSecurityProtocolMap(): Map<string, SecurityProtocol> {
    const map = parseSecurityProtocolMap(this.get('listener.security.protocol.map'));
    if (!this.isSet('listener.security.protocol.map')) {
      for (const name of this.controllerListenerNames()) if (!map.has(name)) map.set(name, 'PLAINTEXT');
    }
    return map;
  }

  quorumVoters(): QuorumVoter[] {
    return parseQuorumVoters(this.get('controller.quorum.voters'));
  }

  quorumBootstrapServers(): HostPort[] {
    return parseQuorumBootstrapServers(this.get('controller.quorum.bootstrap.servers'));
  }

  /** The listener brokers use among themselves: inter.broker.listener.name, else the one named after the protocol. */
  interBrokerListenerName(): string {
    return (this.get('inter.broker.listener.name') ?? this.get('security.inter.broker.protocol')).toUpperCase();
  }
}

const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

function minutesOrHours(minutes: number | null, hours: number): number {
  return minutes !== null ? minutes * MINUTE_MS : hours * HOUR_MS;
}

function splitCsv(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The entries of a dynamic layer that may be set at that level; the rest are reported and ignored. */
function applicable(
  layer: ReadonlyMap<string, string>,
  allowed: readonly BrokerConfigSpec['dynamic'][],
  what: string,
  warnings: string[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of layer) {
    const spec = brokerConfigSpec(name);
    if (spec !== undefined && allowed.includes(spec.dynamic)) out.set(name, value);
    else warnings.push(`Ignoring ${what} dynamic config ${name}: it cannot be updated dynamically at that level.`);
  }
  return out;
}

/** Kafka treats node.id and broker.id as synonyms: setting one sets the other. */
function populateIdSynonyms(props: Map<string, string>): void {
  const nodeId = props.get('node.id');
  const brokerId = props.get('broker.id');
  if (nodeId !== undefined && brokerId === undefined) props.set('broker.id', nodeId);
  if (brokerId !== undefined && nodeId === undefined) props.set('node.id', brokerId);
}

/** KafkaConfig.validateValues, for the KRaft modes (Gregor has no ZooKeeper mode). */
function crossFieldProblems(c: BrokerConfig): string[] {
  const problems: string[] = [];
  const require = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  const roles = c.processRoles();
  const nodeId = c.nodeId();
  require(nodeId === c.get('broker.id'), 'You must set `node.id` to the same value as `broker.id`.');
  require(roles.length > 0, 'Gregor runs in KRaft mode only: `process.roles` must be set to broker, controller or both.');
  if (roles.length > 0) {
    require(nodeId >= 0, 'Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when running in KRaft mode).');
  }
  require(c.logRollTimeMs() >= 1, 'log.roll.ms must be greater than or equal to 1');
  require(c.logRollTimeJitterMs() >= 0, 'log.roll.jitter.ms must be greater than or equal to 0');
  const retention = c.logRetentionTimeMs();
  require(retention >= 1 || retention === -1, 'log.retention.ms must be unlimited (-1) or, greater than or equal to 1');
  require(c.logDirs().length > 0, 'At least one log directory must be defined via log.dirs or log.dir.');
  const cleanerThreads = c.get('log.cleaner.threads');
  require(
    cleanerThreads === 0 || c.get('log.cleaner.dedupe.buffer.size') / cleanerThreads > 1024 * 1024,
    'log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.',
  );
  require(
    c.get('replica.fetch.wait.max.ms') <= c.get('replica.socket.timeout.ms'),
    'replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts',
  );
  require(
    c.get('replica.fetch.wait.max.ms') <= c.get('replica.lag.time.max.ms'),
    'replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR',
  );
  const queuedBytes = c.get('queued.max.request.bytes');
  require(
    queuedBytes <= 0 || queuedBytes >= c.get('socket.request.max.bytes'),
    'queued.max.request.bytes must be larger or equal to socket.request.max.bytes',
  );
  require(
    c.get('max.connections.per.ip') > 0 || c.get('max.connections.per.ip.overrides').trim() !== '',
    'max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.',
  );
  require(
    c.get('connection.failed.authentication.delay.ms') < c.get('connections.max.idle.ms'),
    'connection.failed.authentication.delay.ms must be less than connections.max.idle.ms',
  );
  if (roles.length > 0) problems.push(...kraftProblems(c, roles, nodeId));
  return problems;
}

function kraftProblems(c: BrokerConfig, roles: ProcessRole[], nodeId: number): string[] {
  const problems: string[] = [];
  const require = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  let listeners: Endpoint[];
  let voters: QuorumVoter[];
  let protocols: Map<string, SecurityProtocol>;
  try {
    listeners = c.listeners();
    c.advertisedBrokerListeners();
    voters = c.quorumVoters();
    protocols = c.listenerSecurityProtocolMap();
  } catch (e) {
    if (e instanceof ConfigException) return [e.message];
    throw e;
  }
  const voterIds = new Set(voters.map((v) => v.id));
  const controllerNames = c.controllerListenerNames();
  const listenerNames = new Set(listeners.map((l) => l.listenerName));
  const controllerListeners = c.controllerListeners();
  const isBroker = roles.includes('broker');
  const isController = roles.includes('controller');
  require(
    voterIds.size > 0 || c.get('controller.quorum.bootstrap.servers').length > 0,
    'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.',
  );
  for (const l of listeners) {
    require(protocols.has(l.listenerName), `No security protocol defined for listener ${l.listenerName}`);
  }
  if (isController) {
    require(
      voterIds.size === 0 || voterIds.has(nodeId),
      `If process.roles contains the 'controller' role, the node id ${nodeId} must be included in the set of voters controller.quorum.voters=${formatIdSet(voterIds)}`,
    );
    require(
      controllerListeners.length > 0,
      "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role",
    );
    require(
      controllerNames.every((n) => listenerNames.has(n)),
      "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role",
    );
  }
  if (isController && !isBroker) {
    require(
      controllerListeners.length === listeners.length,
      'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller',
    );
  }
  if (isBroker && !isController) {
    require(
      !voterIds.has(nodeId),
      `If process.roles contains just the 'broker' role, the node id ${nodeId} must not be included in the set of voters controller.quorum.voters=${formatIdSet(voterIds)}`,
    );
    require(controllerNames.length > 0, 'controller.listener.names must contain at least one value when running KRaft with just the broker role');
    require(
      controllerListeners.length === 0,
      "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role",
    );
  }
  if (isBroker) {
    const advertised = c.advertisedBrokerListeners();
    require(
      advertised.length > 0,
      'There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?',
    );
    require(
      !advertised.some((e) => e.host === '0.0.0.0'),
      'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
    );
    const interBroker = c.interBrokerListenerName();
    require(
      advertised.some((e) => e.listenerName === interBroker),
      `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertised.map((e) => e.listenerName).join(',')}`,
    );
  }
  return problems;
}

function formatIdSet(ids: Set<number>): string {
  return `Set(${[...ids].join(', ')})`;
}
