/**
 * Per-log settings: Kafka's topic-config names in camelCase with Kafka's defaults. The broker maps
 * `segment.bytes`, `log.segment.bytes`, ... onto these; storage never reads properties itself.
 * `Number.MAX_SAFE_INTEGER` stands in for Kafka's Long.MAX_VALUE ("never").
 */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export const NEVER = Number.MAX_SAFE_INTEGER;

export interface LogConfig {
  /** segment.bytes */
  readonly segmentBytes: number;
  /** segment.ms */
  readonly segmentMs: number;
  /** segment.jitter.ms */
  readonly segmentJitterMs: number;
  /** index.interval.bytes */
  readonly indexIntervalBytes: number;
  /** segment.index.bytes: maximum size of an offset or time index before the segment rolls */
  readonly segmentIndexBytes: number;
  /** retention.ms; -1 keeps forever */
  readonly retentionMs: number;
  /** retention.bytes; -1 keeps any size */
  readonly retentionBytes: number;
  /** cleanup.policy */
  readonly cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones stay after a cleaning pass */
  readonly deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio */
  readonly minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms */
  readonly minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  readonly maxCompactionLagMs: number;
  /** file.delete.delay.ms */
  readonly fileDeleteDelayMs: number;
  /** flush.messages: fdatasync after this many unflushed messages (1 = every append, group-committed) */
  readonly flushMessages: number;
  /** flush.ms: fdatasync when the oldest unflushed write is this old */
  readonly flushMs: number;
  /** message.timestamp.type */
  readonly messageTimestampType: MessageTimestampType;
  /** max.message.bytes: largest record batch accepted */
  readonly maxMessageBytes: number;
  /** preallocate (accepted for compatibility; files grow on demand) */
  readonly preallocate: boolean;
}

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentJitterMs: 0,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
  fileDeleteDelayMs: 60_000,
  flushMessages: NEVER,
  flushMs: NEVER,
  messageTimestampType: 'CreateTime',
  maxMessageBytes: 1024 * 1024 + 12,
  preallocate: false,
} satisfies LogConfig);

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return Object.freeze({ ...DEFAULT_LOG_CONFIG, ...overrides });
}

export function isCompacted(policy: CleanupPolicy): boolean {
  return policy !== 'delete';
}

export function isDeleteEnabled(policy: CleanupPolicy): boolean {
  return policy !== 'compact';
}

/** Broker-wide log-manager settings (log.* properties that are not per topic). */
export interface LogManagerConfig {
  /** log.retention.check.interval.ms */
  readonly retentionCheckIntervalMs: number;
  /** log.flush.scheduler.interval.ms */
  readonly flushSchedulerIntervalMs: number;
  /** log.flush.offset.checkpoint.interval.ms */
  readonly flushOffsetCheckpointIntervalMs: number;
  /** log.flush.start.offset.checkpoint.interval.ms */
  readonly flushStartOffsetCheckpointIntervalMs: number;
  /** log.cleaner.enable */
  readonly cleanerEnable: boolean;
  /** log.cleaner.backoff.ms */
  readonly cleanerBackoffMs: number;
  /** log.cleaner.dedupe.buffer.size: bounds the cleaner's key map (entries are counted at 24 bytes) */
  readonly cleanerDedupeBufferSize: number;
}

export const DEFAULT_LOG_MANAGER_CONFIG: LogManagerConfig = Object.freeze({
  retentionCheckIntervalMs: 5 * 60 * 1000,
  flushSchedulerIntervalMs: NEVER,
  flushOffsetCheckpointIntervalMs: 60_000,
  flushStartOffsetCheckpointIntervalMs: 60_000,
  cleanerEnable: true,
  cleanerBackoffMs: 15_000,
  cleanerDedupeBufferSize: 128 * 1024 * 1024,
} satisfies LogManagerConfig);
