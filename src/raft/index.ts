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
