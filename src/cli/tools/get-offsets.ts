/**
 * `kafka-get-offsets` (Kafka's GetOffsetShell): `topic:partition:offset` lines for the partitions
 * matching --topic/--partitions or --topic-partitions, at --time (latest, earliest, max-timestamp
 * or a timestamp), sorted as Kafka sorts them (by `topic-partition` text).
 */
import type { OffsetSpec, TopicPartition } from '../../client/index.js';
import { clientConfig, optionalProperties, kafkaClient, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

/** A partition-id range; `to` undefined means unbounded. */
export interface PartitionRange {
  readonly from: number;
  readonly to: number | undefined;
}

export interface TopicPartitionFilter {
  readonly topic: RegExp | undefined;
  /** Empty: every partition. */
  readonly partitions: readonly PartitionRange[];
}

export interface GetOffsetsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly filters: readonly TopicPartitionFilter[];
  readonly time: OffsetSpec | 'none';
  readonly excludeInternal: boolean;
}

export const GET_OFFSETS_SPEC: ToolSpec = {
  tool: 'kafka-get-offsets',
  summary: 'An interactive shell for getting topic-partition offsets.',
  options: [
    BOOTSTRAP_SERVER,
    COMMAND_CONFIG,
    { name: 'exclude-internal-topics', help: 'By default, internal topics are included. If specified, internal topics are excluded.' },
    HELP,
    { name: 'partitions', arg: 'required', describedAs: 'String: partition ids', help: "Comma separated list of partition ids or ranges (e.g. '0,2-5,7-'); with --topic." },
    { name: 'time', arg: 'required', describedAs: 'String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp', help: 'timestamp of the offsets before that. (default: -1)' },
    { name: 'topic', arg: 'required', describedAs: 'String: topic', help: 'The topic to get the offsets for. It also accepts a regular expression.' },
    { name: 'topic-partitions', arg: 'required', describedAs: 'String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3', help: 'Comma separated list of topic-partition patterns.' },
    VERSION,
  ],
};

const TIME_HELP =
  'Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp';

export function parseTime(v: string): OffsetSpec | 'none' {
  const s = v.trim().toLowerCase();
  if (s === '-1' || s === 'latest') return 'latest';
  if (s === '-2' || s === 'earliest' || s === '-4' || s === 'earliest-local') return 'earliest';
  if (s === '-3' || s === 'max-timestamp') return 'max-timestamp';
  if (s === '-5' || s === 'latest-tiered') return 'none'; // no tiered storage: no offset
  if (/^\d+$/.test(s)) return Number(s);
  throw new UsageError(`Malformed time argument ${v}. ${TIME_HELP}`);
}

export function parsePartitionRanges(text: string): PartitionRange[] {
  return text.split(',').map((part) => {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)$/.exec(p)) !== null) return { from: Number(m[1]), to: Number(m[1]) };
    if ((m = /^(\d+)-(\d+)$/.exec(p)) !== null) return { from: Number(m[1]), to: Number(m[2]) - 1 };
    if ((m = /^(\d+)-$/.exec(p)) !== null) return { from: Number(m[1]), to: undefined };
    if ((m = /^-(\d+)$/.exec(p)) !== null) return { from: 0, to: Number(m[1]) - 1 };
    throw new UsageError(`Invalid partition '${p}' specified in partition list '${text}'`);
  });
}

function topicRegex(p: string): RegExp {
  try {
    return new RegExp(`^(?:${p})$`);
  } catch {
    throw new UsageError(`Invalid regular expression '${p}'`);
  }
}

/** `topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3`; a leading ':' means every topic. */
export function parseTopicPartitions(text: string): TopicPartitionFilter[] {
  return text.split(',').map((item) => {
    const t = item.trim();
    const m = /^([^:]*)(?::(\d+(?:-\d*)?|-\d+))?$/.exec(t);
    if (m === null) throw new UsageError(`Invalid topic-partition pattern '${t}'`);
    const topic = m[1] === '' ? undefined : topicRegex(m[1] as string);
    return { topic, partitions: m[2] === undefined ? [] : parsePartitionRanges(m[2]) };
  });
}

export function parseGetOffsetsArgs(argv: readonly string[]): Parsed<GetOffsetsArgs> {
  return parseWith(GET_OFFSETS_SPEC, argv, (o) => {
    noPositional(o);
    const bootstrap = requireBootstrap(o);
    const tps = o.value('topic-partitions');
    if (tps !== undefined && (o.has('topic') || o.has('partitions'))) throw new UsageError('--topic-partitions cannot be used with --topic or --partitions');
    const topic = o.value('topic');
    const filters =
      tps !== undefined
        ? parseTopicPartitions(tps)
        : [{ topic: topic === undefined ? undefined : topicRegex(topic), partitions: o.has('partitions') ? parsePartitionRanges(o.value('partitions') ?? '') : [] }];
    return {
      bootstrap,
      commandConfig: o.value('command-config'),
      filters,
      time: parseTime(o.value('time') ?? '-1'),
      excludeInternal: o.has('exclude-internal-topics'),
    };
  });
}

export function matches(filters: readonly TopicPartitionFilter[], topic: string, partition: number): boolean {
  return filters.some(
    (f) => (f.topic === undefined || f.topic.test(topic)) && (f.partitions.length === 0 || f.partitions.some((r) => partition >= r.from && (r.to === undefined || partition <= r.to))),
  );
}

export async function runGetOffsets(args: GetOffsetsArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, new Map([['client.id', 'GetOffsetShell'], ...props]))).admin();
  try {
    const names = await admin.listTopics({ includeInternal: !args.excludeInternal });
    const described = names.length === 0 ? [] : await admin.describeTopics(names);
    const tps: (TopicPartition & { leader: number })[] = described.flatMap((t) =>
      t.partitions.filter((p) => matches(args.filters, t.name, p.partition)).map((p) => ({ topic: t.name, partition: p.partition, leader: p.leader })),
    );
    if (tps.length === 0) {
      io.stderr('Error occurred: Could not match any topic-partitions with the specified filters\n');
      return 1;
    }
    if (args.time === 'none') return 0;
    const spec = args.time;
    const withLeader = tps.filter((tp) => {
      if (tp.leader >= 0) return true;
      io.stderr(`Error: topic-partition ${tp.topic}:${tp.partition} does not have a leader. Skip getting offsets\n`);
      return false;
    });
    const answers = await admin.listOffsets(withLeader.map((tp) => ({ topic: tp.topic, partition: tp.partition, spec })));
    const lines = answers
      .filter((a) => a.offset >= 0)
      .sort((a, b) => {
        const x = `${a.topic}-${a.partition}`;
        const y = `${b.topic}-${b.partition}`;
        return x < y ? -1 : x > y ? 1 : 0;
      })
      .map((a) => `${a.topic}:${a.partition}:${a.offset}\n`);
    io.stdout(lines.join(''));
    return 0;
  } finally {
    await admin.close();
  }
}

export const kafkaGetOffsets: Tool<GetOffsetsArgs> = { name: 'kafka-get-offsets', parse: parseGetOffsetsArgs, run: runGetOffsets };
