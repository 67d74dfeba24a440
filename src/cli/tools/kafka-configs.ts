/**
 * `kafka-configs`: --describe and --alter (--add-config / --add-config-file / --delete-config) of
 * topic and broker configs (a broker id, or --entity-default for the cluster-wide default), with
 * Kafka 3.9's output: `Dynamic configs for topic t are:` then `  k=v sensitive=false synonyms={...}`,
 * `Completed updating config for topic t.`
 */
import type { AlterConfigOp, ConfigEntry, ConfigResourceType } from '../../client/index.js';
import { clientConfig, kafkaClient, optionalProperties, printCommandError, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, parseConfigList, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

export type EntityType = 'topics' | 'brokers';

export interface ConfigsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly action: 'describe' | 'alter';
  readonly entityType: EntityType;
  /** undefined: every entity of the type; '' : the cluster-wide broker default. */
  readonly entityName: string | undefined;
  readonly all: boolean;
  readonly addConfig: ReadonlyMap<string, string>;
  readonly addConfigFile: string | undefined;
  readonly deleteConfig: readonly string[];
}

export const CONFIGS_SPEC: ToolSpec = {
  tool: 'kafka-configs',
  summary: 'This tool helps to manipulate and describe entity config for a topic or broker.',
  options: [
    { name: 'add-config', arg: 'required', describedAs: 'String', help: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." },
    { name: 'add-config-file', arg: 'required', describedAs: 'String', help: 'Path to a properties file with configs to add.' },
    { name: 'all', help: 'List all configs for the given topic or broker, including defaults.' },
    { name: 'alter', help: 'Alter the configuration for the entity.' },
    { name: 'bootstrap-controller', arg: 'required', describedAs: 'String: controller to connect to', help: 'The controller to connect to (Gregor: the broker answers for it).' },
    BOOTSTRAP_SERVER,
    { name: 'broker', arg: 'required', describedAs: 'String', help: 'The broker\'s ID.' },
    { name: 'broker-defaults', help: 'The config defaults for all brokers.' },
    { name: 'broker-logger', arg: 'required', describedAs: 'String', help: 'Not supported by Gregor yet.' },
    { name: 'client', arg: 'required', describedAs: 'String', help: 'Not supported by Gregor yet (client quotas).' },
    { name: 'client-metrics', arg: 'required', describedAs: 'String', help: 'Not supported by Gregor yet.' },
    COMMAND_CONFIG,
    { name: 'delete-config', arg: 'required', describedAs: 'String', help: 'config keys to remove \'k1,k2\'' },
    { name: 'describe', help: 'List configs for the given entity.' },
    { name: 'entity-default', help: 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type)' },
    { name: 'entity-name', arg: 'required', describedAs: 'String', help: 'Name of entity (topic name/broker id)' },
    { name: 'entity-type', arg: 'required', describedAs: 'String', help: 'Type of entity (topics/brokers; clients/users/ips/broker-loggers/client-metrics/groups are not supported by Gregor yet)' },
    { name: 'force', help: 'Suppress console prompts' },
    { name: 'group', arg: 'required', describedAs: 'String', help: 'Not supported by Gregor yet.' },
    HELP,
    { name: 'ip', arg: 'required', describedAs: 'String', help: 'Not supported by Gregor yet.' },
    { name: 'topic', arg: 'required', describedAs: 'String', help: 'The topic\'s name.' },
    { name: 'user', arg: 'required', describedAs: 'String', help: 'Not supported by Gregor yet (user quotas).' },
    VERSION,
  ],
};

const UNSUPPORTED_TYPES = ['clients', 'users', 'ips', 'broker-loggers', 'client-metrics', 'groups'];

export function parseConfigsArgs(argv: readonly string[]): Parsed<ConfigsArgs> {
  if (argv.length === 0) return { kind: 'error', message: 'Add/Remove entity config for a topic or broker: no action given (see kafka-configs --help)' };
  return parseWith(CONFIGS_SPEC, argv, (o) => {
    noPositional(o);
    const actions = o.present(['describe', 'alter']);
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
    const action = actions[0] as 'describe' | 'alter';
    const bootstrap = o.value('bootstrap-server') ?? o.value('bootstrap-controller');
    if (bootstrap === undefined) requireBootstrap(o);
    for (const shorthand of ['client', 'user', 'ip', 'broker-logger', 'client-metrics', 'group']) {
      if (o.has(shorthand)) throw new UsageError(`--${shorthand} is not supported by Gregor yet: topics and brokers only`);
    }
    const types = new Set<string>(o.all('entity-type'));
    if (o.has('topic')) types.add('topics');
    if (o.has('broker') || o.has('broker-defaults')) types.add('brokers');
    if (types.size === 0) throw new UsageError('At least one entity type must be specified');
    if (types.size > 1) throw new UsageError(`Only one entity type is supported by Gregor's kafka-configs; got ${[...types].join(', ')}`);
    const entityType = [...types][0] as string;
    if (UNSUPPORTED_TYPES.includes(entityType)) throw new UsageError(`--entity-type ${entityType} is not supported by Gregor yet: topics and brokers only`);
    if (entityType !== 'topics' && entityType !== 'brokers') throw new UsageError(`Invalid entity type ${entityType}, the entity type must be one of topics, brokers, clients, users, ips, broker-loggers, client-metrics, groups`);
    const names = [o.value('entity-name'), o.value('topic'), o.value('broker')].filter((n): n is string => n !== undefined);
    const isDefault = o.has('entity-default') || o.has('broker-defaults');
    if (names.length > 1 || (names.length === 1 && isDefault)) throw new UsageError('Only one of --entity-name or --entity-default can be specified');
    if (isDefault && entityType === 'topics') throw new UsageError('--entity-default is not a valid option for entity type topics');
    let entityName = isDefault ? '' : names[0];
    if (entityType === 'brokers' && entityName !== undefined && entityName !== '' && !/^\d+$/.test(entityName)) {
      throw new UsageError(`The entity name for brokers must be a valid integer broker id, but it is: ${entityName}`);
    }
    if (entityType === 'topics' && entityName === '') entityName = undefined;
    const addConfig = o.has('add-config') ? parseConfigList(o.all('add-config').join(',')) : new Map<string, string>();
    const deleteConfig = o.all('delete-config').flatMap((s) => s.split(',').map((k) => k.trim()).filter((k) => k !== ''));
    if (action === 'alter') {
      if (entityName === undefined) throw new UsageError('An entity name must be specified with --alter of topics');
      if (addConfig.size === 0 && deleteConfig.length === 0 && !o.has('add-config-file')) {
        throw new UsageError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
      }
      const both = deleteConfig.filter((k) => addConfig.has(k));
      if (both.length > 0) throw new UsageError(`Invalid config(s): ${both.join(',')}: cannot be both added and deleted`);
    } else if (o.has('add-config') || o.has('delete-config') || o.has('add-config-file')) {
      throw new UsageError('Option "[add-config]" can\'t be used with option "[describe]"');
    }
    if (o.has('all') && action !== 'describe') throw new UsageError('Option "[all]" can only be used with option "[describe]"');
    return {
      bootstrap: bootstrap as string,
      commandConfig: o.value('command-config'),
      action,
      entityType,
      entityName,
      all: o.has('all'),
      addConfig,
      addConfigFile: o.value('add-config-file'),
      deleteConfig,
    };
  });
}

export function describeHeader(type: EntityType, name: string, all: boolean): string {
  if (type === 'brokers' && name === '') return `${all ? 'All' : 'Default'} configs for brokers in the cluster are:`;
  return `${all ? 'All' : 'Dynamic'} configs for ${type === 'topics' ? 'topic' : 'broker'} ${name} are:`;
}

export function describeEntryLine(e: ConfigEntry): string {
  const value = e.isSensitive ? null : e.value;
  const synonyms = e.synonyms.map((s) => `${s.source}:${s.name}=${e.isSensitive ? null : s.value}`).join(', ');
  return `  ${e.name}=${value} sensitive=${e.isSensitive} synonyms={${synonyms}}`;
}

/** The entries Kafka shows without --all: only the dynamic ones of this entity's own layer. */
export function shownEntries(type: EntityType, name: string, all: boolean, entries: readonly ConfigEntry[]): ConfigEntry[] {
  const source = type === 'topics' ? 'DYNAMIC_TOPIC_CONFIG' : name === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG';
  return entries.filter((e) => all || e.source === source).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function runConfigs(args: ConfigsArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  const resourceType: ConfigResourceType = args.entityType === 'topics' ? 'topic' : 'broker';
  const singular = args.entityType === 'topics' ? 'topic' : 'broker';
  try {
    if (args.action === 'describe') {
      let names: string[];
      if (args.entityType === 'topics') {
        const all = await admin.listTopics({ includeInternal: true });
        if (args.entityName !== undefined && !all.includes(args.entityName)) {
          throw new UsageError(`The topic '${args.entityName}' doesn't exist and doesn't have dynamic config.`);
        }
        names = args.entityName !== undefined ? [args.entityName] : all;
      } else {
        const brokers = (await admin.describeCluster()).brokers.map((b) => String(b.nodeId));
        if (args.entityName !== undefined && args.entityName !== '' && !brokers.includes(args.entityName)) {
          throw new UsageError(`The broker '${args.entityName}' doesn't exist and doesn't have dynamic config.`);
        }
        names = args.entityName !== undefined ? [args.entityName] : [...brokers, ''];
      }
      if (names.length === 0) return 0;
      const described = await admin.describeConfigs(names.map((name) => ({ type: resourceType, name })), { includeSynonyms: true });
      for (const name of names) {
        const entries = described.find((d) => d.name === name)?.configs ?? [];
        io.stdout(`${describeHeader(args.entityType, name, args.all)}\n`);
        for (const e of shownEntries(args.entityType, name, args.all, entries)) io.stdout(`${describeEntryLine(e)}\n`);
      }
      return 0;
    }
    const name = args.entityName as string;
    const fromFile = optionalProperties(io, args.addConfigFile);
    const ops: AlterConfigOp[] = [
      ...[...fromFile, ...args.addConfig].map(([k, v]) => ({ op: 'set' as const, name: k, value: v })),
      ...args.deleteConfig.map((k) => ({ op: 'delete' as const, name: k })),
    ];
    if (args.entityType === 'topics') {
      const all = await admin.listTopics({ includeInternal: true });
      if (!all.includes(name)) throw new UsageError(`The topic '${name}' doesn't exist.`);
    }
    await admin.incrementalAlterConfigs([{ type: resourceType, name, ops }]);
    io.stdout(name === '' ? `Completed updating default config for ${args.entityType} in the cluster.\n` : `Completed updating config for ${singular} ${name}.\n`);
    return 0;
  } catch (e) {
    return printCommandError(io, e, 'config', (k) => k.message.replace(/^[a-z][^:]*: /, ''));
  } finally {
    await admin.close();
  }
}

export const kafkaConfigs: Tool<ConfigsArgs> = { name: 'kafka-configs', parse: parseConfigsArgs, run: runConfigs };
