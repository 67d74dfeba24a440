export {
  NotLeaderError,
  type Batch,
  type LeaderAndEpoch,
  type QuorumInfo,
  type QuorumVoterState,
  type RaftClient,
  type RaftClientListener,
  type RecordSerde,
  type SnapshotReader,
} from './raft-client.js';
export { KafkaRaftClient, NO_DEADLINE, RecordBatchTooLargeError, type KafkaRaftClientParams } from './kafka-raft-client.js';
export {
  compareOffsetAndEpoch,
  isPartialSnapshotFileName,
  parseSnapshotFileName,
  PARTIAL_SNAPSHOT_SUFFIX,
  partialSnapshotFileName,
  snapshotFileName,
  type OffsetAndEpoch,
  type RaftLog,
  type RaftLogAppendInfo,
  type SnapshotId,
} from './raft-log.js';
export { MemoryRaftLog, type MemoryRaftLogOptions } from './memory-raft-log.js';
export {
  FileQuorumStateStore,
  MemoryQuorumStateStore,
  QUORUM_STATE_FILE,
  QuorumStateFormatError,
  decodeQuorumState,
  encodeQuorumState,
  type ElectionState,
  type QuorumStateStore,
} from './quorum-state-store.js';
export { QuorumState } from './quorum-state.js';
export { CandidateState, LeaderState, ResignedState, UnattachedState, majorityOf, type EpochState, type ReplicaState } from './epoch-states.js';
export {
  MAX_RAFT_BATCH_BYTES,
  RaftControlType,
  buildDataBatch,
  buildLeaderChangeBatch,
  controlTypeOf,
  decodeBatch,
  parseLeaderChange,
  type LeaderChange,
} from './records.js';
export { SnapshotFormatError, encodeSnapshot, openSnapshot } from './snapshots.js';
export { RaftDriver, type Pollable } from './raft-driver.js';
