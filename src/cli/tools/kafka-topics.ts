/**
 * `kafka-topics`: --create / --list / --describe / --alter / --delete, with Kafka 3.9's options,
 * checks and output (`Created topic t.`, the tab-separated --describe lines, sorted --list).
 */
import { KafkaError, ZERO_UUID, hasCollisionChars } from '../../common/index.js';
import type { Admin, ConfigEntry, TopicDescription } from '../../client/index.js';
import { clientConfig, kafkaClient, optionalProperties, printCommandError, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ParsedOptions, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

export type TopicsAction = 'create' | 'list' | 'describe' | 'alter' | 'delete';

export interface TopicsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly action: TopicsAction;
  readonly topic: string | undefined;
  readonly topicId: string | undefined;
  readonly partitions: number | undefined;
  readonly replicationFactor: number | undefined;
  readonly replicaAssignment: readonly (readonly number[])[] | undefined;
  readonly configs: ReadonlyMap<string, string>;
  readonly ifExists: boolean;
  readonly ifNotExists: boolean;
  readonly excludeInternal: boolean;
  readonly report: 'under-replicated' | 'unavailable' | 'under-min-isr' | 'at-min-isr' | undefined;
  readonly topicsWithOverrides: boolean;
}

const ACTIONS: readonly TopicsAction[] = ['create', 'list', 'describe', 'alter', 'delete'];

export const TOPICS_SPEC: ToolSpec = {
  tool: 'kafka-topics',
  summary: 'This tool helps to create, delete, describe, or change a topic.',
  options: [
    { name: 'alter', help: 'Alter the number of partitions and replica assignment. (To alter topic configurations, use kafka-configs.)' },
    { name: 'at-min-isr-partitions', help: 'If set when describing topics, only show partitions whose isr count is equal to the configured minimum.' },
    BOOTSTRAP_SERVER,
    COMMAND_CONFIG,
    { name: 'config', arg: 'required', describedAs: 'name=value', help: 'A topic configuration override for the topic being created.' },
    { name: 'create', help: 'Create a new topic.' },
    { name: 'delete', help: 'Delete a topic.' },
    { name: 'describe', help: 'List details for the given topics.' },
    { name: 'exclude-internal', help: 'Exclude internal topics when listing or describing topics.' },
    HELP,
    { name: 'if-exists', help: 'If set when altering, deleting or describing topics, the action only executes if the topic exists.' },
    { name: 'if-not-exists', help: 'If set when creating topics, the action only executes if the topic does not already exist.' },
    { name: 'list', help: 'List all available topics.' },
    { name: 'partition-size-limit-per-response', arg: 'required', describedAs: 'maximum number of partitions per response', help: 'Accepted; Gregor answers in one response.' },
    { name: 'partitions', arg: 'required', describedAs: 'Integer: # of partitions', help: 'The number of partitions for the topic being created or altered.' },
    { name: 'replica-assignment', arg: 'required', describedAs: 'broker_id_for_part1_replica1:broker_id_for_part1_replica2,...', help: 'Manual partition-to-broker assignments.' },
    { name: 'replication-factor', arg: 'required', describedAs: 'Integer: replication factor', help: 'The replication factor for each partition in the topic being created.' },
    { name: 'topic', arg: 'required', describedAs: 'String: topic', help: 'The topic to create, alter, describe or delete. A regular expression except with --create.' },
    { name: 'topic-id', arg: 'required', describedAs: 'String: topic-id', help: 'The topic-id to describe.' },
    { name: 'topics-with-overrides', help: 'If set when describing topics, only show topics that have overridden configs.' },
    { name: 'unavailable-partitions', help: 'If set when describing topics, only show partitions whose leader is not available.' },
    { name: 'under-min-isr-partitions', help: 'If set when describing topics, only show partitions whose isr count is less than the configured minimum.' },
    { name: 'under-replicated-partitions', help: 'If set when describing topics, only show under-replicated partitions.' },
    VERSION,
  ],
};

/** `0:1,1:2` → [[0,1],[1,2]], Kafka's checks included. */
export function parseReplicaAssignment(text: string): number[][] {
  const out: number[][] = [];
  for (const [i, part] of text.split(',').entries()) {
    const ids = part.split(':').map((s) => {
      const t = s.trim();
      if (!/^\d+$/.test(t)) throw new UsageError(`Invalid replica assignment '${text}': '${t}' is not a broker id`);
      return Number(t);
    });
    const dups = ids.filter((id, j) => ids.indexOf(id) !== j);
    if (dups.length > 0) throw new UsageError(`Partition replica lists may not contain duplicate entries: ${[...new Set(dups)].join(',')}`);
    if (out.length > 0 && ids.length !== (out[0] as number[]).length) throw new UsageError(`Partition ${i} has different replication factor: [${ids.join(', ')}]`);
    out.push(ids);
  }
  return out;
}

function onlyWith(o: ParsedOptions, option: string, allowed: readonly TopicsAction[]): void {
  if (!o.has(option)) return;
  const bad = ACTIONS.filter((a) => !allowed.includes(a) && o.has(a));
  if (bad.length > 0) throw new UsageError(`Option "[${option}]" can't be used with option "[${bad.join(', ')}]"`);
}

export function parseTopicsArgs(argv: readonly string[]): Parsed<TopicsArgs> {
  if (argv.length === 0) return { kind: 'error', message: 'Create, delete, describe, or change a topic: no action given (see kafka-topics --help)' };
  return parseWith(TOPICS_SPEC, argv, (o) => {
    noPositional(o);
    const actions = o.present(ACTIONS);
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
    const action = actions[0] as TopicsAction;
    const bootstrap = requireBootstrap(o);
    if (action !== 'list' && action !== 'describe' && !o.has('topic')) throw new UsageError('Missing required argument "[topic]"');
    if (action === 'alter' && o.has('config')) throw new UsageError('Option "[config]" can\'t be used with option "[alter]" (To alter topic configurations, use kafka-configs.)');
    if (action === 'alter' && !o.has('partitions')) throw new UsageError('Missing required argument "[partitions]"');
    onlyWith(o, 'config', ['create', 'alter']);
    onlyWith(o, 'partitions', ['create', 'alter']);
    onlyWith(o, 'replication-factor', ['create']);
    onlyWith(o, 'replica-assignment', ['create', 'alter']);
    onlyWith(o, 'if-exists', ['alter', 'delete', 'describe']);
    onlyWith(o, 'if-not-exists', ['create']);
    onlyWith(o, 'exclude-internal', ['list', 'describe']);
    if (action === 'create' && o.has('replica-assignment') && (o.has('partitions') || o.has('replication-factor'))) {
      throw new UsageError('Option "[replica-assignment]" can\'t be used with option "[partitions, replication-factor]"');
    }
    const reports = (['under-replicated-partitions', 'unavailable-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions'] as const).filter((r) => o.has(r));
    if (reports.length > 1) throw new UsageError(`Option "[${reports[0]}]" can't be used with option "[${reports.slice(1).join(', ')}]"`);
    if ((reports.length > 0 || o.has('topics-with-overrides')) && action !== 'describe') {
      throw new UsageError(`Option "[${reports[0] ?? 'topics-with-overrides'}]" can only be used with option "[describe]"`);
    }
    if (reports.length > 0 && o.has('topics-with-overrides')) throw new UsageError(`Option "[${reports[0]}]" can't be used with option "[topics-with-overrides]"`);
    const configs = new Map<string, string>();
    for (const c of o.all('config')) {
      const parts = c.split(/\s*=\s*/);
      if (parts.length !== 2) throw new UsageError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".');
      configs.set((parts[0] as string).trim(), (parts[1] as string).trim());
    }
    const ra = o.value('replica-assignment');
    const report = reports[0]?.replace(/-partitions$/, '') as TopicsArgs['report'];
    return {
      bootstrap,
      commandConfig: o.value('command-config'),
      action,
      topic: o.value('topic'),
      topicId: o.value('topic-id'),
      partitions: o.int('partitions'),
      replicationFactor: o.int('replication-factor'),
      replicaAssignment: ra === undefined || ra === '' ? undefined : parseReplicaAssignment(ra),
      configs,
      ifExists: o.has('if-exists'),
      ifNotExists: o.has('if-not-exists'),
      excludeInternal: o.has('exclude-internal'),
      report,
      topicsWithOverrides: o.has('topics-with-overrides'),
    };
  });
}

/** Kafka's IncludeList: a Java regex matched against the whole name; ',' separates alternatives. */
export function topicFilter(pattern: string): (name: string) => boolean {
  const p = pattern.trim().replace(/^["']|["']$/g, '').replace(/,/g, '|');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${p})$`);
  } catch {
    throw new UsageError(`${pattern} is an invalid regex.`);
  }
  return (name) => re.test(name);
}

/** The topic line of --describe. */
export function describeTopicLine(t: TopicDescription, configs: readonly ConfigEntry[]): string {
  const shown = configs.filter((c) => !c.isDefault).map((c) => `${c.name}=${c.value ?? ''}`);
  const id = t.topicId === ZERO_UUID ? '' : `\tTopicId: ${t.topicId}`;
  const rf = t.partitions[0]?.replicas.length ?? 0;
  return `Topic: ${t.name}${id}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${shown.join(',')}`;
}

/** One partition line of --describe (ELR lists: Gregor keeps none, so they print empty as a 3.9 broker's do). */
export function describePartitionLine(topic: string, p: TopicDescription['partitions'][number]): string {
  const leader = p.leader < 0 ? 'none' : String(p.leader);
  return `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: \tLastKnownElr: `;
}

/** The client's "creating topic x: " context stripped, leaving the broker's own words. */
export function brokerWords(e: KafkaError): string {
  return e.message.replace(/^(creating|deleting) (topic|partitions of) \S+: /, '');
}

async function topicsMatching(admin: Admin, args: TopicsArgs): Promise<string[]> {
  const all = await admin.listTopics({ includeInternal: !args.excludeInternal });
  const wanted = args.topic === undefined ? () => true : topicFilter(args.topic);
  return all.filter(wanted);
}

function ensureExists(found: readonly string[], args: TopicsArgs): void {
  if (args.topic !== undefined && args.topic !== '' && !args.ifExists && found.length === 0) {
    throw new UsageError(`Topic '${args.topic}' does not exist as expected`);
  }
}

export async function runTopics(args: TopicsArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  try {
    switch (args.action) {
      case 'create': {
        const name = args.topic as string;
        if (args.replicationFactor !== undefined && (args.replicationFactor < 1 || args.replicationFactor > 32767)) {
          throw new UsageError('The replication factor must be between 1 and 32767 inclusive');
        }
        if (args.partitions !== undefined && args.partitions < 1) throw new UsageError('The partitions must be greater than 0');
        if (hasCollisionChars(name)) {
          io.stdout("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
        }
        const [created] = await admin.createTopics(
          [
            {
              name,
              ...(args.replicaAssignment !== undefined
                ? { assignments: Object.fromEntries(args.replicaAssignment.map((ids, i) => [i, ids])) }
                : {
                    ...(args.partitions !== undefined ? { numPartitions: args.partitions } : {}),
                    ...(args.replicationFactor !== undefined ? { replicationFactor: args.replicationFactor } : {}),
                  }),
              configs: Object.fromEntries(args.configs),
            },
          ],
          { ifNotExists: args.ifNotExists },
        );
        if (created?.created !== false) io.stdout(`Created topic ${name}.\n`);
        return 0;
      }
      case 'list': {
        io.stdout(`${(await topicsMatching(admin, args)).join('\n')}\n`);
        return 0;
      }
      case 'describe': {
        let names: string[];
        if (args.topicId !== undefined && args.topicId !== ZERO_UUID) {
          const all = await admin.describeTopics(await admin.listTopics({ includeInternal: !args.excludeInternal }));
          names = all.filter((t) => t.topicId === args.topicId).map((t) => t.name);
          if (names.length === 0 && !args.ifExists) throw new UsageError(`TopicId '${args.topicId}' does not exist as expected`);
        } else {
          names = await topicsMatching(admin, args);
          ensureExists(names, args);
        }
        if (names.length === 0) return 0;
        const topics = await admin.describeTopics(names);
        const configs = await admin.describeConfigs(names.map((name) => ({ type: 'topic' as const, name })));
        const cluster = await admin.describeCluster();
        const live = new Set(cluster.brokers.map((b) => b.nodeId));
        for (const t of topics) {
          const entries = configs.find((c) => c.name === t.name)?.configs ?? [];
          const minIsr = Number(entries.find((c) => c.name === 'min.insync.replicas')?.value ?? '1');
          const sorted = [...t.partitions].sort((a, b) => a.partition - b.partition);
          const overridden = entries.some((c) => !c.isDefault);
          if (args.report === undefined && (!args.topicsWithOverrides || overridden) && sorted.length > 0) {
            io.stdout(`${describeTopicLine(t, entries)}\n`);
          }
          if (args.topicsWithOverrides) continue;
          for (const p of sorted) {
            const show =
              args.report === undefined ||
              (args.report === 'under-replicated' && p.replicas.length - p.isr.length > 0) ||
              (args.report === 'unavailable' && (p.leader < 0 || !live.has(p.leader))) ||
              (args.report === 'under-min-isr' && (p.leader < 0 || p.isr.length < minIsr)) ||
              (args.report === 'at-min-isr' && p.isr.length === minIsr);
            if (show) io.stdout(`${describePartitionLine(t.name, p)}\n`);
          }
        }
        return 0;
      }
      case 'alter': {
        const names = await topicsMatching(admin, args);
        ensureExists(names, args);
        if (names.length === 0) return 0;
        const described = args.replicaAssignment === undefined ? [] : await admin.describeTopics(names);
        await admin.createPartitions(
          names.map((topic) => {
            const current = described.find((t) => t.name === topic)?.partitions.length ?? 0;
            const extra = args.replicaAssignment?.slice(current);
            return { topic, count: args.partitions as number, ...(extra !== undefined ? { assignments: extra } : {}) };
          }),
        );
        return 0;
      }
      case 'delete': {
        const names = await topicsMatching(admin, args);
        ensureExists(names, args);
        if (names.length > 0) await admin.deleteTopics(names);
        return 0;
      }
    }
  } catch (e) {
    return printCommandError(io, e, 'topic', brokerWords);
  } finally {
    await admin.close();
  }
}

export const kafkaTopics: Tool<TopicsArgs> = { name: 'kafka-topics', parse: parseTopicsArgs, run: runTopics };
