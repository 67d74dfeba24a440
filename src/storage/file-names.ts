import { join } from 'node:path';

/** Kafka's file naming: 20-digit zero-padded base offsets and fixed suffixes. */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
/** A file scheduled for asynchronous deletion. */
export const DELETED_SUFFIX = '.deleted';
/** A segment being written by the cleaner. */
export const CLEANED_SUFFIX = '.cleaned';
/** A cleaned segment ready to replace the originals. */
export const SWAP_SUFFIX = '.swap';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const PARTITION_METADATA = 'partition.metadata';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const META_PROPERTIES = 'meta.properties';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function segmentFile(dir: string, baseOffset: number, suffix: string): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + suffix);
}

/** The base offset in a name like 00000000000000000042.log, or undefined. */
export function offsetFromFileName(name: string): number | undefined {
  const m = /^(\d{20})\./.exec(name);
  if (m === null) return undefined;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : undefined;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export function partitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Parses `<topic>-<partition>`; topics may contain '-', so the partition is after the last one. */
export function parsePartitionDirName(name: string): TopicPartition | undefined {
  const i = name.lastIndexOf('-');
  if (i <= 0) return undefined;
  const partStr = name.slice(i + 1);
  if (!/^\d+$/.test(partStr)) return undefined;
  const topic = name.slice(0, i);
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) return undefined;
  return { topic, partition: Number(partStr) };
}

/** Ends the name of a partition directory renamed for deletion (Kafka's DeleteDirSuffix). */
export const DELETE_DIR_SUFFIX = '-delete';
const DELETE_DIR_PATTERN = /^.+-\d+\.[0-9a-f]+-delete$/;
/** Longest file name most file systems accept. */
const FILE_NAME_BYTES_MAX = 255;

/**
 * Kafka's logDeleteDirName: `<topic>-<partition>.<uniqueId>-delete`, the topic cut short when the
 * name would not fit in 255 bytes (topic names are ASCII). `uniqueId` is lower-case hex.
 */
export function deleteDirName(tp: TopicPartition, uniqueId: string): string {
  const suffix = `-${tp.partition}.${uniqueId}${DELETE_DIR_SUFFIX}`;
  return tp.topic.slice(0, Math.max(0, FILE_NAME_BYTES_MAX - suffix.length)) + suffix;
}

/** True for a name `deleteDirName` makes (never a live partition's: those end in digits). */
export function isDeleteDirName(name: string): boolean {
  return DELETE_DIR_PATTERN.test(name);
}

export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
