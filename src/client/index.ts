export { KafkaClient, clientEnv, clusterOptions, parseBroker, type KafkaConfig } from './kafka.js';
export type { ClientEnv, Connector } from './env.js';
export { Apis, type Api } from './apis.js';
export { Connection, defaultConnectionOptions, type ConnectionOptions, type SendOptions } from './connection.js';
export { Cluster, type BrokerNode, type ClusterOptions, type PartitionInfo, type TopicInfo } from './cluster.js';
export { ClientClosedError, IllegalStateError, KafkaError, TransactionAbortedError, isRetriable } from './errors.js';
export { murmur2, toPositive } from './murmur2.js';
export { DefaultPartitioner, RoundRobinPartitioner, partitionForKey, type Partitioner, type PartitionerInput } from './partitioner.js';
export {
  Producer,
  type Acks,
  type CompressionName,
  type HeaderValue,
  type ProducerConfig,
  type ProducerRecord,
  type RecordMetadata,
} from './producer.js';
export {
  Consumer,
  type ConsumerConfig,
  type ConsumerRecord,
  type ConsumerRecordHeader,
  type OffsetResetPolicy,
  type SeekTarget,
} from './consumer.js';
export {
  ConsumerGroup,
  type CommittedOffset,
  type ConsumerGroupMetadata,
  type GroupSettings,
  type OffsetAndMetadata,
  type RebalanceListener,
} from './group.js';
export { CoordinatorCache, CoordinatorType, findCoordinator, findCoordinators, type CoordinatorNode, type CoordinatorTypeName } from './coordinator.js';
export {
  Admin,
  type AdminOptions,
  type AlterConfigOp,
  type ClusterDescription,
  type ConfigDescription,
  type ConfigEntry,
  type ConfigResource,
  type ConfigResourceType,
  type ConfigSource,
  type ConfigType,
  type ConsumerGroupDescription,
  type CreatedTopic,
  type FeatureMetadata,
  type FeatureUpdate,
  type FeatureUpgradeType,
  type GroupListing,
  type ItemResult,
  type MemberDescription,
  type ProducerState,
  type QuorumInfo,
  type ReplicaState,
  type TransactionDescription,
  type TransactionListing,
  type LogDirDescription,
  type NewTopic,
  type OffsetSpec,
  type TopicDescription,
} from './admin.js';
export {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  IsolationLevel,
  type IsolationLevelName,
  type OffsetAnswer,
  type TopicPartition,
} from './offsets.js';
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type ConsumerAssignment as Assignment,
  type ConsumerSubscription as Subscription,
} from '../protocol/index.js';
export {
  ASSIGNORS,
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  decodeStickyUserData,
  encodeStickyUserData,
  type Assignor,
  type AssignorMember,
} from './assignors.js';
