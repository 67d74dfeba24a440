/**
 * `gregor topic|produce|consume|group|cluster`: Gregor's own friendlier client commands (in the
 * spirit of rpk and kcat). Readable tables on a terminal (colour only there), `--json` for
 * scripts, a progress line on stderr for long runs on a terminal. Brokers: `-b host:port` /
 * `--brokers`, else $GREGOR_BROKERS, else localhost:9092.
 */
import type { Admin, CompressionName, ConsumerRecord, KafkaClient } from '../../client/index.js';
import { clientConfig, kafkaClient, rawCluster, type ToolIo } from './context.js';
import { compressionOf } from './console-producer.js';
import { offsetRows, parseDateTime, planReset, type ResetSpec } from './consumer-groups.js';
import { styleFor, table, type Style } from './format.js';
import { UsageError, parseKeyValues, parseOptions, usageText, type OptionSpec, type ParsedOptions, type ToolSpec } from './options.js';
import { type Parsed, type Tool } from './tool.js';

export const GREGOR_CLIENT_HELP = `Client commands (brokers: -b/--brokers host:port, else $GREGOR_BROKERS, else localhost:9092):
  gregor topic create <name>... [-p partitions] [-r replicas] [-c key=value]... [--if-not-exists]
  gregor topic list [--internal]
  gregor topic describe <name>
  gregor topic delete <name>... [--if-exists]
  gregor produce <topic> [value...] [-k key] [--key-separator SEP] [-H key=value]... [-p partition]
                 [-z none|gzip|snappy|lz4|zstd]      (no values: one record per stdin line)
  gregor consume <topic> [-g group] [-o start|end|<offset>|-<n>] [-p partition] [-n count]
                 [--timeout ms] [-f text|json] [--key] [--headers] [--timestamp]
  gregor group list
  gregor group describe <group>
  gregor group reset <group> --to earliest|latest|<offset>|<datetime> [--topic t]... [--execute]
  gregor cluster info
Every command takes --json (machine-readable output) and --help.
`;

type Command =
  | { readonly kind: 'topic-create'; readonly names: readonly string[]; readonly partitions?: number; readonly replicas?: number; readonly configs: ReadonlyMap<string, string>; readonly ifNotExists: boolean }
  | { readonly kind: 'topic-list'; readonly internal: boolean }
  | { readonly kind: 'topic-describe'; readonly name: string }
  | { readonly kind: 'topic-delete'; readonly names: readonly string[]; readonly ifExists: boolean }
  | {
      readonly kind: 'produce';
      readonly topic: string;
      readonly values: readonly string[] | undefined;
      readonly key: string | undefined;
      readonly keySeparator: string | undefined;
      readonly headers: ReadonlyMap<string, string>;
      readonly partition: number | undefined;
      readonly compression: CompressionName;
    }
  | {
      readonly kind: 'consume';
      readonly topic: string;
      readonly group: string | undefined;
      readonly offset: 'start' | 'end' | number | { readonly fromEnd: number };
      readonly partition: number | undefined;
      readonly count: number | undefined;
      readonly timeoutMs: number | undefined;
      readonly format: 'text' | 'json';
      readonly showKey: boolean;
      readonly showHeaders: boolean;
      readonly showTimestamp: boolean;
    }
  | { readonly kind: 'group-list' }
  | { readonly kind: 'group-describe'; readonly group: string }
  | { readonly kind: 'group-reset'; readonly group: string; readonly to: ResetSpec; readonly topics: readonly string[]; readonly execute: boolean }
  | { readonly kind: 'cluster-info' };

export interface GregorClientArgs {
  readonly brokers: string;
  readonly json: boolean;
  readonly command: Command;
}

const COMMON: readonly OptionSpec[] = [
  { name: 'brokers', arg: 'required', describedAs: 'host:port[,host:port]', help: 'Brokers to connect to (default $GREGOR_BROKERS or localhost:9092).' },
  { name: 'bootstrap-server', arg: 'required', describedAs: 'host:port', help: 'Same as --brokers.' },
  { name: 'json', help: 'Machine-readable output.' },
  { name: 'help', help: 'Show this help.' },
];

function spec(tool: string, summary: string, options: readonly OptionSpec[]): ToolSpec {
  return { tool, summary, options: [...COMMON, ...options] };
}

const SPECS = {
  'topic create': spec('gregor topic create', 'gregor topic create <name>... : create topics.', [
    { name: 'partitions', arg: 'required', describedAs: 'n', help: 'Partitions (default: the broker\'s num.partitions).' },
    { name: 'replicas', arg: 'required', describedAs: 'n', help: 'Replication factor (default: the broker\'s default.replication.factor).' },
    { name: 'config', arg: 'required', describedAs: 'key=value', help: 'A topic config (repeatable).' },
    { name: 'if-not-exists', help: 'Succeed when the topic exists already.' },
  ]),
  'topic list': spec('gregor topic list', 'gregor topic list : topics, their partitions and replicas.', [{ name: 'internal', help: 'Include internal topics.' }]),
  'topic describe': spec('gregor topic describe', 'gregor topic describe <name> : partitions, offsets and configs of a topic.', []),
  'topic delete': spec('gregor topic delete', 'gregor topic delete <name>... : delete topics.', [{ name: 'if-exists', help: 'Succeed when a topic does not exist.' }]),
  produce: spec('gregor produce', 'gregor produce <topic> [value...] : send the values, or one record per stdin line.', [
    { name: 'key', arg: 'required', describedAs: 'key', help: 'The key of every record.' },
    { name: 'key-separator', arg: 'required', describedAs: 'sep', help: 'Split each line into key and value at the first sep.' },
    { name: 'header', arg: 'required', describedAs: 'key=value', help: 'A header on every record (repeatable).' },
    { name: 'partition', arg: 'required', describedAs: 'n', help: 'Send to this partition (default: by key).' },
    { name: 'compression', arg: 'required', describedAs: 'codec', help: 'none, gzip, snappy, lz4 or zstd.' },
  ]),
  consume: spec('gregor consume', 'gregor consume <topic> : print records.', [
    { name: 'group', arg: 'required', describedAs: 'group', help: 'Consume as a member of this group (committing offsets).' },
    { name: 'offset', arg: 'required', describedAs: 'start|end|n|-n', help: 'Where to start: the beginning, the end (default), an offset, or n records before the end.' },
    { name: 'partition', arg: 'required', describedAs: 'n', help: 'Only this partition.' },
    { name: 'num', arg: 'required', describedAs: 'n', help: 'Exit after n records.' },
    { name: 'timeout', arg: 'required', describedAs: 'ms', help: 'Exit when no record arrived for this long.' },
    { name: 'format', arg: 'required', describedAs: 'text|json', help: 'Output format (default text; --json is -f json).' },
    { name: 'key', help: 'Text format: print the key before the value.' },
    { name: 'headers', help: 'Text format: print the headers.' },
    { name: 'timestamp', help: 'Text format: print the timestamp.' },
  ]),
  'group list': spec('gregor group list', 'gregor group list : consumer groups and their states.', []),
  'group describe': spec('gregor group describe', 'gregor group describe <group> : members, offsets and lag.', []),
  'group reset': spec('gregor group reset', 'gregor group reset <group> --to earliest|latest|<offset>|<datetime> : move a group\'s offsets (dry run without --execute).', [
    { name: 'to', arg: 'required', describedAs: 'target', help: 'earliest, latest, an offset, or a datetime (YYYY-MM-DDTHH:mm:SS).' },
    { name: 'topic', arg: 'required', describedAs: 'topic', help: 'Only this topic (repeatable; default: every topic the group committed).' },
    { name: 'execute', help: 'Apply the reset (otherwise only show it).' },
  ]),
  'cluster info': spec('gregor cluster info', 'gregor cluster info : cluster id, controller, brokers.', []),
} as const satisfies Record<string, ToolSpec>;

/** rpk/kcat-style short flags, expanded before Kafka-style parsing. */
const SHORT: Readonly<Record<string, string>> = {
  '-b': '--brokers',
  '-p': '--partitions',
  '-r': '--replicas',
  '-c': '--config',
  '-k': '--key',
  '-H': '--header',
  '-z': '--compression',
  '-g': '--group',
  '-o': '--offset',
  '-n': '--num',
  '-f': '--format',
};

export const GREGOR_CLIENT_COMMANDS = ['topic', 'produce', 'consume', 'group', 'cluster'];

function expandShort(name: string, argv: readonly string[]): string[] {
  return argv.map((a, i) => {
    const prev = argv[i - 1];
    const prevTakesValue = prev !== undefined && /^-[a-zA-Z]$/.test(prev) && prev !== '-h';
    if (prevTakesValue) return a; // a value such as `-o -5`
    if (a === '-p' && (name === 'produce' || name === 'consume')) return '--partition';
    if (a === '-h') return '--help';
    return SHORT[a] ?? a;
  });
}

function positive(o: ParsedOptions, name: string): number | undefined {
  const v = o.int(name);
  if (v !== undefined && v < 0) throw new UsageError(`--${name} must not be negative`);
  return v;
}

export function parseGregorClientArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Parsed<GregorClientArgs> {
  const [group, maybeSub, ...rest] = argv;
  const twoWord = group === 'topic' || group === 'group' || group === 'cluster';
  const name = twoWord ? `${group} ${maybeSub ?? ''}` : (group ?? '');
  const args = twoWord ? rest : argv.slice(1);
  const s = (SPECS as Record<string, ToolSpec>)[name];
  if (s === undefined) {
    if (twoWord && (maybeSub === undefined || maybeSub === '--help' || maybeSub === '-h')) return { kind: 'help', text: GREGOR_CLIENT_HELP };
    return { kind: 'error', message: `gregor: unknown command '${[group, maybeSub].filter((x) => x !== undefined).join(' ')}' (run gregor --help)` };
  }
  try {
    const o = parseOptions(s, expandShort(name, args), false);
    if (o.has('help')) return { kind: 'help', text: usageText(s) };
    const brokers = o.value('brokers') ?? o.value('bootstrap-server') ?? env['GREGOR_BROKERS'] ?? 'localhost:9092';
    const pos = o.positional;
    const one = (what: string): string => {
      if (pos.length !== 1) throw new UsageError(`${s.tool} takes exactly one ${what}${pos.length > 1 ? `; got ${pos.join(' ')}` : ''}`);
      return pos[0] as string;
    };
    const none = (): void => {
      if (pos.length > 0) throw new UsageError(`${s.tool} takes no arguments; got ${pos.join(' ')}`);
    };
    let command: Command;
    switch (name) {
      case 'topic create': {
        if (pos.length === 0) throw new UsageError('gregor topic create needs a topic name');
        const partitions = positive(o, 'partitions');
        const replicas = positive(o, 'replicas');
        command = {
          kind: 'topic-create',
          names: pos,
          ...(partitions !== undefined ? { partitions } : {}),
          ...(replicas !== undefined ? { replicas } : {}),
          configs: parseKeyValues(o.all('config'), 'config'),
          ifNotExists: o.has('if-not-exists'),
        };
        break;
      }
      case 'topic list':
        none();
        command = { kind: 'topic-list', internal: o.has('internal') };
        break;
      case 'topic describe':
        command = { kind: 'topic-describe', name: one('topic name') };
        break;
      case 'topic delete':
        if (pos.length === 0) throw new UsageError('gregor topic delete needs a topic name');
        command = { kind: 'topic-delete', names: pos, ifExists: o.has('if-exists') };
        break;
      case 'produce': {
        const [topic, ...values] = pos;
        if (topic === undefined) throw new UsageError('gregor produce needs a topic');
        command = {
          kind: 'produce',
          topic,
          values: values.length > 0 ? values : undefined,
          key: o.value('key'),
          keySeparator: o.value('key-separator'),
          headers: parseKeyValues(o.all('header'), 'header'),
          partition: positive(o, 'partition'),
          compression: compressionOf(o.value('compression') ?? 'none'),
        };
        break;
      }
      case 'consume': {
        const topic = one('topic');
        const off = (o.value('offset') ?? 'end').toLowerCase();
        let offset: Extract<Command, { kind: 'consume' }>['offset'];
        if (off === 'start' || off === 'beginning' || off === 'earliest') offset = 'start';
        else if (off === 'end' || off === 'latest') offset = 'end';
        else if (/^\d+$/.test(off)) offset = Number(off);
        else if (/^-\d+$/.test(off)) offset = { fromEnd: -Number(off) };
        else throw new UsageError(`--offset ${off}: use start, end, an offset, or -n (n records before the end)`);
        const format = (o.value('format') ?? (o.has('json') ? 'json' : 'text')).toLowerCase();
        if (format !== 'text' && format !== 'json') throw new UsageError(`--format ${format}: use text or json`);
        const partition = positive(o, 'partition');
        if (o.has('group') && partition !== undefined) throw new UsageError('--group and --partition cannot be used together');
        command = {
          kind: 'consume',
          topic,
          group: o.value('group'),
          offset,
          partition,
          count: positive(o, 'num'),
          timeoutMs: positive(o, 'timeout'),
          format,
          showKey: o.has('key'),
          showHeaders: o.has('headers'),
          showTimestamp: o.has('timestamp'),
        };
        break;
      }
      case 'group list':
        none();
        command = { kind: 'group-list' };
        break;
      case 'group describe':
        command = { kind: 'group-describe', group: one('group id') };
        break;
      case 'group reset': {
        const groupId = one('group id');
        const to = o.value('to');
        if (to === undefined) throw new UsageError('gregor group reset needs --to earliest|latest|<offset>|<datetime>');
        const t = to.toLowerCase();
        const spec: ResetSpec =
          t === 'earliest' || t === 'start'
            ? { kind: 'earliest' }
            : t === 'latest' || t === 'end'
              ? { kind: 'latest' }
              : /^\d+$/.test(t)
                ? { kind: 'offset', offset: Number(t) }
                : { kind: 'datetime', timestamp: parseDateTime(/T\d\d:\d\d:\d\d$/.test(to) ? `${to}.000` : to) };
        command = { kind: 'group-reset', group: groupId, to: spec, topics: o.all('topic'), execute: o.has('execute') };
        break;
      }
      default:
        none();
        command = { kind: 'cluster-info' };
    }
    return { kind: 'run', args: { brokers, json: o.has('json'), command } };
  } catch (e) {
    if (e instanceof UsageError) return { kind: 'error', message: e.message };
    throw e;
  }
}

function json(io: ToolIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}

/** One record in `gregor consume` text format. */
export function formatConsumed(r: ConsumerRecord, c: Extract<Command, { kind: 'consume' }>, style: Style): string {
  if (c.format === 'json') {
    return `${JSON.stringify({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: text(r.key),
      value: text(r.value),
      headers: Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])),
    })}\n`;
  }
  const cols: string[] = [];
  if (c.showTimestamp) cols.push(style.dim(new Date(r.timestamp).toISOString()));
  if (c.showHeaders) cols.push(style.dim(r.headers.map((h) => `${h.key}=${text(h.value) ?? ''}`).join(',')));
  if (c.showKey) cols.push(style.bold(text(r.key) ?? ''));
  cols.push(text(r.value) ?? '');
  return `${cols.join('\t')}\n`;
}

/** A progress line on stderr, rewritten in place, only on a terminal. */
function progress(io: ToolIo, enabled: boolean): { update(line: string): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update(line) {
      if (!enabled) return;
      const now = io.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      io.stderr(`\r\x1b[2K${line}`);
    },
    done() {
      if (shown) io.stderr('\r\x1b[2K');
    },
  };
}

async function withAdmin<T>(kafka: KafkaClient, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

export async function runGregorClient(args: GregorClientArgs, io: ToolIo): Promise<number> {
  const style = styleFor(io.stdoutIsTTY, io.env);
  const kafka = kafkaClient(io, clientConfig(args.brokers));
  const c = args.command;
  switch (c.kind) {
    case 'topic-create':
      return withAdmin(kafka, async (admin) => {
        const created = await admin.createTopics(
          c.names.map((name) => ({
            name,
            ...(c.partitions !== undefined ? { numPartitions: c.partitions } : {}),
            ...(c.replicas !== undefined ? { replicationFactor: c.replicas } : {}),
            configs: Object.fromEntries(c.configs),
          })),
          { ifNotExists: c.ifNotExists },
        );
        if (args.json) json(io, created);
        else io.stdout(table(['topic', 'status'], created.map((t) => [t.name, t.created ? style.green('created') : 'exists']), style));
        return 0;
      });
    case 'topic-list':
      return withAdmin(kafka, async (admin) => {
        const names = await admin.listTopics({ includeInternal: c.internal });
        const topics = names.length === 0 ? [] : await admin.describeTopics(names);
        const rows = topics.map((t) => ({ name: t.name, partitions: t.partitions.length, replicas: t.partitions[0]?.replicas.length ?? 0, internal: t.isInternal }));
        if (args.json) json(io, rows);
        else io.stdout(table(['name', 'partitions', 'replicas'], rows.map((r) => [r.name, String(r.partitions), String(r.replicas)]), style));
        return 0;
      });
    case 'topic-describe':
      return withAdmin(kafka, async (admin) => {
        const names = await admin.listTopics({ includeInternal: true });
        if (!names.includes(c.name)) throw new UsageError(`topic '${c.name}' does not exist`);
        const [t] = await admin.describeTopics([c.name]);
        if (t === undefined) throw new UsageError(`topic '${c.name}' does not exist`);
        const tps = t.partitions.map((p) => ({ topic: t.name, partition: p.partition }));
        const [starts, ends, configs] = await Promise.all([
          admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'earliest' as const }))),
          admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'latest' as const }))),
          admin.describeConfigs([{ type: 'topic', name: t.name }]),
        ]);
        const overrides = (configs[0]?.configs ?? []).filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => ({ name: e.name, value: e.value }));
        const partitions = t.partitions.map((p) => ({
          partition: p.partition,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          logStartOffset: starts.find((s) => s.partition === p.partition)?.offset ?? -1,
          logEndOffset: ends.find((s) => s.partition === p.partition)?.offset ?? -1,
        }));
        if (args.json) {
          json(io, { name: t.name, topicId: t.topicId, internal: t.isInternal, configs: Object.fromEntries(overrides.map((o) => [o.name, o.value])), partitions });
          return 0;
        }
        io.stdout(`${style.bold('NAME')}        ${t.name}\n${style.bold('ID')}          ${t.topicId}\n${style.bold('PARTITIONS')}  ${t.partitions.length}\n${style.bold('REPLICAS')}    ${t.partitions[0]?.replicas.length ?? 0}\n`);
        if (overrides.length > 0) io.stdout(`\n${table(['config', 'value'], overrides.map((o) => [o.name, o.value ?? '']), style)}`);
        io.stdout(
          `\n${table(
            ['partition', 'leader', 'replicas', 'isr', 'log-start', 'log-end'],
            partitions.map((p) => [String(p.partition), p.leader < 0 ? style.red('none') : String(p.leader), p.replicas.join(','), p.isr.join(','), String(p.logStartOffset), String(p.logEndOffset)]),
            style,
          )}`,
        );
        return 0;
      });
    case 'topic-delete':
      return withAdmin(kafka, async (admin) => {
        const existing = new Set(await admin.listTopics({ includeInternal: true }));
        const missing = c.names.filter((n) => !existing.has(n));
        if (missing.length > 0 && !c.ifExists) throw new UsageError(`topic '${missing[0]}' does not exist`);
        const todo = c.names.filter((n) => existing.has(n));
        if (todo.length > 0) await admin.deleteTopics(todo);
        const rows = c.names.map((n) => ({ topic: n, deleted: existing.has(n) }));
        if (args.json) json(io, rows);
        else io.stdout(table(['topic', 'status'], rows.map((r) => [r.topic, r.deleted ? style.green('deleted') : 'absent']), style));
        return 0;
      });
    case 'produce':
      return produce(kafka, c, args.json, io);
    case 'consume':
      return consume(kafka, args.brokers, c, io, style);
    case 'group-list':
      return withAdmin(kafka, async (admin) => {
        const groups = await admin.listConsumerGroups();
        if (args.json) json(io, groups.map((g) => ({ group: g.groupId, state: g.state, type: g.type })));
        else io.stdout(table(['group', 'state'], groups.map((g) => [g.groupId, g.state]), style));
        return 0;
      });
    case 'group-describe':
      return withAdmin(kafka, async (admin) => {
        const [d] = await admin.describeConsumerGroups([c.group]);
        if (d === undefined || d.error !== undefined || d.state === 'Dead') throw new UsageError(`group '${c.group}' does not exist`);
        const rows = await offsetRows(admin, d);
        const total = rows.reduce((sum, r) => sum + (r.lag === '-' ? 0 : Number(r.lag)), 0);
        if (args.json) {
          json(io, {
            group: d.groupId,
            state: d.state,
            assignor: d.partitionAssignor,
            coordinator: d.coordinator?.nodeId ?? null,
            members: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.host, assignment: m.assignment })),
            offsets: rows.map((r) => ({ topic: r.topic, partition: Number(r.partition), committed: r.currentOffset === '-' ? null : Number(r.currentOffset), logEnd: r.logEndOffset === '-' ? null : Number(r.logEndOffset), lag: r.lag === '-' ? null : Number(r.lag), memberId: r.consumerId === '-' ? null : r.consumerId })),
            totalLag: total,
          });
          return 0;
        }
        io.stdout(`${style.bold('GROUP')}        ${d.groupId}\n${style.bold('STATE')}        ${d.state}\n${style.bold('ASSIGNOR')}     ${d.partitionAssignor || '-'}\n${style.bold('MEMBERS')}      ${d.members.length}\n${style.bold('TOTAL-LAG')}    ${total}\n`);
        if (rows.length > 0) {
          io.stdout(`\n${table(['topic', 'partition', 'committed', 'log-end', 'lag', 'member', 'client-id', 'host'], rows.map((r) => [r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag !== '-' && Number(r.lag) > 0 ? style.yellow(r.lag) : r.lag, r.consumerId, r.clientId, r.host]), style)}`);
        }
        return 0;
      });
    case 'group-reset':
      return withAdmin(kafka, async (admin) => {
        const [d] = await admin.describeConsumerGroups([c.group]);
        if (d !== undefined && d.error === undefined && d.state !== 'Empty' && d.state !== 'Dead') {
          throw new UsageError(`group '${c.group}' is ${d.state}: stop its consumers before resetting its offsets`);
        }
        const plan = await planReset(admin, c.group, { topics: c.topics, allTopics: c.topics.length === 0, reset: c.to }, io.now());
        if (c.execute && plan.length > 0) {
          const failed = (await admin.alterConsumerGroupOffsets(c.group, plan)).find((r) => r.error !== undefined);
          if (failed?.error !== undefined) throw failed.error;
        }
        if (args.json) json(io, { group: c.group, executed: c.execute, offsets: plan });
        else {
          io.stdout(table(['topic', 'partition', 'new-offset'], plan.map((p) => [p.topic, String(p.partition), String(p.offset)]), style));
          if (!c.execute) io.stderr(`${style.yellow('dry run')}: nothing changed; add --execute to apply.\n`);
        }
        return 0;
      });
    case 'cluster-info':
      return withAdmin(kafka, async (admin) => {
        const cl = await admin.describeCluster();
        const topics = await admin.listTopics();
        if (args.json) {
          json(io, { clusterId: cl.clusterId, controller: cl.controllerId, brokers: cl.brokers, topics: topics.length });
          return 0;
        }
        io.stdout(`${style.bold('CLUSTER')}      ${cl.clusterId}\n${style.bold('CONTROLLER')}   ${cl.controllerId}\n${style.bold('TOPICS')}       ${topics.length}\n\n`);
        io.stdout(table(['id', 'host', 'port', 'rack'], cl.brokers.map((b) => [b.nodeId === cl.controllerId ? `${b.nodeId}*` : String(b.nodeId), b.host, String(b.port), b.rack ?? '-']), style));
        return 0;
      });
  }
}

async function produce(kafka: KafkaClient, c: Extract<Command, { kind: 'produce' }>, asJson: boolean, io: ToolIo): Promise<number> {
  await withAdmin(kafka, (admin) => admin.describeCluster()); // no broker: one line, at once
  const producer = kafka.producer({ compression: c.compression, lingerMs: 5 });
  const bar = progress(io, !asJson && io.stdoutIsTTY);
  let sent = 0;
  let failure: unknown;
  const started = io.now();
  const pending = new Set<Promise<void>>();
  const headers = Object.fromEntries(c.headers);
  const send = (line: string): void => {
    let key: string | null = c.key ?? null;
    let value = line;
    if (c.keySeparator !== undefined) {
      const at = line.indexOf(c.keySeparator);
      if (at >= 0) {
        key = line.slice(0, at);
        value = line.slice(at + c.keySeparator.length);
      }
    }
    const p: Promise<void> = producer
      .send({ topic: c.topic, key, value, headers, ...(c.partition !== undefined ? { partition: c.partition } : {}) })
      .then(
        (m) => {
          sent++;
          if (asJson) json(io, { topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp });
          bar.update(`produced ${sent} records`);
        },
        (e: unknown) => {
          failure ??= e;
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  try {
    if (c.values !== undefined) for (const v of c.values) send(v);
    else {
      for await (const line of io.stdinLines()) {
        send(line);
        if (failure !== undefined) break;
        if (pending.size >= 10_000) await Promise.race(pending);
      }
    }
    await producer.flush();
    await Promise.all(pending);
  } finally {
    await producer.close();
    bar.done();
  }
  if (failure !== undefined) throw failure;
  if (!asJson) {
    const secs = Math.max(0.001, (io.now() - started) / 1000);
    io.stderr(`Produced ${sent} record${sent === 1 ? '' : 's'} to ${c.topic}${sent > 1000 ? ` (${Math.round(sent / secs)}/s)` : ''}.\n`);
  }
  return 0;
}

async function consume(kafka: KafkaClient, brokers: string, c: Extract<Command, { kind: 'consume' }>, io: ToolIo, style: Style): Promise<number> {
  const cluster = rawCluster(io, clientConfig(brokers));
  let partitions: number[];
  try {
    const [info] = await cluster.withRetries(() => cluster.topics([c.topic], { force: true }));
    if (info === undefined) throw new UsageError(`topic '${c.topic}' does not exist`);
    partitions = info.partitions.map((p) => p.partition);
  } finally {
    cluster.close();
  }
  if (c.partition !== undefined && !partitions.includes(c.partition)) throw new UsageError(`topic '${c.topic}' has no partition ${c.partition}`);
  const reset = c.offset === 'start' ? 'earliest' : 'latest';
  const consumer = kafka.consumer({ autoOffsetReset: reset, ...(c.group !== undefined ? { groupId: c.group } : {}) });
  if (c.group !== undefined) consumer.subscribe([c.topic]);
  else {
    const tps = (c.partition !== undefined ? [c.partition] : partitions).map((partition) => ({ topic: c.topic, partition }));
    consumer.assign(tps);
    if (typeof c.offset === 'object') {
      const admin = kafka.admin();
      try {
        const ends = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'latest' as const })));
        const starts = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'earliest' as const })));
        for (const e of ends) {
          const start = starts.find((s) => s.partition === e.partition)?.offset ?? 0;
          consumer.seek(e, Math.max(start, e.offset - c.offset.fromEnd));
        }
      } finally {
        await admin.close();
      }
    } else {
      for (const tp of tps) consumer.seek(tp, c.offset === 'start' ? 'earliest' : c.offset === 'end' ? 'latest' : c.offset);
    }
  }
  let count = 0;
  let stop = false;
  const off = io.onInterrupt(() => {
    stop = true;
  });
  try {
    let last = io.now();
    while (!stop && (c.count === undefined || count < c.count)) {
      const records = await consumer.poll(c.timeoutMs === undefined ? 1000 : Math.max(0, Math.min(1000, c.timeoutMs - (io.now() - last))));
      if (records.length === 0) {
        if (c.timeoutMs !== undefined && io.now() - last >= c.timeoutMs) break;
        continue;
      }
      last = io.now();
      let out = '';
      const rewound = new Set<number>();
      for (const r of records) {
        if (c.count !== undefined && count >= c.count) {
          // Not printed, so not consumed: a group commits only what was shown.
          if (!rewound.has(r.partition)) consumer.seek({ topic: r.topic, partition: r.partition }, r.offset);
          rewound.add(r.partition);
          continue;
        }
        out += formatConsumed(r, c, style);
        count++;
      }
      io.stdout(out);
    }
  } finally {
    off();
    await consumer.close();
  }
  return 0;
}

export const gregorClient: Tool<GregorClientArgs> = {
  name: 'gregor',
  parse: (argv) => parseGregorClientArgs(argv, {}),
  run: runGregorClient,
};
