import type { BrokerConfig } from '../config/index.js';

/** The group coordinator's settings, from the broker's (Kafka's names in the comments). */
export interface GroupCoordinatorConfig {
  /** offsets.topic.num.partitions */
  readonly numPartitions: number;
  /** group.initial.rebalance.delay.ms */
  readonly initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** group.max.size */
  readonly maxSize: number;
  /** offset.metadata.max.bytes (Kafka compares the metadata string's length in chars) */
  readonly offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes, in ms */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offsets.commit.timeout.ms: how long a write may wait for replication */
  readonly commitTimeoutMs: number;
  /** offsets.topic.compression.codec */
  readonly compressionCodec: number;
  /** Kafka's fixed 5-minute timeout of a new member's parked JoinGroup. */
  readonly newMemberJoinTimeoutMs: number;
}

export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export function groupCoordinatorConfig(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    numPartitions: config.get('offsets.topic.num.partitions'),
    initialRebalanceDelayMs: config.get('group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: config.get('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.get('group.max.session.timeout.ms'),
    maxSize: config.get('group.max.size'),
    offsetMetadataMaxBytes: config.get('offset.metadata.max.bytes'),
    offsetsRetentionMs: config.get('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.get('offsets.retention.check.interval.ms'),
    commitTimeoutMs: config.get('offsets.commit.timeout.ms'),
    compressionCodec: config.get('offsets.topic.compression.codec'),
    newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
  };
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's partitionFor: Utils.abs(hashCode) % partitions (abs(MIN_VALUE) is 0 there). */
export function partitionFor(groupId: string, numPartitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % numPartitions;
}
