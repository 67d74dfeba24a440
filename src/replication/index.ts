export * from './limits.js';
export { partitionConfigOf } from './partition-config.js';
export type { PartitionConfig } from './partition-config.js';
export { validateProducedRecords } from './produce-validator.js';
export type { ProduceValidation, ProduceValidationContext, RecordError } from './produce-validator.js';
export { Purgatory } from './purgatory.js';
export type { DelayedOperation } from './purgatory.js';
export { FetchSessionCache, FINAL_EPOCH, INITIAL_EPOCH, INVALID_SESSION_ID } from './fetch-session.js';
export type { FetchContext, FetchedFacts, FetchPartitionSpec, FetchReadContext, FetchSessionRequest } from './fetch-session.js';
export { Partition, partitionKey } from './partition.js';
export type { FollowerState, PartitionRole } from './partition.js';
export { ReplicaManager, CONSUMER_REPLICA_ID, DEBUGGING_REPLICA_ID, READ_COMMITTED } from './replica-manager.js';
export type {
  ActiveProducer,
  DiskSpace,
  EpochEndOffsetResult,
  FetchParams,
  FetchPartitionResult,
  LeaderHint,
  ListOffsetQuery,
  ListOffsetResult,
  LogDirDescription,
  ProduceEntry,
  ProduceOutcome,
  ProducePartitionResult,
  ProduceRequestInfo,
  ReplicaManagerParams,
  TxnMarkerEntry,
  TxnMarkerOutcome,
} from './replica-manager.js';
