import type { TopicConfigSpec } from './types.js';
import { LONG_MAX } from './broker-configs.js';
import { atLeast, between, gzipLevel, listOf, metadataVersion, oneOf, throttledReplicaList } from './validators.js';

const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];

function topicConfigs<const T extends Record<string, TopicConfigSpec>>(table: T): T {
  return table;
}

/**
 * Every topic-level config of Apache Kafka 3.9 (LogConfig), with Kafka's types, defaults, validators
 * and importance, and the broker configs that supply each one's default (ServerTopicConfigSynonyms).
 * Docs are ours.
 */
export const TOPIC_CONFIGS = topicConfigs({
  'cleanup.policy': {
    type: 'list', default: ['delete'], validator: listOf('compact', 'delete'), importance: 'medium',
    synonyms: [{ name: 'log.cleanup.policy' }],
    doc: 'delete old segments, compact to the latest value per key, or both.',
  },
  'compression.type': {
    type: 'string', default: 'producer', validator: oneOf(...COMPRESSION_TYPES), importance: 'medium',
    synonyms: [{ name: 'compression.type' }],
    doc: 'Codec batches are stored with; producer keeps what the producer sent.',
  },
  'compression.gzip.level': {
    type: 'int', default: -1, validator: gzipLevel, importance: 'medium',
    synonyms: [{ name: 'compression.gzip.level' }],
    doc: 'gzip level when the broker recompresses to gzip.',
  },
  'compression.lz4.level': {
    type: 'int', default: 9, validator: between(1, 17), importance: 'medium',
    synonyms: [{ name: 'compression.lz4.level' }],
    doc: 'lz4 level when the broker recompresses to lz4.',
  },
  'compression.zstd.level': {
    type: 'int', default: 3, validator: between(-131072, 22), importance: 'medium',
    synonyms: [{ name: 'compression.zstd.level' }],
    doc: 'zstd level when the broker recompresses to zstd.',
  },
  'delete.retention.ms': {
    type: 'long', default: 86400000, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.cleaner.delete.retention.ms' }],
    doc: 'How long tombstones stay readable in a compacted topic.',
  },
  'file.delete.delay.ms': {
    type: 'long', default: 60000, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.segment.delete.delay.ms' }],
    doc: 'Delay between marking a segment deleted and removing its files.',
  },
  'flush.messages': {
    type: 'long', default: LONG_MAX, validator: atLeast(1), importance: 'medium',
    synonyms: [{ name: 'log.flush.interval.messages' }],
    doc: 'Messages appended before the log is fsynced.',
  },
  'flush.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.flush.interval.ms' }, { name: 'log.flush.scheduler.interval.ms' }],
    doc: 'Longest time a message stays unflushed.',
  },
  'follower.replication.throttled.replicas': {
    type: 'list', default: [], validator: throttledReplicaList, importance: 'medium', synonyms: [],
    doc: 'Replicas whose follower-side replication is throttled (partition:broker, or *).',
  },
  'index.interval.bytes': {
    type: 'int', default: 4096, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.index.interval.bytes' }],
    doc: 'Bytes of log between two offset index entries.',
  },
  'leader.replication.throttled.replicas': {
    type: 'list', default: [], validator: throttledReplicaList, importance: 'medium', synonyms: [],
    doc: 'Replicas whose leader-side replication is throttled (partition:broker, or *).',
  },
  'local.retention.bytes': {
    type: 'long', default: -2, validator: atLeast(-2), importance: 'medium',
    synonyms: [{ name: 'log.local.retention.bytes' }],
    doc: 'Tiered storage: bytes kept locally; -2 means retention.bytes.',
  },
  'local.retention.ms': {
    type: 'long', default: -2, validator: atLeast(-2), importance: 'medium',
    synonyms: [{ name: 'log.local.retention.ms' }],
    doc: 'Tiered storage: time data is kept locally; -2 means retention.ms.',
  },
  'max.compaction.lag.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(1), importance: 'medium',
    synonyms: [{ name: 'log.cleaner.max.compaction.lag.ms' }],
    doc: 'Oldest a record may get before it must be compacted.',
  },
  'max.message.bytes': {
    type: 'int', default: 1048588, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'message.max.bytes' }],
    doc: 'Largest record batch the topic accepts.',
  },
  'message.downconversion.enable': {
    type: 'boolean', default: true, importance: 'low',
    synonyms: [{ name: 'log.message.downconversion.enable' }],
    doc: 'Convert batches to older formats for old consumers.',
  },
  'message.format.version': {
    type: 'string', default: '3.0-IV1', validator: metadataVersion, importance: 'medium',
    synonyms: [{ name: 'log.message.format.version' }],
    doc: 'Deprecated; ignored from inter-broker protocol 3.0 on.',
  },
  'message.timestamp.after.max.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.message.timestamp.after.max.ms' }],
    doc: 'How far in the future a CreateTime timestamp may be.',
  },
  'message.timestamp.before.max.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.message.timestamp.before.max.ms' }],
    doc: 'How far in the past a CreateTime timestamp may be.',
  },
  'message.timestamp.difference.max.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.message.timestamp.difference.max.ms' }],
    doc: 'Deprecated: largest gap between a CreateTime timestamp and the broker clock.',
  },
  'message.timestamp.type': {
    type: 'string', default: 'CreateTime', validator: oneOf('CreateTime', 'LogAppendTime'), importance: 'medium',
    synonyms: [{ name: 'log.message.timestamp.type' }],
    doc: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s (LogAppendTime).',
  },
  'min.cleanable.dirty.ratio': {
    type: 'double', default: 0.5, validator: between(0, 1), importance: 'medium',
    synonyms: [{ name: 'log.cleaner.min.cleanable.ratio' }],
    doc: 'Dirty share of the log that makes it eligible for compaction.',
  },
  'min.compaction.lag.ms': {
    type: 'long', default: 0, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.cleaner.min.compaction.lag.ms' }],
    doc: 'Youngest a record can be and still be compacted.',
  },
  'min.insync.replicas': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'medium',
    synonyms: [{ name: 'min.insync.replicas' }],
    doc: 'In-sync replicas an acks=all write needs, else NOT_ENOUGH_REPLICAS.',
  },
  'preallocate': {
    type: 'boolean', default: false, importance: 'medium',
    synonyms: [{ name: 'log.preallocate' }],
    doc: 'Preallocate segment files at their full size.',
  },
  'remote.log.copy.disable': {
    type: 'boolean', default: false, importance: 'medium', synonyms: [],
    doc: 'Tiered storage: stop copying segments to remote storage (existing remote data stays readable).',
  },
  'remote.log.delete.on.disable': {
    type: 'boolean', default: false, importance: 'medium', synonyms: [],
    doc: 'Tiered storage: delete remote data when tiering is turned off for the topic.',
  },
  'remote.storage.enable': {
    type: 'boolean', default: false, importance: 'medium', synonyms: [],
    doc: 'Tiered storage: keep old segments in remote storage (not supported by Gregor).',
  },
  'retention.bytes': {
    type: 'long', default: -1, importance: 'medium',
    synonyms: [{ name: 'log.retention.bytes' }],
    doc: 'Size a partition may reach before old segments are deleted; -1 means no limit.',
  },
  'retention.ms': {
    type: 'long', default: 604800000, validator: atLeast(-1), importance: 'medium',
    synonyms: [{ name: 'log.retention.ms' }, { name: 'log.retention.minutes', unit: 'minutes' }, { name: 'log.retention.hours', unit: 'hours' }],
    doc: 'How long segments are kept before deletion; -1 keeps them forever.',
  },
  'segment.bytes': {
    type: 'int', default: 1073741824, validator: atLeast(14), importance: 'medium',
    synonyms: [{ name: 'log.segment.bytes' }],
    doc: 'Size at which a segment is rolled.',
  },
  'segment.index.bytes': {
    type: 'int', default: 10485760, validator: atLeast(4), importance: 'medium',
    synonyms: [{ name: 'log.index.size.max.bytes' }],
    doc: 'Largest offset or time index of a segment.',
  },
  'segment.jitter.ms': {
    type: 'long', default: 0, validator: atLeast(0), importance: 'medium',
    synonyms: [{ name: 'log.roll.jitter.ms' }, { name: 'log.roll.jitter.hours', unit: 'hours' }],
    doc: 'Largest random amount subtracted from segment.ms, so segments do not all roll at once.',
  },
  'segment.ms': {
    type: 'long', default: 604800000, validator: atLeast(1), importance: 'medium',
    synonyms: [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', unit: 'hours' }],
    doc: 'Age at which a segment is rolled even if not full, so retention can act.',
  },
  'unclean.leader.election.enable': {
    type: 'boolean', default: false, importance: 'medium',
    synonyms: [{ name: 'unclean.leader.election.enable' }],
    doc: 'Let an out-of-sync replica become leader when no in-sync one is left, losing data.',
  },
});

export type TopicConfigTable = typeof TOPIC_CONFIGS;
export type TopicConfigName = keyof TopicConfigTable;
