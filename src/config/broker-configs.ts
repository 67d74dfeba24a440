import type { BrokerConfigSpec } from './types.js';
import {
  atLeast,
  between,
  connectionsPerIpOverrides,
  gzipLevel,
  listOf,
  metadataVersion,
  nonNull,
  oneOf,
  quorumBootstrapServers,
  quorumVoters,
} from './validators.js';

/** Java's Long.MAX_VALUE, saturated to the largest exact JS integer (see parse-value.ts). */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
export const INT_MAX = 2147483647;
/** Java's Double.MAX_VALUE. */
export const DOUBLE_MAX = Number.MAX_VALUE;

/** Records.LOG_OVERHEAD (offset + size) and LegacyRecord.RECORD_OVERHEAD_V0: lower bounds Kafka uses. */
const LOG_OVERHEAD = 12;
const RECORD_OVERHEAD_V0 = 14;

const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];

function brokerConfigs<const T extends Record<string, BrokerConfigSpec>>(table: T): T {
  return table;
}

/**
 * The broker and controller configs Gregor knows: names, types, defaults, validators, importance and
 * dynamic update modes exactly as Apache Kafka 3.9 defines them (KafkaConfig's ConfigDef and
 * DynamicBrokerConfig). ZooKeeper-only settings are left out. Docs are ours.
 */
export const BROKER_CONFIGS = brokerConfigs({
  // --- Roles and identity (KRaft) ---
  'process.roles': {
    type: 'list', default: [], validator: listOf('broker', 'controller'), importance: 'high', dynamic: 'read-only',
    doc: 'Roles this node plays: broker, controller, or both (combined mode).',
  },
  'node.id': {
    type: 'int', default: -1, importance: 'high', dynamic: 'read-only',
    doc: 'Id of this node in the cluster; required when process.roles is set.',
  },
  'broker.id': {
    type: 'int', default: -1, importance: 'high', dynamic: 'read-only',
    doc: 'Legacy name of node.id; if both are set they must be equal.',
  },
  'broker.rack': {
    type: 'string', default: null, importance: 'medium', dynamic: 'read-only',
    doc: 'Rack (or zone) of this broker, used to spread replicas and for follower fetching.',
  },
  'controller.listener.names': {
    type: 'string', default: null, importance: 'high', dynamic: 'read-only',
    doc: 'Comma-separated listener names the controllers use; required in KRaft mode.',
  },
  'controller.quorum.voters': {
    type: 'list', default: [], validator: quorumVoters, importance: 'high', dynamic: 'read-only',
    doc: 'Static controller quorum as id@host:port entries.',
  },
  'controller.quorum.bootstrap.servers': {
    type: 'list', default: [], validator: quorumBootstrapServers, importance: 'high', dynamic: 'read-only',
    doc: 'host:port entries used to discover a dynamic controller quorum.',
  },
  'controller.quorum.election.timeout.ms': {
    type: 'int', default: 1000, importance: 'high', dynamic: 'read-only',
    doc: 'How long a voter waits without hearing from a leader before starting an election.',
  },
  'controller.quorum.fetch.timeout.ms': {
    type: 'int', default: 2000, importance: 'high', dynamic: 'read-only',
    doc: 'How long a follower waits for a successful fetch before it becomes a candidate.',
  },
  'controller.quorum.election.backoff.max.ms': {
    type: 'int', default: 1000, importance: 'high', dynamic: 'read-only',
    doc: 'Upper bound of the randomised backoff before a new election.',
  },
  'controller.quorum.append.linger.ms': {
    type: 'int', default: 25, importance: 'medium', dynamic: 'read-only',
    doc: 'How long the quorum leader gathers appends into one batch before writing it.',
  },
  'controller.quorum.request.timeout.ms': {
    type: 'int', default: 2000, importance: 'medium', dynamic: 'read-only',
    doc: 'Timeout of one quorum request before it is retried or failed.',
  },
  'controller.quorum.retry.backoff.ms': {
    type: 'int', default: 20, importance: 'low', dynamic: 'read-only',
    doc: 'Pause before retrying a failed quorum request.',
  },
  'sasl.mechanism.controller.protocol': {
    type: 'string', default: 'GSSAPI', importance: 'high', dynamic: 'read-only',
    doc: 'SASL mechanism used to talk to controllers.',
  },
  'initial.broker.registration.timeout.ms': {
    type: 'int', default: 60000, importance: 'medium', dynamic: 'read-only',
    doc: 'How long a starting broker may take to register with the controller before giving up.',
  },
  'broker.heartbeat.interval.ms': {
    type: 'int', default: 2000, importance: 'medium', dynamic: 'read-only',
    doc: 'Interval between a broker\'s heartbeats to the controller.',
  },
  'broker.session.timeout.ms': {
    type: 'int', default: 9000, importance: 'medium', dynamic: 'read-only',
    doc: 'A broker that misses heartbeats this long is fenced by the controller.',
  },
  'eligible.leader.replicas.enable': {
    type: 'boolean', default: false, importance: 'high', dynamic: 'read-only',
    doc: 'Track eligible leader replicas (KIP-966).',
  },
  'metadata.log.dir': {
    type: 'string', default: null, importance: 'high', dynamic: 'read-only',
    doc: 'Directory of the cluster metadata log; the first log directory when unset.',
  },
  'metadata.log.segment.bytes': {
    type: 'int', default: 1073741824, validator: atLeast(LOG_OVERHEAD), importance: 'high', dynamic: 'read-only',
    doc: 'Maximum size of one metadata log segment.',
  },
  'metadata.log.segment.min.bytes': {
    type: 'int', default: 8388608, validator: atLeast(LOG_OVERHEAD), importance: 'high', dynamic: 'read-only', internal: true,
    doc: 'Smallest metadata log segment size allowed (tests lower it).',
  },
  'metadata.log.segment.ms': {
    type: 'long', default: 604800000, importance: 'high', dynamic: 'read-only',
    doc: 'Age after which a metadata log segment is rolled.',
  },
  'metadata.max.retention.bytes': {
    type: 'long', default: 104857600, importance: 'high', dynamic: 'read-only',
    doc: 'Metadata log bytes kept beyond the latest snapshot before old segments are deleted.',
  },
  'metadata.max.retention.ms': {
    type: 'long', default: 604800000, importance: 'high', dynamic: 'read-only',
    doc: 'Age after which metadata log segments covered by a snapshot are deleted.',
  },
  'metadata.max.idle.interval.ms': {
    type: 'int', default: 500, validator: atLeast(0), importance: 'low', dynamic: 'read-only',
    doc: 'The active controller appends a no-op record this often when idle; 0 disables it.',
  },
  'metadata.log.max.record.bytes.between.snapshots': {
    type: 'long', default: 20971520, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Metadata log bytes written since the last snapshot that trigger a new snapshot.',
  },
  'metadata.log.max.snapshot.interval.ms': {
    type: 'long', default: 3600000, validator: atLeast(0), importance: 'high', dynamic: 'read-only',
    doc: 'Longest time between snapshots when there are new records; 0 disables time-based snapshots.',
  },
  'server.max.startup.time.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'read-only', internal: true,
    doc: 'How long a broker may take to catch up with the metadata log at startup.',
  },

  // --- Listeners and sockets ---
  'listeners': {
    type: 'string', default: 'PLAINTEXT://:9092', importance: 'high', dynamic: 'per-broker',
    doc: 'Addresses to listen on, as NAME://host:port entries; an empty host binds all interfaces.',
  },
  'advertised.listeners': {
    type: 'string', default: null, importance: 'high', dynamic: 'per-broker',
    doc: 'Addresses clients are told to use, when different from listeners.',
  },
  'listener.security.protocol.map': {
    type: 'string', default: 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
    importance: 'low', dynamic: 'per-broker',
    doc: 'Security protocol of each listener name, as NAME:PROTOCOL entries.',
  },
  'inter.broker.listener.name': {
    type: 'string', default: null, importance: 'medium', dynamic: 'read-only',
    doc: 'Listener brokers use to talk to each other; exclusive with security.inter.broker.protocol.',
  },
  'security.inter.broker.protocol': {
    type: 'string', default: 'PLAINTEXT', validator: oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'),
    importance: 'medium', dynamic: 'read-only',
    doc: 'Security protocol brokers use to talk to each other when no listener name is given.',
  },
  'early.start.listeners': {
    type: 'string', default: null, importance: 'high', dynamic: 'read-only',
    doc: 'Listeners that accept connections before the broker has finished starting.',
  },
  'socket.send.buffer.bytes': {
    type: 'int', default: 102400, importance: 'high', dynamic: 'read-only',
    doc: 'SO_SNDBUF of server sockets; -1 keeps the OS default.',
  },
  'socket.receive.buffer.bytes': {
    type: 'int', default: 102400, importance: 'high', dynamic: 'read-only',
    doc: 'SO_RCVBUF of server sockets; -1 keeps the OS default.',
  },
  'socket.request.max.bytes': {
    type: 'int', default: 104857600, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Largest request frame the broker accepts; larger ones close the connection.',
  },
  'socket.listen.backlog.size': {
    type: 'int', default: 50, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Backlog of pending connections on each listening socket.',
  },
  'socket.connection.setup.timeout.ms': {
    type: 'long', default: 10000, importance: 'medium', dynamic: 'read-only',
    doc: 'Initial timeout for the broker\'s own outgoing connections.',
  },
  'socket.connection.setup.timeout.max.ms': {
    type: 'long', default: 30000, importance: 'medium', dynamic: 'read-only',
    doc: 'Cap of the exponentially growing outgoing connection timeout.',
  },
  'max.connections.per.ip': {
    type: 'int', default: INT_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Connections allowed from one IP address.',
  },
  'max.connections.per.ip.overrides': {
    type: 'string', default: '', validator: connectionsPerIpOverrides, importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Per-IP or per-host exceptions to max.connections.per.ip, as host:count entries.',
  },
  'max.connections': {
    type: 'int', default: INT_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Connections the broker accepts in total across listeners.',
  },
  'max.connection.creation.rate': {
    type: 'int', default: INT_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'New connections per second the broker accepts.',
  },
  'connections.max.idle.ms': {
    type: 'long', default: 600000, importance: 'medium', dynamic: 'read-only',
    doc: 'Idle connections are closed after this long.',
  },
  'connection.failed.authentication.delay.ms': {
    type: 'int', default: 100, validator: atLeast(0), importance: 'low', dynamic: 'read-only',
    doc: 'Delay before closing a connection whose authentication failed.',
  },
  'queued.max.requests': {
    type: 'int', default: 500, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Requests queued for the request handlers before network threads stop reading.',
  },
  'queued.max.request.bytes': {
    type: 'long', default: -1, importance: 'medium', dynamic: 'read-only',
    doc: 'Bytes of queued requests before reading stops; -1 means no limit.',
  },
  'num.network.threads': {
    type: 'int', default: 3, validator: atLeast(1), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Threads per listener that read requests and write responses.',
  },
  'num.io.threads': {
    type: 'int', default: 8, validator: atLeast(1), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Threads that process requests, including disk I/O.',
  },
  'background.threads': {
    type: 'int', default: 10, validator: atLeast(1), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Threads for background tasks such as deleting files.',
  },
  'request.timeout.ms': {
    type: 'int', default: 30000, importance: 'high', dynamic: 'read-only',
    doc: 'Timeout of the broker\'s own requests to other nodes.',
  },

  // --- Security (the basics a SASL listener needs) ---
  'sasl.enabled.mechanisms': {
    type: 'list', default: ['GSSAPI'], importance: 'medium', dynamic: 'per-broker',
    doc: 'SASL mechanisms offered to clients.',
  },
  'sasl.mechanism.inter.broker.protocol': {
    type: 'string', default: 'GSSAPI', importance: 'medium', dynamic: 'per-broker',
    doc: 'SASL mechanism brokers use to talk to each other.',
  },
  'sasl.server.max.receive.size': {
    type: 'int', default: 524288, importance: 'medium', dynamic: 'read-only',
    doc: 'Largest SASL token accepted before authentication completes.',
  },
  'connections.max.reauth.ms': {
    type: 'long', default: 0, importance: 'medium', dynamic: 'read-only',
    doc: 'Longest session a SASL client may keep before re-authenticating; 0 disables re-authentication.',
  },
  'ssl.client.auth': {
    type: 'string', default: 'none', validator: oneOf('required', 'requested', 'none'), importance: 'medium',
    dynamic: 'per-broker',
    doc: 'Whether TLS clients must, may or need not present a certificate.',
  },
  'principal.builder.class': {
    type: 'class', default: 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder',
    importance: 'medium', dynamic: 'per-broker',
    doc: 'Builds the principal of an authenticated connection (Kafka class name, informational here).',
  },
  'authorizer.class.name': {
    type: 'string', default: '', validator: nonNull, importance: 'low', dynamic: 'read-only',
    doc: 'Authorizer to enforce ACLs; empty means no authorization.',
  },

  // --- Topics and logs: broker-wide defaults ---
  'num.partitions': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Partitions of a topic created without a partition count (including auto-created ones).',
  },
  'default.replication.factor': {
    type: 'int', default: 1, importance: 'medium', dynamic: 'read-only',
    doc: 'Replication factor of a topic created without one.',
  },
  'auto.create.topics.enable': {
    type: 'boolean', default: true, importance: 'high', dynamic: 'read-only',
    doc: 'Create a topic when a client asks for metadata of one that does not exist.',
  },
  'delete.topic.enable': {
    type: 'boolean', default: true, importance: 'high', dynamic: 'read-only',
    doc: 'Allow topics to be deleted.',
  },
  'message.max.bytes': {
    type: 'int', default: 1048588, validator: atLeast(0), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Largest record batch the broker accepts; topic default for max.message.bytes.',
  },
  'min.insync.replicas': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'high', dynamic: 'cluster-wide',
    doc: 'In-sync replicas an acks=all write needs; topic default.',
  },
  'unclean.leader.election.enable': {
    type: 'boolean', default: false, importance: 'high', dynamic: 'cluster-wide',
    doc: 'Let an out-of-sync replica become leader when no in-sync one is left, losing data.',
  },
  'compression.type': {
    type: 'string', default: 'producer', validator: oneOf(...COMPRESSION_TYPES), importance: 'high',
    dynamic: 'cluster-wide',
    doc: 'Codec batches are stored with; producer keeps what the producer sent.',
  },
  'compression.gzip.level': {
    type: 'int', default: -1, validator: gzipLevel, importance: 'medium', dynamic: 'cluster-wide',
    doc: 'gzip level used when the broker recompresses.',
  },
  'compression.lz4.level': {
    type: 'int', default: 9, validator: between(1, 17), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'lz4 level used when the broker recompresses.',
  },
  'compression.zstd.level': {
    type: 'int', default: 3, validator: between(-131072, 22), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'zstd level used when the broker recompresses.',
  },
  'log.dir': {
    type: 'string', default: '/tmp/kafka-logs', importance: 'high', dynamic: 'read-only',
    doc: 'Data directory, used when log.dirs is not set.',
  },
  'log.dirs': {
    type: 'string', default: null, importance: 'high', dynamic: 'read-only',
    doc: 'Comma-separated data directories; overrides log.dir.',
  },
  'log.segment.bytes': {
    type: 'int', default: 1073741824, validator: atLeast(RECORD_OVERHEAD_V0), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Size at which a log segment is rolled.',
  },
  'log.roll.ms': {
    type: 'long', default: null, importance: 'high', dynamic: 'cluster-wide',
    doc: 'Age at which a log segment is rolled; overrides log.roll.hours.',
  },
  'log.roll.hours': {
    type: 'int', default: 168, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Age in hours at which a log segment is rolled.',
  },
  'log.roll.jitter.ms': {
    type: 'long', default: null, importance: 'high', dynamic: 'cluster-wide',
    doc: 'Largest random amount subtracted from the roll time; overrides log.roll.jitter.hours.',
  },
  'log.roll.jitter.hours': {
    type: 'int', default: 0, validator: atLeast(0), importance: 'high', dynamic: 'read-only',
    doc: 'Largest random amount, in hours, subtracted from the roll time.',
  },
  'log.retention.ms': {
    type: 'long', default: null, importance: 'high', dynamic: 'cluster-wide',
    doc: 'How long log segments are kept; -1 keeps them forever. Beats minutes and hours.',
  },
  'log.retention.minutes': {
    type: 'int', default: null, importance: 'high', dynamic: 'read-only',
    doc: 'Retention in minutes; beats log.retention.hours.',
  },
  'log.retention.hours': {
    type: 'int', default: 168, importance: 'high', dynamic: 'read-only',
    doc: 'Retention in hours, used when neither ms nor minutes is set.',
  },
  'log.retention.bytes': {
    type: 'long', default: -1, importance: 'high', dynamic: 'cluster-wide',
    doc: 'Size a partition\'s log may reach before old segments are deleted; -1 means no limit.',
  },
  'log.retention.check.interval.ms': {
    type: 'long', default: 300000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'How often the broker looks for segments to delete.',
  },
  'log.cleanup.policy': {
    type: 'list', default: ['delete'], validator: listOf('compact', 'delete'), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'What happens to old segments: delete, compact, or both.',
  },
  'log.index.size.max.bytes': {
    type: 'int', default: 10485760, validator: atLeast(4), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Largest offset or time index of a segment; a full index rolls the segment.',
  },
  'log.index.interval.bytes': {
    type: 'int', default: 4096, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Bytes of log between two offset index entries.',
  },
  'log.flush.interval.messages': {
    type: 'long', default: LONG_MAX, validator: atLeast(1), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Messages appended to a partition before it is fsynced.',
  },
  'log.flush.interval.ms': {
    type: 'long', default: null, importance: 'high', dynamic: 'cluster-wide',
    doc: 'Longest time a message stays unflushed; log.flush.scheduler.interval.ms when unset.',
  },
  'log.flush.scheduler.interval.ms': {
    type: 'long', default: LONG_MAX, importance: 'high', dynamic: 'read-only',
    doc: 'How often the flusher checks whether a log needs fsyncing.',
  },
  'log.flush.offset.checkpoint.interval.ms': {
    type: 'int', default: 60000, validator: atLeast(0), importance: 'high', dynamic: 'read-only',
    doc: 'How often the recovery-point checkpoint is written.',
  },
  'log.flush.start.offset.checkpoint.interval.ms': {
    type: 'int', default: 60000, validator: atLeast(0), importance: 'high', dynamic: 'read-only',
    doc: 'How often the log-start-offset checkpoint is written.',
  },
  'log.segment.delete.delay.ms': {
    type: 'long', default: 60000, validator: atLeast(0), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Delay between marking a segment deleted and removing its files.',
  },
  'log.preallocate': {
    type: 'boolean', default: false, importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Preallocate segment files at their full size.',
  },
  'log.message.format.version': {
    type: 'string', default: '3.0-IV1', validator: metadataVersion, importance: 'medium', dynamic: 'read-only',
    doc: 'Deprecated; ignored from inter-broker protocol 3.0 on (record format v2 is always used).',
  },
  'log.message.timestamp.type': {
    type: 'string', default: 'CreateTime', validator: oneOf('CreateTime', 'LogAppendTime'), importance: 'medium',
    dynamic: 'cluster-wide',
    doc: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s (LogAppendTime).',
  },
  'log.message.timestamp.difference.max.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Deprecated: largest allowed gap between a CreateTime timestamp and the broker clock.',
  },
  'log.message.timestamp.before.max.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'How far in the past a CreateTime timestamp may be.',
  },
  'log.message.timestamp.after.max.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'How far in the future a CreateTime timestamp may be.',
  },
  'log.message.downconversion.enable': {
    type: 'boolean', default: true, importance: 'low', dynamic: 'cluster-wide',
    doc: 'Convert batches to older formats for old consumers.',
  },
  'log.local.retention.ms': {
    type: 'long', default: -2, validator: atLeast(-2), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Tiered storage: local retention time; -2 means use log.retention.ms.',
  },
  'log.local.retention.bytes': {
    type: 'long', default: -2, validator: atLeast(-2), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Tiered storage: local retention size; -2 means use log.retention.bytes.',
  },
  'remote.log.storage.system.enable': {
    type: 'boolean', default: false, importance: 'medium', dynamic: 'read-only',
    doc: 'Enable tiered storage on this broker (not supported by Gregor).',
  },
  'num.recovery.threads.per.data.dir': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'high', dynamic: 'cluster-wide',
    doc: 'Threads per data directory that recover logs at startup and flush them at shutdown.',
  },
  'log.dir.failure.timeout.ms': {
    type: 'long', default: 30000, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'A broker that cannot report a failed log dir to the controller this long shuts down.',
  },
  'log.initial.task.delay.ms': {
    type: 'long', default: 30000, validator: atLeast(0), importance: 'low', dynamic: 'read-only', internal: true,
    doc: 'Delay before the first retention and flush checks after startup.',
  },
  'create.topic.policy.class.name': {
    type: 'class', default: null, importance: 'low', dynamic: 'read-only',
    doc: 'Policy that validates topic creations (Kafka class name).',
  },
  'alter.config.policy.class.name': {
    type: 'class', default: null, importance: 'low', dynamic: 'read-only',
    doc: 'Policy that validates config changes (Kafka class name).',
  },

  // --- Log cleaner (compaction) ---
  'log.cleaner.enable': {
    type: 'boolean', default: true, importance: 'medium', dynamic: 'read-only',
    doc: 'Run the log cleaner, needed by compacted topics such as __consumer_offsets.',
  },
  'log.cleaner.threads': {
    type: 'int', default: 1, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Threads that compact logs.',
  },
  'log.cleaner.io.max.bytes.per.second': {
    type: 'double', default: DOUBLE_MAX, importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Throttle on the cleaner\'s combined read and write rate.',
  },
  'log.cleaner.dedupe.buffer.size': {
    type: 'long', default: 134217728, importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Memory for the key-to-offset map, shared by all cleaner threads.',
  },
  'log.cleaner.io.buffer.size': {
    type: 'int', default: 524288, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'I/O buffer memory, shared by all cleaner threads.',
  },
  'log.cleaner.io.buffer.load.factor': {
    type: 'double', default: 0.9, importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Fill factor of the dedupe buffer\'s hash table.',
  },
  'log.cleaner.backoff.ms': {
    type: 'long', default: 15000, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Sleep of a cleaner thread that found nothing to clean.',
  },
  'log.cleaner.min.cleanable.ratio': {
    type: 'double', default: 0.5, validator: between(0, 1), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Dirty share of a log that makes it eligible for cleaning; topic default.',
  },
  'log.cleaner.delete.retention.ms': {
    type: 'long', default: 86400000, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'How long tombstones stay in a compacted log; topic default.',
  },
  'log.cleaner.min.compaction.lag.ms': {
    type: 'long', default: 0, validator: atLeast(0), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Youngest a record can be and still be compacted; topic default.',
  },
  'log.cleaner.max.compaction.lag.ms': {
    type: 'long', default: LONG_MAX, validator: atLeast(1), importance: 'medium', dynamic: 'cluster-wide',
    doc: 'Oldest a record may get before it must be compacted; topic default.',
  },

  // --- Replication ---
  'replica.lag.time.max.ms': {
    type: 'long', default: 30000, importance: 'high', dynamic: 'read-only',
    doc: 'A follower that has not caught up for this long leaves the ISR.',
  },
  'replica.socket.timeout.ms': {
    type: 'int', default: 30000, importance: 'high', dynamic: 'read-only',
    doc: 'Socket timeout of replica fetch requests.',
  },
  'replica.socket.receive.buffer.bytes': {
    type: 'int', default: 65536, importance: 'high', dynamic: 'read-only',
    doc: 'SO_RCVBUF of replica fetcher connections.',
  },
  'replica.fetch.max.bytes': {
    type: 'int', default: 1048576, validator: atLeast(0), importance: 'medium', dynamic: 'read-only',
    doc: 'Bytes a follower asks for per partition (a larger first batch is still returned).',
  },
  'replica.fetch.wait.max.ms': {
    type: 'int', default: 500, importance: 'high', dynamic: 'read-only',
    doc: 'Longest a follower fetch waits on the leader for data.',
  },
  'replica.fetch.min.bytes': {
    type: 'int', default: 1, importance: 'high', dynamic: 'read-only',
    doc: 'Bytes a follower fetch waits for before the leader answers.',
  },
  'replica.fetch.backoff.ms': {
    type: 'int', default: 1000, validator: atLeast(0), importance: 'medium', dynamic: 'read-only',
    doc: 'Pause after a failed follower fetch.',
  },
  'replica.fetch.response.max.bytes': {
    type: 'int', default: 10485760, validator: atLeast(0), importance: 'medium', dynamic: 'read-only',
    doc: 'Bytes a follower asks for per fetch response in total.',
  },
  'num.replica.fetchers': {
    type: 'int', default: 1, importance: 'high', dynamic: 'cluster-wide',
    doc: 'Fetcher threads per source broker.',
  },
  'replica.high.watermark.checkpoint.interval.ms': {
    type: 'long', default: 5000, importance: 'high', dynamic: 'read-only',
    doc: 'How often high watermarks are checkpointed to disk.',
  },
  'replica.selector.class': {
    type: 'string', default: null, importance: 'medium', dynamic: 'read-only',
    doc: 'Picks the replica a consumer should fetch from (Kafka class name).',
  },
  'fetch.purgatory.purge.interval.requests': {
    type: 'int', default: 1000, importance: 'medium', dynamic: 'read-only',
    doc: 'Completed entries in the fetch purgatory before it is purged.',
  },
  'producer.purgatory.purge.interval.requests': {
    type: 'int', default: 1000, importance: 'medium', dynamic: 'read-only',
    doc: 'Completed entries in the produce purgatory before it is purged.',
  },
  'delete.records.purgatory.purge.interval.requests': {
    type: 'int', default: 1, importance: 'medium', dynamic: 'read-only',
    doc: 'Completed entries in the delete-records purgatory before it is purged.',
  },
  'auto.leader.rebalance.enable': {
    type: 'boolean', default: true, importance: 'high', dynamic: 'read-only',
    doc: 'Move leadership back to preferred replicas in the background.',
  },
  'leader.imbalance.per.broker.percentage': {
    type: 'int', default: 10, importance: 'high', dynamic: 'read-only',
    doc: 'Share of non-preferred leaders on a broker that triggers a rebalance.',
  },
  'leader.imbalance.check.interval.seconds': {
    type: 'long', default: 300, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'How often leader imbalance is checked.',
  },
  'unclean.leader.election.interval.ms': {
    type: 'long', default: 300000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only', internal: true,
    doc: 'How often the controller looks for partitions needing an unclean election.',
  },
  'inter.broker.protocol.version': {
    type: 'string', default: '3.9-IV0', validator: metadataVersion, importance: 'medium', dynamic: 'read-only',
    doc: 'Inter-broker protocol version; in KRaft the metadata.version feature decides instead.',
  },
  'fetch.max.bytes': {
    type: 'int', default: 57671680, validator: atLeast(1024), importance: 'medium', dynamic: 'read-only',
    doc: 'Most bytes one fetch response carries.',
  },
  'max.incremental.fetch.session.cache.slots': {
    type: 'int', default: 1000, validator: atLeast(0), importance: 'medium', dynamic: 'read-only',
    doc: 'Incremental fetch sessions the broker keeps.',
  },
  'max.request.partition.size.limit': {
    type: 'int', default: 2000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Most partitions served in one request.',
  },

  // --- Group coordinator and offsets ---
  'group.min.session.timeout.ms': {
    type: 'int', default: 6000, importance: 'medium', dynamic: 'read-only',
    doc: 'Shortest session timeout a classic group member may ask for.',
  },
  'group.max.session.timeout.ms': {
    type: 'int', default: 1800000, importance: 'medium', dynamic: 'read-only',
    doc: 'Longest session timeout a classic group member may ask for.',
  },
  'group.initial.rebalance.delay.ms': {
    type: 'int', default: 3000, importance: 'medium', dynamic: 'read-only',
    doc: 'How long a new classic group waits for more members before its first rebalance.',
  },
  'group.max.size': {
    type: 'int', default: INT_MAX, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Most members a classic group may have.',
  },
  'group.coordinator.rebalance.protocols': {
    type: 'list', default: ['classic'], validator: listOf('consumer', 'classic', 'share', 'unknown'), importance: 'medium',
    dynamic: 'read-only',
    doc: 'Group protocols the coordinator serves: classic, and consumer for KIP-848 groups.',
  },
  'group.coordinator.threads': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Threads of the group coordinator.',
  },
  'group.coordinator.append.linger.ms': {
    type: 'int', default: 10, validator: atLeast(0), importance: 'medium', dynamic: 'read-only',
    doc: 'How long the coordinator gathers records into one batch before writing it.',
  },
  'group.consumer.session.timeout.ms': {
    type: 'int', default: 45000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Session timeout of consumer-protocol (KIP-848) group members.',
  },
  'group.consumer.min.session.timeout.ms': {
    type: 'int', default: 45000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Shortest session timeout of consumer-protocol members.',
  },
  'group.consumer.max.session.timeout.ms': {
    type: 'int', default: 60000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Longest session timeout of consumer-protocol members.',
  },
  'group.consumer.heartbeat.interval.ms': {
    type: 'int', default: 5000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Heartbeat interval of consumer-protocol members.',
  },
  'group.consumer.min.heartbeat.interval.ms': {
    type: 'int', default: 5000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Shortest heartbeat interval of consumer-protocol members.',
  },
  'group.consumer.max.heartbeat.interval.ms': {
    type: 'int', default: 15000, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Longest heartbeat interval of consumer-protocol members.',
  },
  'group.consumer.max.size': {
    type: 'int', default: INT_MAX, validator: atLeast(1), importance: 'medium', dynamic: 'read-only',
    doc: 'Most members a consumer-protocol group may have.',
  },
  'group.consumer.assignors': {
    type: 'list',
    default: ['org.apache.kafka.coordinator.group.assignor.UniformAssignor', 'org.apache.kafka.coordinator.group.assignor.RangeAssignor'],
    importance: 'medium', dynamic: 'read-only',
    doc: 'Server-side assignors of consumer-protocol groups; the first is the default.',
  },
  'offset.metadata.max.bytes': {
    type: 'int', default: 4096, importance: 'high', dynamic: 'read-only',
    doc: 'Longest metadata string an offset commit may carry.',
  },
  'offsets.load.buffer.size': {
    type: 'int', default: 5242880, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Read size when loading a group coordinator partition.',
  },
  'offsets.topic.replication.factor': {
    type: 'short', default: 3, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Replication factor of __consumer_offsets; created with min(this, alive brokers) replicas (a Gregor deviation).',
  },
  'offsets.topic.num.partitions': {
    type: 'int', default: 50, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Partitions of __consumer_offsets; do not change after it exists.',
  },
  'offsets.topic.segment.bytes': {
    type: 'int', default: 104857600, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Segment size of __consumer_offsets, kept small for fast compaction and loading.',
  },
  'offsets.topic.compression.codec': {
    type: 'int', default: 0, importance: 'high', dynamic: 'read-only',
    doc: 'Compression codec id for offset commits (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).',
  },
  'offsets.retention.minutes': {
    type: 'int', default: 10080, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'How long committed offsets of an empty group are kept.',
  },
  'offsets.retention.check.interval.ms': {
    type: 'long', default: 600000, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'How often expired offsets are looked for.',
  },
  'offsets.commit.timeout.ms': {
    type: 'int', default: 5000, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'How long an offset commit waits for its write to be replicated.',
  },
  'offsets.commit.required.acks': {
    type: 'short', default: -1, importance: 'high', dynamic: 'read-only',
    doc: 'Deprecated: acks needed before an offset commit succeeds.',
  },

  // --- Transactions and producer ids ---
  'transaction.state.log.num.partitions': {
    type: 'int', default: 50, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Partitions of __transaction_state; do not change after it exists.',
  },
  'transaction.state.log.replication.factor': {
    type: 'short', default: 3, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Replication factor of __transaction_state; created with min(this, alive brokers) replicas (a Gregor deviation).',
  },
  'transaction.state.log.min.isr': {
    type: 'int', default: 2, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'min.insync.replicas of __transaction_state.',
  },
  'transaction.state.log.segment.bytes': {
    type: 'int', default: 104857600, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Segment size of __transaction_state.',
  },
  'transaction.state.log.load.buffer.size': {
    type: 'int', default: 5242880, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Read size when loading a transaction coordinator partition.',
  },
  'transactional.id.expiration.ms': {
    type: 'int', default: 604800000, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'A transactional id unused for this long is forgotten.',
  },
  'transaction.max.timeout.ms': {
    type: 'int', default: 900000, validator: atLeast(1), importance: 'high', dynamic: 'read-only',
    doc: 'Longest transaction timeout a producer may ask for.',
  },
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': {
    type: 'int', default: 10000, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'How often timed-out transactions are looked for and aborted.',
  },
  'transaction.remove.expired.transaction.cleanup.interval.ms': {
    type: 'int', default: 3600000, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'How often expired transactional ids are removed.',
  },
  'transaction.partition.verification.enable': {
    type: 'boolean', default: true, importance: 'low', dynamic: 'cluster-wide',
    doc: 'Check that a partition was added to the transaction before accepting transactional writes to it.',
  },
  'producer.id.expiration.ms': {
    type: 'int', default: 86400000, validator: atLeast(1), importance: 'low', dynamic: 'cluster-wide',
    doc: 'A producer id idle this long loses its idempotence state on a partition.',
  },
  'producer.id.expiration.check.interval.ms': {
    type: 'int', default: 600000, validator: atLeast(1), importance: 'low', dynamic: 'read-only', internal: true,
    doc: 'How often expired producer ids are removed.',
  },

  // --- Quotas (the broker-wide basics; client quotas live in metadata) ---
  'quota.window.num': {
    type: 'int', default: 11, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'Samples kept for client quotas.',
  },
  'quota.window.size.seconds': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'Length of one client quota sample.',
  },
  'replication.quota.window.num': {
    type: 'int', default: 11, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'Samples kept for replication quotas.',
  },
  'replication.quota.window.size.seconds': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'Length of one replication quota sample.',
  },
  'controller.quota.window.num': {
    type: 'int', default: 11, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'Samples kept for controller mutation quotas.',
  },
  'controller.quota.window.size.seconds': {
    type: 'int', default: 1, validator: atLeast(1), importance: 'low', dynamic: 'read-only',
    doc: 'Length of one controller mutation quota sample.',
  },
  'client.quota.callback.class': {
    type: 'class', default: null, importance: 'low', dynamic: 'read-only',
    doc: 'Custom client quota callback (Kafka class name).',
  },

  // --- Feature gates ---
  'unstable.api.versions.enable': {
    type: 'boolean', default: false, importance: 'high', dynamic: 'read-only', internal: true,
    doc: 'Advertise API versions that are still under development.',
  },
  'unstable.feature.versions.enable': {
    type: 'boolean', default: false, importance: 'high', dynamic: 'read-only', internal: true,
    doc: 'Allow feature versions that are still under development.',
  },
});

export type BrokerConfigTable = typeof BROKER_CONFIGS;
export type BrokerConfigName = keyof BrokerConfigTable;
