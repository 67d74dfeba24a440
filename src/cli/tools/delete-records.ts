/**
 * `kafka-delete-records`: deletes records below the offsets in --offset-json-file
 * (`{"partitions":[{"topic":"t","partition":0,"offset":3}],"version":1}`; offset -1 = the high
 * watermark), printing Kafka's `partition: t-0\tlow_watermark: 3` lines.
 */
import { clientConfig, optionalProperties, errorLine, kafkaClient, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

export interface DeleteRecordsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly offsetJsonFile: string;
}

export const DELETE_RECORDS_SPEC: ToolSpec = {
  tool: 'kafka-delete-records',
  summary: 'This tool helps to delete records of the given partitions down to the specified offset.',
  options: [
    BOOTSTRAP_SERVER,
    COMMAND_CONFIG,
    HELP,
    {
      name: 'offset-json-file',
      arg: 'required',
      describedAs: 'Offset json file path',
      help: 'REQUIRED: The JSON file with offset per partition. The format to use is: {"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version":1 }',
    },
    VERSION,
  ],
};

export interface OffsetToDelete {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** The offset JSON, checked as Kafka checks it (duplicates, field types, version 1). */
export function parseOffsetJson(text: string): OffsetToDelete[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError('The input string is not a valid JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw new UsageError('The input string is not a valid JSON');
  const version = (doc as { version?: unknown }).version;
  if (version !== undefined && version !== 1) throw new UsageError(`Not supported version field value ${String(version)}`);
  const partitions = (doc as { partitions?: unknown }).partitions;
  if (!Array.isArray(partitions)) throw new UsageError('Missing partitions field');
  const out: OffsetToDelete[] = [];
  for (const p of partitions as unknown[]) {
    const { topic, partition, offset } = (p ?? {}) as { topic?: unknown; partition?: unknown; offset?: unknown };
    if (typeof topic !== 'string') throw new UsageError('Missing or invalid topic field in the partitions list');
    if (typeof partition !== 'number' || !Number.isInteger(partition)) throw new UsageError('Missing or invalid partition field in the partitions list');
    if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new UsageError('Missing or invalid offset field in the partitions list');
    out.push({ topic, partition, offset });
  }
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const o of out) {
    const k = `${o.topic}-${o.partition}`;
    if (seen.has(k)) dups.add(k);
    seen.add(k);
  }
  if (dups.size > 0) throw new UsageError(`Offset json file contains duplicate topic partitions: ${[...dups].join(',')}`);
  return out;
}

export function parseDeleteRecordsArgs(argv: readonly string[]): Parsed<DeleteRecordsArgs> {
  return parseWith(DELETE_RECORDS_SPEC, argv, (o) => {
    noPositional(o);
    const bootstrap = requireBootstrap(o);
    const file = o.value('offset-json-file');
    if (file === undefined) throw new UsageError('Missing required argument "[offset-json-file]"');
    return { bootstrap, commandConfig: o.value('command-config'), offsetJsonFile: file };
  });
}

export async function runDeleteRecords(args: DeleteRecordsArgs, io: ToolIo): Promise<number> {
  let text: string;
  try {
    text = io.readText(args.offsetJsonFile);
  } catch {
    throw new UsageError(`Cannot read offset json file ${args.offsetJsonFile}`);
  }
  const offsets = parseOffsetJson(text);
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  try {
    io.stdout('Executing records delete operation\n');
    // One call per partition: each line reports its own low watermark or error, as Kafka's does.
    const results = await Promise.all(
      offsets.map(async (o) => {
        try {
          const [r] = await admin.deleteRecords([o]);
          return `partition: ${o.topic}-${o.partition}\tlow_watermark: ${r?.lowWatermark ?? -1}`;
        } catch (e) {
          const line = errorLine(e);
          if (line === undefined) throw e;
          return `partition: ${o.topic}-${o.partition}\terror: ${line}`;
        }
      }),
    );
    io.stdout(`Records delete operation completed:\n${results.map((l) => `${l}\n`).join('')}`);
    return results.some((l) => l.includes('\terror: ')) ? 1 : 0;
  } finally {
    await admin.close();
  }
}

export const kafkaDeleteRecords: Tool<DeleteRecordsArgs> = { name: 'kafka-delete-records', parse: parseDeleteRecordsArgs, run: runDeleteRecords };
