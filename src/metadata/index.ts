export * from './image.js';
export * from './controller-api.js';
export {
  METADATA_RECORD_TYPES,
  METADATA_RECORD_SERDE,
  METADATA_FRAME_VERSION,
  metadataRecordDescriptor,
  record,
  type ApiMessageAndVersion,
  type RecordOfKey,
} from './records.js';
export {
  MetadataDelta,
  MetadataReplayError,
  EMPTY_IMAGE,
  emptyImage,
  mergePartitionChange,
  NO_LEADER,
  NO_LEADER_CHANGE,
  FENCING_CHANGE_FENCE,
  FENCING_CHANGE_NONE,
  FENCING_CHANGE_UNFENCE,
  LEADER_RECOVERY_RECOVERED,
  LEADER_RECOVERY_RECOVERING,
} from './metadata-delta.js';
export { imageToRecords, partitionRecord } from './image-records.js';
export { MetadataLoader, type MetadataLoaderOptions, type MetadataPublisher, type SnapshotPolicy } from './metadata-loader.js';
export { QuorumController, type QuorumControllerOptions } from './quorum-controller.js';
export { PRODUCER_ID_BLOCK_SIZE } from './producer-id-control-manager.js';
export { ELECTION_PREFERRED, ELECTION_UNCLEAN, MAX_RECORDS_PER_USER_OP } from './replication-control-manager.js';
export {
  UPGRADE_TYPE_UNKNOWN,
  UPGRADE_TYPE_UPGRADE,
  UPGRADE_TYPE_SAFE_DOWNGRADE,
  UPGRADE_TYPE_UNSAFE_DOWNGRADE,
} from './feature-control-manager.js';
export {
  METADATA_VERSION_FEATURE,
  KRAFT_VERSION_FEATURE,
  GROUP_VERSION_FEATURE,
  TRANSACTION_VERSION_FEATURE,
  LATEST_PRODUCTION_LEVEL,
  MINIMUM_BOOTSTRAP_LEVEL,
  DIRECTORY_MIGRATING,
  DIRECTORY_UNASSIGNED,
  DIRECTORY_LOST,
  metadataVersionLevel,
  metadataVersionString,
  supportedFeatures,
  type VersionRange,
} from './metadata-version.js';
