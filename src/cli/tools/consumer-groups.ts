/**
 * `kafka-consumer-groups`: --list (with --state/--type), --describe (offsets with CURRENT-OFFSET,
 * LOG-END-OFFSET and LAG; --members; --state), --reset-offsets (--to-earliest/--to-latest/
 * --to-current/--to-offset/--shift-by/--to-datetime/--by-duration, --dry-run or --execute),
 * --delete and --delete-offsets, with Kafka 3.9's column layouts and messages.
 */
import type { Admin, CommittedOffset, ConsumerGroupDescription, TopicPartition } from '../../client/index.js';
import { clientConfig, optionalProperties, errorLine, kafkaClient, type ToolIo } from './context.js';
import { padRight } from './format.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ParsedOptions, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

export type ResetSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'current' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'shift'; readonly by: number }
  | { readonly kind: 'datetime'; readonly timestamp: number }
  | { readonly kind: 'duration'; readonly ms: number };

export interface GroupsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly action: 'list' | 'describe' | 'reset-offsets' | 'delete' | 'delete-offsets';
  readonly groups: readonly string[];
  readonly allGroups: boolean;
  readonly describe: 'offsets' | 'members' | 'state';
  readonly verbose: boolean;
  /** --list --state [filter] / --type [filter]: undefined = not asked; [] = show the column, no filter. */
  readonly listStates: readonly string[] | undefined;
  readonly listTypes: readonly string[] | undefined;
  readonly topics: readonly string[];
  readonly allTopics: boolean;
  readonly reset: ResetSpec | undefined;
  readonly execute: boolean;
  readonly dryRunExplicit: boolean;
}

export const GROUPS_SPEC: ToolSpec = {
  tool: 'kafka-consumer-groups',
  summary: 'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.',
  options: [
    { name: 'all-groups', help: 'Apply to all consumer groups.' },
    { name: 'all-topics', help: 'Consider all topics assigned to a group in the `reset-offsets` process.' },
    BOOTSTRAP_SERVER,
    { name: 'by-duration', arg: 'required', describedAs: 'String: duration', help: 'Reset offsets to offset by duration from current timestamp. Format: PnDTnHnMnS' },
    COMMAND_CONFIG,
    { name: 'delete', help: 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group.' },
    { name: 'delete-offsets', help: 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.' },
    { name: 'describe', help: 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.' },
    { name: 'dry-run', help: 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.' },
    { name: 'execute', help: 'Execute operation. Supported operations: reset-offsets.' },
    { name: 'group', arg: 'required', describedAs: 'String: consumer group', help: 'The consumer group we wish to act on.' },
    HELP,
    { name: 'list', help: 'List all consumer groups.' },
    { name: 'members', help: 'Describe members of the group. This option may be used with \'--describe\' and \'--bootstrap-server\' options only.' },
    { name: 'offsets', help: 'Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action.' },
    { name: 'reset-offsets', help: 'Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive.' },
    { name: 'shift-by', arg: 'required', describedAs: 'Long: number-of-offsets', help: 'Reset offsets shifting current offset by \'n\', where \'n\' can be positive or negative.' },
    { name: 'state', arg: 'optional', describedAs: 'String', help: 'When specified with \'--describe\', includes the state of the group. When specified with \'--list\', it displays the state of all groups; it can also filter by states.' },
    { name: 'timeout', arg: 'required', describedAs: 'Long: timeout (ms)', help: 'The timeout that can be set for some use cases. (default: 5000)' },
    { name: 'to-current', help: 'Reset offsets to current offset.' },
    { name: 'to-datetime', arg: 'required', describedAs: 'String: datetime', help: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'" },
    { name: 'to-earliest', help: 'Reset offsets to earliest offset.' },
    { name: 'to-latest', help: 'Reset offsets to latest offset.' },
    { name: 'to-offset', arg: 'required', describedAs: 'Long: offset', help: 'Reset offsets to a specific offset.' },
    { name: 'topic', arg: 'required', describedAs: 'String: topic', help: "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process ('topic:0,1,2' for partitions)." },
    { name: 'type', arg: 'optional', describedAs: 'String', help: "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types." },
    { name: 'verbose', help: 'Provide additional information, if any, when describing the group.' },
    VERSION,
  ],
};

const ACTIONS = ['list', 'describe', 'reset-offsets', 'delete', 'delete-offsets'] as const;
const RESET_SPECS = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'shift-by', 'to-datetime', 'by-duration', 'from-file'];

/** `YYYY-MM-DDTHH:mm:SS.sss` with an optional zone (Z, ±hh:mm); without one, UTC as Kafka assumes. */
export function parseDateTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`Error parsing timestamp '${text}': use the format 'YYYY-MM-DDTHH:mm:SS.sss'`);
  let zone = m[8] ?? 'Z';
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? '0').padEnd(3, '0')}${zone}`);
  if (Number.isNaN(ms)) throw new UsageError(`Error parsing timestamp '${text}'`);
  return ms;
}

/** ISO-8601 durations as Java's Duration.parse reads them: PnDTnHnMn.nS. */
export function parseDuration(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (m === null || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) throw new UsageError(`Error parsing duration '${text}': use the format PnDTnHnMnS`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Math.round(Number(m[4] ?? 0) * 1000);
}

function int(o: ParsedOptions, name: string): number {
  const v = o.int(name);
  if (v === undefined) throw new UsageError(`Option ${name} requires an argument`);
  return v;
}

function resetSpec(o: ParsedOptions): ResetSpec {
  const given = RESET_SPECS.filter((s) => o.has(s));
  if (given.length === 0) throw new UsageError('Option [reset-offsets] needs one of the following actions: --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration');
  if (given.length > 1) throw new UsageError(`Option [reset-offsets] takes only one of the reset actions; got ${given.map((g) => `--${g}`).join(', ')}`);
  switch (given[0]) {
    case 'to-earliest':
      return { kind: 'earliest' };
    case 'to-latest':
      return { kind: 'latest' };
    case 'to-current':
      return { kind: 'current' };
    case 'to-offset':
      return { kind: 'offset', offset: int(o, 'to-offset') };
    case 'shift-by':
      return { kind: 'shift', by: int(o, 'shift-by') };
    case 'to-datetime':
      return { kind: 'datetime', timestamp: parseDateTime(o.required('to-datetime')) };
    case 'by-duration':
      return { kind: 'duration', ms: parseDuration(o.required('by-duration')) };
    default:
      throw new UsageError('--from-file is not supported by Gregor yet');
  }
}

function list(v: string | undefined): string[] {
  return v === undefined || v.trim() === '' ? [] : v.split(',').map((s) => s.trim());
}

const STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];

export function parseGroupsArgs(argv: readonly string[]): Parsed<GroupsArgs> {
  if (argv.length === 0) return { kind: 'error', message: 'List all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets: no action given (see kafka-consumer-groups --help)' };
  return parseWith(GROUPS_SPEC, argv, (o) => {
    noPositional(o);
    const actions = o.present(ACTIONS);
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets');
    const action = actions[0] as GroupsArgs['action'];
    const bootstrap = requireBootstrap(o);
    const groups = o.all('group');
    const allGroups = o.has('all-groups');
    if ((action === 'describe' || action === 'delete' || action === 'reset-offsets') && groups.length === 0 && !allGroups) {
      throw new UsageError(`Option [${action}] takes one of these options: [all-groups], [group]`);
    }
    if (action === 'delete-offsets' && (groups.length !== 1 || o.all('topic').length === 0)) {
      throw new UsageError('Option [delete-offsets] takes the following options: [group], [topic]');
    }
    if (allGroups && groups.length > 0) throw new UsageError('Option [all-groups] can\'t be used with option [group]');
    const subs = o.present(['members', 'offsets', 'state']);
    if (action === 'describe' && subs.length > 1) throw new UsageError('Option [describe] takes at most one of these options: [members], [offsets], [state]');
    for (const s of ['members', 'offsets'] as const) if (o.has(s) && action !== 'describe') throw new UsageError(`Option [${s}] can only be used with option [describe]`);
    if (o.has('state') && action !== 'describe' && action !== 'list') throw new UsageError('Option [state] can only be used with options [describe], [list]');
    if (o.has('type') && action !== 'list') throw new UsageError('Option [type] can only be used with option [list]');
    if (action === 'describe' && o.value('state') !== undefined) throw new UsageError('Option [describe] does not take a value for [state]');
    const listStates = o.has('state') && action === 'list' ? list(o.value('state')) : undefined;
    for (const s of listStates ?? []) {
      const canon = STATES.find((x) => x.toLowerCase() === s.toLowerCase());
      if (canon === undefined) throw new UsageError(`Invalid state list '${o.value('state')}'. Valid states are: ${STATES.join(', ')}`);
    }
    const listTypes = o.has('type') ? list(o.value('type')).map((t) => t.toLowerCase()) : undefined;
    for (const t of listTypes ?? []) if (t !== 'classic' && t !== 'consumer') throw new UsageError(`Invalid types list '${o.value('type')}'. Valid types are: classic, consumer`);
    let reset: ResetSpec | undefined;
    if (action === 'reset-offsets') {
      reset = resetSpec(o);
      if (!o.has('topic') && !o.has('all-topics')) throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
      if (o.has('topic') && o.has('all-topics')) throw new UsageError('Option [all-topics] can\'t be used with option [topic]');
      if (o.has('dry-run') && o.has('execute')) throw new UsageError('Option [dry-run] can\'t be used with option [execute]');
    } else {
      for (const s of [...RESET_SPECS, 'dry-run', 'execute', 'all-topics']) if (o.has(s)) throw new UsageError(`Option [${s}] can only be used with option [reset-offsets]`);
    }
    return {
      bootstrap,
      commandConfig: o.value('command-config'),
      action,
      groups,
      allGroups,
      describe: (subs[0] ?? 'offsets') as GroupsArgs['describe'],
      verbose: o.has('verbose'),
      listStates: listStates?.map((s) => STATES.find((x) => x.toLowerCase() === s.toLowerCase()) as string),
      listTypes,
      topics: o.all('topic'),
      allTopics: o.has('all-topics'),
      reset,
      execute: o.has('execute'),
      dryRunExplicit: o.has('dry-run'),
    };
  });
}

/** `t` → every partition of t; `t:0,2` → those. */
export function parseTopicScopes(topics: readonly string[]): { topic: string; partitions: number[] | undefined }[] {
  return topics.map((t) => {
    const at = t.indexOf(':');
    if (at < 0) return { topic: t, partitions: undefined };
    const parts = t.slice(at + 1).split(',').map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p))) throw new UsageError(`Invalid partition list in '${t}'`);
    return { topic: t.slice(0, at), partitions: parts.map(Number) };
  });
}

/** One row of the offsets table (missing values as '-'). */
export interface OffsetRow {
  readonly group: string;
  readonly topic: string;
  readonly partition: string;
  readonly leaderEpoch: string;
  readonly currentOffset: string;
  readonly logEndOffset: string;
  readonly lag: string;
  readonly consumerId: string;
  readonly host: string;
  readonly clientId: string;
}

/** The --describe offsets table, Kafka's `printOffsets` layout (a leading empty line, then a trailing one). */
export function renderOffsets(rows: readonly OffsetRow[], verbose: boolean): string {
  const w = (f: (r: OffsetRow) => string): number => Math.max(15, ...rows.map((r) => f(r).length));
  const g = w((r) => r.group);
  const t = w((r) => r.topic);
  const c = w((r) => r.consumerId);
  const h = w((r) => r.host);
  const line = (cells: string[]): string => {
    const widths = verbose ? [g, t, 10, 15, 15, 15, 15, c, h] : [g, t, 10, 15, 15, 15, c, h];
    return `\n${cells.map((x, i) => (i < widths.length ? padRight(x, widths[i] as number) : x)).join(' ')}`;
  };
  const head = verbose
    ? ['GROUP', 'TOPIC', 'PARTITION', 'LEADER-EPOCH', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']
    : ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];
  const body = rows.map((r) =>
    line(
      verbose
        ? [r.group, r.topic, r.partition, r.leaderEpoch, r.currentOffset, r.logEndOffset, r.lag, r.consumerId, r.host, r.clientId]
        : [r.group, r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.consumerId, r.host, r.clientId],
    ),
  );
  return `${line(head)}${body.join('')}\n`;
}

export function renderMembers(d: ConsumerGroupDescription): string {
  const g = Math.max(15, d.groupId.length);
  const c = Math.max(15, ...d.members.map((m) => m.memberId.length));
  const gi = Math.max(17, ...d.members.map((m) => (m.groupInstanceId ?? '').length));
  const h = Math.max(15, ...d.members.map((m) => m.host.length));
  const cl = Math.max(15, ...d.members.map((m) => m.clientId.length));
  const withInstance = d.members.some((m) => (m.groupInstanceId ?? '') !== '');
  const row = (cells: string[]): string => {
    const widths = withInstance ? [g, c, gi, h, cl, 15] : [g, c, h, cl, 15];
    return `${cells.map((x, i) => padRight(x, widths[i] as number)).join(' ')} `;
  };
  const head = withInstance ? ['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'] : ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'];
  const rows = d.members.map((m) =>
    row(withInstance ? [d.groupId, m.memberId, m.groupInstanceId ?? '', m.host, m.clientId, String(m.assignment.length)] : [d.groupId, m.memberId, m.host, m.clientId, String(m.assignment.length)]),
  );
  return `\n${row(head)}\n${rows.map((r) => `${r}\n`).join('')}`;
}

export function renderState(d: ConsumerGroupDescription): string {
  const coordinator = d.coordinator === null ? '-' : `${d.coordinator.host}:${d.coordinator.port}  (${d.coordinator.nodeId})`;
  const g = Math.max(15, d.groupId.length);
  const co = Math.max(25, coordinator.length);
  const line = (cells: string[]): string => `\n${padRight(cells[0] as string, g)} ${padRight(cells[1] as string, co)} ${padRight(cells[2] as string, 20)} ${padRight(cells[3] as string, 20)} ${cells[4]}`;
  return `${line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'])}${line([d.groupId, coordinator, d.partitionAssignor === '' ? '-' : d.partitionAssignor, d.state, String(d.members.length)])}\n`;
}

export function renderResetPlan(plan: ReadonlyMap<string, readonly { topic: string; partition: number; offset: number }[]>): string {
  const fmt = (a: string, b: string, c: string, d: string): string => `\n${padRight(a, 30)} ${padRight(b, 30)} ${padRight(c, 10)} ${padRight(d, 15)}`;
  let out = plan.size > 0 ? fmt('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET') : '';
  for (const [group, rows] of plan) for (const r of rows) out += fmt(group, r.topic, String(r.partition), String(r.offset));
  return `${out}\n`;
}

export function renderListWithColumns(groups: readonly { groupId: string; type: string; state: string }[], withType: boolean, withState: boolean): string {
  const width = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
  const line = (id: string, type: string, state: string): string =>
    `${padRight(id, width)}${withType ? ` ${padRight(type, 20)}` : ''}${withState ? ` ${padRight(state, 20)}` : ''}\n`;
  return line('GROUP', 'TYPE', 'STATE') + groups.map((g) => line(g.groupId, g.type === '' ? 'Classic' : g.type[0]!.toUpperCase() + g.type.slice(1), g.state === '' ? 'Unknown' : g.state)).join('');
}

/** Prints Kafka's state notes; false when nothing more should be printed for the group. */
function noteState(io: ToolIo, d: ConsumerGroupDescription, rows: number): boolean {
  if (d.error !== undefined || d.state === 'Dead') {
    io.stderr(`Error: Consumer group '${d.groupId}' does not exist.\n`);
    return false;
  }
  if (d.state === 'Empty') io.stderr(`\nConsumer group '${d.groupId}' has no active members.\n`);
  else if (d.state !== 'Stable') io.stderr(`\nWarning: Consumer group '${d.groupId}' is rebalancing.\n`);
  return rows > 0;
}

/** A partition as a map key. */
function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\0${tp.partition}`;
}

/** Topic name, then partition number: the order Kafka's tool prints partitions in. */
function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

async function logEndOffsets(admin: Admin, tps: readonly TopicPartition[]): Promise<Map<string, number>> {
  if (tps.length === 0) return new Map();
  const answers = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'latest' as const })));
  return new Map(answers.map((a) => [tpKey(a), a.offset]));
}

export async function offsetRows(admin: Admin, d: ConsumerGroupDescription): Promise<OffsetRow[]> {
  const committed = await admin.listConsumerGroupOffsets(d.groupId);
  const byTp = new Map<string, CommittedOffset>(committed.map((c) => [tpKey(c), c]));
  const assigned = new Set<string>();
  const members = [...d.members].filter((m) => m.assignment.length > 0).sort((a, b) => b.assignment.length - a.assignment.length);
  const entries: { tp: TopicPartition; consumerId: string; host: string; clientId: string }[] = [];
  for (const m of members) {
    const tps = [...m.assignment].sort(byTopicPartition);
    for (const tp of tps) {
      assigned.add(tpKey(tp));
      entries.push({ tp, consumerId: m.memberId, host: m.host, clientId: m.clientId });
    }
  }
  const unassigned = committed
    .filter((c) => !assigned.has(tpKey(c)))
    .sort(byTopicPartition);
  for (const c of unassigned) entries.push({ tp: { topic: c.topic, partition: c.partition }, consumerId: '-', host: '-', clientId: '-' });
  const ends = await logEndOffsets(admin, entries.map((e) => e.tp)).catch(() => new Map<string, number>());
  return entries.map((e) => {
    const key = tpKey(e.tp);
    const c = byTp.get(key);
    const offset = c !== undefined && c.offset >= 0 ? c.offset : undefined;
    const end = ends.get(key);
    return {
      group: d.groupId,
      topic: e.tp.topic,
      partition: String(e.tp.partition),
      leaderEpoch: c !== undefined && c.leaderEpoch >= 0 ? String(c.leaderEpoch) : '-',
      currentOffset: offset === undefined ? '-' : String(offset),
      logEndOffset: end === undefined || end < 0 ? '-' : String(end),
      lag: offset === undefined || end === undefined || end < 0 ? '-' : String(end - offset),
      consumerId: e.consumerId,
      host: e.host,
      clientId: e.clientId,
    };
  });
}

/** The new offset of each partition in scope, clamped to the log's range as Kafka clamps it. */
export async function planReset(admin: Admin, groupId: string, args: Pick<GroupsArgs, 'topics' | 'allTopics' | 'reset'>, nowMs: number): Promise<{ topic: string; partition: number; offset: number }[]> {
  const committed = await admin.listConsumerGroupOffsets(groupId);
  let tps: TopicPartition[];
  if (args.allTopics) {
    tps = committed.map((c) => ({ topic: c.topic, partition: c.partition }));
  } else {
    const scopes = parseTopicScopes(args.topics);
    const names = [...new Set(scopes.map((s) => s.topic))];
    const described = await admin.describeTopics(names);
    tps = scopes.flatMap((s) => {
      const t = described.find((d) => d.name === s.topic);
      const all = t?.partitions.map((p) => p.partition) ?? [];
      for (const p of s.partitions ?? []) if (!all.includes(p)) throw new UsageError(`The partitions ${s.topic}-${p} do not exist`);
      return (s.partitions ?? all).map((partition) => ({ topic: s.topic, partition }));
    });
  }
  tps.sort(byTopicPartition);
  if (tps.length === 0) return [];
  const lookup = async (spec: 'earliest' | 'latest' | number): Promise<Map<string, number>> =>
    new Map((await admin.listOffsets(tps.map((tp) => ({ ...tp, spec })))).map((a) => [tpKey(a), a.offset]));
  const [earliest, latest] = await Promise.all([lookup('earliest'), lookup('latest')]);
  const clamp = (tp: TopicPartition, o: number): number => Math.min(Math.max(o, earliest.get(tpKey(tp)) ?? 0), latest.get(tpKey(tp)) ?? o);
  const current = new Map(committed.filter((c) => c.offset >= 0).map((c) => [tpKey(c), c.offset]));
  const spec = args.reset as ResetSpec;
  let byTime: Map<string, number> | undefined;
  if (spec.kind === 'datetime' || spec.kind === 'duration') byTime = await lookup(spec.kind === 'datetime' ? spec.timestamp : nowMs - spec.ms);
  return tps.map((tp) => {
    const k = tpKey(tp);
    let offset: number;
    switch (spec.kind) {
      case 'earliest':
        offset = earliest.get(k) ?? 0;
        break;
      case 'latest':
        offset = latest.get(k) ?? 0;
        break;
      case 'current': {
        offset = current.get(k) ?? latest.get(k) ?? 0;
        break;
      }
      case 'offset':
        offset = clamp(tp, spec.offset);
        break;
      case 'shift': {
        const c = current.get(k);
        if (c === undefined) throw new UsageError(`Cannot shift offset for partition ${tp.topic}-${tp.partition} since there is no current committed offset`);
        offset = clamp(tp, c + spec.by);
        break;
      }
      default: {
        const found = byTime?.get(k);
        offset = found === undefined || found < 0 ? (latest.get(k) ?? 0) : found;
      }
    }
    return { ...tp, offset };
  });
}

const NO_EXECUTE_WARNING =
  'WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.';

export async function runGroups(args: GroupsArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  try {
    const groupIds = async (): Promise<string[]> => (args.allGroups ? (await admin.listConsumerGroups()).map((g) => g.groupId) : [...args.groups]);
    switch (args.action) {
      case 'list': {
        if (args.listStates === undefined && args.listTypes === undefined) {
          io.stdout((await admin.listConsumerGroups()).map((g) => `${g.groupId}\n`).join(''));
          return 0;
        }
        const listed = await admin.listGroups({ ...(args.listStates !== undefined && args.listStates.length > 0 ? { states: args.listStates } : {}), ...(args.listTypes !== undefined && args.listTypes.length > 0 ? { types: args.listTypes } : {}) });
        const groups = listed.filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
        io.stdout(renderListWithColumns(groups, args.listTypes !== undefined, args.listStates !== undefined));
        return 0;
      }
      case 'describe': {
        const ids = [...(await groupIds())].sort();
        let failed = false;
        for (const d of await admin.describeConsumerGroups(ids)) {
          const missing = d.error !== undefined || d.state === 'Dead';
          if (missing) failed = true;
          if (args.describe === 'offsets') {
            const rows = missing ? [] : await offsetRows(admin, d);
            if (noteState(io, d, rows.length)) io.stdout(renderOffsets(rows, args.verbose));
          } else if (args.describe === 'members') {
            if (noteState(io, d, d.members.length)) io.stdout(renderMembers(d));
          } else if (noteState(io, d, 1)) {
            io.stdout(renderState(d));
          }
        }
        return failed ? 1 : 0;
      }
      case 'reset-offsets': {
        if (!args.execute && !args.dryRunExplicit) io.stdout(`${NO_EXECUTE_WARNING}\n`);
        const plan = new Map<string, { topic: string; partition: number; offset: number }[]>();
        let failed = false;
        for (const d of await admin.describeConsumerGroups(await groupIds())) {
          const inactive = d.error !== undefined || d.state === 'Empty' || d.state === 'Dead';
          if (!inactive) {
            io.stderr(`Error: Assignments can only be reset if the group '${d.groupId}' is inactive, but the current state is ${d.state}.\n`);
            plan.set(d.groupId, []);
            failed = true;
            continue;
          }
          const offsets = await planReset(admin, d.groupId, args, io.now());
          if (args.execute && offsets.length > 0) {
            const results = await admin.alterConsumerGroupOffsets(d.groupId, offsets);
            const bad = results.find((r) => r.error !== undefined);
            if (bad?.error !== undefined) throw bad.error;
          }
          plan.set(d.groupId, offsets);
        }
        io.stdout(renderResetPlan(plan));
        return failed ? 1 : 0;
      }
      case 'delete': {
        const ids = await groupIds();
        const results = await admin.deleteConsumerGroups(ids);
        const ok = results.filter((r) => r.error === undefined).map((r) => r.groupId);
        const bad = results.filter((r) => r.error !== undefined);
        if (bad.length === 0) {
          io.stdout(`Deletion of requested consumer groups ('${ok.join("', '")}') was successful.\n`);
          return 0;
        }
        io.stderr(`Error: Deletion of some consumer groups failed:\n`);
        for (const b of bad) io.stderr(`* Group '${b.groupId}' could not be deleted due to: ${errorLine(b.error) ?? String(b.error)}\n`);
        if (ok.length > 0) io.stdout(`\nThese consumer groups were deleted successfully: '${ok.join("', '")}'\n`);
        return 1;
      }
      case 'delete-offsets': {
        const groupId = args.groups[0] as string;
        const scopes = parseTopicScopes(args.topics);
        const whole = scopes.filter((s) => s.partitions === undefined).map((s) => s.topic);
        const described = whole.length === 0 ? [] : await admin.describeTopics(whole);
        const tps = scopes.flatMap((s) =>
          (s.partitions ?? described.find((d) => d.name === s.topic)?.partitions.map((p) => p.partition) ?? []).map((partition) => ({ topic: s.topic, partition })),
        );
        const results = await admin.deleteConsumerGroupOffsets(groupId, tps);
        const failed = results.some((r) => r.error !== undefined);
        if (!failed) io.stdout(`Request succeeded for deleting offsets from group ${groupId}.\n`);
        else io.stderr('Error: Encountered some partition-level error, see the follow-up details.\n');
        const tw = Math.max(15, ...results.map((r) => r.topic.length));
        let out = `\n${padRight('TOPIC', tw)} ${padRight('PARTITION', 10)} ${padRight('STATUS', 15)}`;
        for (const r of [...results].sort((a, b) => (`${a.topic}${a.partition}` < `${b.topic}${b.partition}` ? -1 : 1))) {
          out += `\n${padRight(r.topic, tw)} ${padRight(String(r.partition), 10)} ${padRight(r.error === undefined ? 'Successful' : `Error: ${errorLine(r.error) ?? String(r.error)}`, 15)}`;
        }
        io.stdout(`${out}\n`);
        return failed ? 1 : 0;
      }
    }
  } finally {
    await admin.close();
  }
}

export const kafkaConsumerGroups: Tool<GroupsArgs> = { name: 'kafka-consumer-groups', parse: parseGroupsArgs, run: runGroups };
