import type { TopicConfig } from '../config/index.js';
import { NEVER, logConfig } from '../storage/index.js';
import type { CleanupPolicy, LogConfig, MessageTimestampType } from '../storage/index.js';

/**
 * What a partition needs from its topic's configuration: the storage settings (`LogConfig`) plus the
 * settings the produce path applies before storage sees the bytes.
 */
export interface PartitionConfig {
  readonly log: LogConfig;
  /** min.insync.replicas: acks=-1 needs at least this many in-sync replicas. */
  readonly minInsyncReplicas: number;
  /** message.timestamp.before.max.ms (falling back to the deprecated difference.max.ms, as Kafka 3.9 does). */
  readonly timestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms (same fallback). */
  readonly timestampAfterMaxMs: number;
}

/** Kafka's Long.MAX_VALUE as the config layer saturates it. */
const LONG_MAX = Number.MAX_SAFE_INTEGER;

function cleanupPolicy(list: readonly string[]): CleanupPolicy {
  const compact = list.includes('compact');
  const del = list.includes('delete');
  if (compact && del) return 'compact,delete';
  if (compact) return 'compact';
  // An empty list is accepted by Kafka's validator and means neither; deleting is the safe reading.
  return 'delete';
}

function saturate(n: number): number {
  return n >= LONG_MAX ? NEVER : n;
}

/**
 * Maps a topic's effective configuration (overrides > broker synonyms > defaults) onto the
 * storage and produce settings. Timestamp bounds follow Kafka 3.9's LogConfig: an explicit
 * before/after value wins; otherwise message.timestamp.difference.max.ms applies to both sides.
 */
export function partitionConfigOf(tc: TopicConfig): PartitionConfig {
  const difference = tc.get('message.timestamp.difference.max.ms');
  const before = tc.get('message.timestamp.before.max.ms');
  const after = tc.get('message.timestamp.after.max.ms');
  const log = logConfig({
    segmentBytes: tc.get('segment.bytes'),
    segmentMs: saturate(tc.get('segment.ms')),
    segmentJitterMs: saturate(tc.get('segment.jitter.ms')),
    indexIntervalBytes: tc.get('index.interval.bytes'),
    segmentIndexBytes: tc.get('segment.index.bytes'),
    retentionMs: tc.get('retention.ms') < 0 ? -1 : saturate(tc.get('retention.ms')),
    retentionBytes: tc.get('retention.bytes'),
    cleanupPolicy: cleanupPolicy(tc.get('cleanup.policy')),
    deleteRetentionMs: saturate(tc.get('delete.retention.ms')),
    minCleanableDirtyRatio: tc.get('min.cleanable.dirty.ratio'),
    minCompactionLagMs: saturate(tc.get('min.compaction.lag.ms')),
    maxCompactionLagMs: saturate(tc.get('max.compaction.lag.ms')),
    fileDeleteDelayMs: saturate(tc.get('file.delete.delay.ms')),
    flushMessages: saturate(tc.get('flush.messages')),
    flushMs: saturate(tc.get('flush.ms')),
    messageTimestampType: tc.get('message.timestamp.type') as MessageTimestampType,
    maxMessageBytes: tc.get('max.message.bytes'),
    preallocate: tc.get('preallocate'),
  });
  return {
    log,
    minInsyncReplicas: tc.get('min.insync.replicas'),
    timestampBeforeMaxMs: saturate(before >= LONG_MAX ? difference : before),
    timestampAfterMaxMs: saturate(after >= LONG_MAX ? difference : after),
  };
}
