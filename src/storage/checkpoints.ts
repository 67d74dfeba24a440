import type { FileSystem } from '../common/index.js';
import type { TopicPartition } from './file-names.js';

/**
 * Kafka's checkpoint text files: a version line (0), an entry count line, then one entry per line
 * with space-separated fields. Written atomically (temp + fsync + rename). A file that does not
 * parse is reported, never half-used.
 */
export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
}

function parseLines(text: string, path: string): string[][] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines[0] !== '0') throw new CheckpointFormatError(`${path}: unsupported version line ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0) throw new CheckpointFormatError(`${path}: bad entry count`);
  const entries = lines.slice(2);
  if (entries.length !== count) throw new CheckpointFormatError(`${path}: expected ${count} entries, found ${entries.length}`);
  return entries.map((l) => l.split(' '));
}

function formatLines(entries: string[]): Buffer {
  return Buffer.from(['0', String(entries.length), ...entries].join('\n') + '\n');
}

function toOffset(s: string | undefined, path: string): number {
  const v = Number(s);
  if (s === undefined || !Number.isSafeInteger(v)) throw new CheckpointFormatError(`${path}: bad number ${JSON.stringify(s)}`);
  return v;
}

/** `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`, `cleaner-offset-checkpoint`: topic partition offset. */
export function readOffsetCheckpoint(fs: FileSystem, path: string): Map<string, number> {
  const data = fs.readFile(path);
  const out = new Map<string, number>();
  if (data === undefined) return out;
  for (const fields of parseLines(data.toString('utf8'), path)) {
    if (fields.length !== 3) throw new CheckpointFormatError(`${path}: expected 3 fields`);
    out.set(`${fields[0]}-${toOffset(fields[1], path)}`, toOffset(fields[2], path));
  }
  return out;
}

/** The bytes of an offset checkpoint holding `entries`. */
export function formatOffsetCheckpoint(entries: Iterable<[TopicPartition, number]>): Buffer {
  const lines: string[] = [];
  for (const [tp, offset] of entries) lines.push(`${tp.topic} ${tp.partition} ${offset}`);
  return formatLines(lines);
}

export function writeOffsetCheckpoint(fs: FileSystem, path: string, entries: Iterable<[TopicPartition, number]>): void {
  fs.writeFileAtomic(path, formatOffsetCheckpoint(entries));
}

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** `leader-epoch-checkpoint`: epoch startOffset. */
export function readLeaderEpochCheckpoint(fs: FileSystem, path: string): EpochEntry[] {
  const data = fs.readFile(path);
  if (data === undefined) return [];
  return parseLines(data.toString('utf8'), path).map((f) => {
    if (f.length !== 2) throw new CheckpointFormatError(`${path}: expected 2 fields`);
    return { epoch: toOffset(f[0], path), startOffset: toOffset(f[1], path) };
  });
}

/** The bytes of a leader-epoch checkpoint holding `entries`. */
export function formatLeaderEpochCheckpoint(entries: readonly EpochEntry[]): Buffer {
  return formatLines(entries.map((e) => `${e.epoch} ${e.startOffset}`));
}

/** `partition.metadata`: the topic id of the partition's topic. */
export function readPartitionMetadata(fs: FileSystem, path: string): string | undefined {
  const data = fs.readFile(path);
  if (data === undefined) return undefined;
  const props = parseProperties(data.toString('utf8'), ':');
  if (props.get('version') !== '0') throw new CheckpointFormatError(`${path}: unsupported version`);
  return props.get('topic_id');
}

export function writePartitionMetadata(fs: FileSystem, path: string, topicId: string): void {
  fs.writeFileAtomic(path, Buffer.from(`version: 0\ntopic_id: ${topicId}\n`));
}

/** `meta.properties` of a log dir (KRaft, version 1). */
export interface MetaProperties {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly directoryId?: string;
}

export function readMetaProperties(fs: FileSystem, path: string): MetaProperties | undefined {
  const data = fs.readFile(path);
  if (data === undefined) return undefined;
  const props = parseProperties(data.toString('utf8'), '=');
  const clusterId = props.get('cluster.id');
  const nodeId = Number(props.get('node.id'));
  if (clusterId === undefined || !Number.isSafeInteger(nodeId)) throw new CheckpointFormatError(`${path}: missing cluster.id or node.id`);
  const directoryId = props.get('directory.id');
  return directoryId === undefined ? { clusterId, nodeId } : { clusterId, nodeId, directoryId };
}

export function writeMetaProperties(fs: FileSystem, path: string, meta: MetaProperties): void {
  const lines = ['#', 'version=1', `cluster.id=${meta.clusterId}`, `node.id=${meta.nodeId}`];
  if (meta.directoryId !== undefined) lines.push(`directory.id=${meta.directoryId}`);
  fs.writeFileAtomic(path, Buffer.from(lines.join('\n') + '\n'));
}

function parseProperties(text: string, sep: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const i = line.indexOf(sep);
    if (i < 0) continue;
    out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}
