export { GroupCoordinator, GROUP_TYPE_CLASSIC } from './group-coordinator.js';
export type { GroupCoordinatorParams } from './group-coordinator.js';
export { GroupCoordinatorShard, appendErrorToResponseError } from './group-shard.js';
export type { OffsetAndMetadata, PartitionWriter, RequestInfo, TransactionalWrite, WriteOptions } from './group-shard.js';
export { PendingTxnOffsets } from './group-txn-offsets.js';
export type { GroupTopicPartitionOffset } from './group-txn-offsets.js';
export { ClassicGroup, ClassicGroupMember, UNKNOWN_MEMBER_ID, CONSUMER_PROTOCOL_TYPE } from './classic-group.js';
export type { ClassicGroupState } from './classic-group.js';
export { KeyedTimer } from './keyed-timer.js';
export { groupCoordinatorConfig, javaStringHashCode, partitionFor, NEW_MEMBER_JOIN_TIMEOUT_MS } from './config.js';
export type { GroupCoordinatorConfig } from './config.js';
export {
  decodeRecord,
  groupMetadataRecord,
  offsetCommitRecord,
  subscriptionTopics,
  GROUP_METADATA_KEY_VERSION,
  GROUP_METADATA_VALUE_VERSION,
  OFFSET_COMMIT_KEY_VERSION,
  OFFSET_COMMIT_VALUE_VERSION,
} from './group-records.js';
export type { CoordinatorRecord, DecodedRecord } from './group-records.js';
export * from './transaction/index.js';
