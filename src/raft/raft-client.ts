/**
 * The contract between the KRaft-style quorum and its state machines (the metadata controller and
 * the brokers' metadata loader), after Kafka's RaftClient. Records are opaque to raft: a
 * `RecordSerde` turns them into the bytes of Kafka records (value = serialized record, no key).
 *
 * This issue runs a single voter; the same interface serves a multi-voter quorum later.
 */

/** Serializes one state-machine record into a Kafka record's value. */
export interface RecordSerde<T> {
  size(record: T): number;
  write(record: T, target: Buffer, offset: number): number;
  read(source: Buffer): T;
}

export interface LeaderAndEpoch {
  /** -1 when no leader is known. */
  readonly leaderId: number;
  readonly epoch: number;
}

/** A committed batch as a state machine replays it. */
export interface Batch<T> {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly appendTimestamp: number;
  /** Serialized size of the batch in the log. */
  readonly sizeInBytes: number;
  readonly records: readonly T[];
}

/** A snapshot's records, read as a sequence of batches. */
export interface SnapshotReader<T> {
  /** The snapshot covers every offset below `offset` (Kafka's OffsetAndEpoch end offset). */
  readonly offset: number;
  readonly epoch: number;
  readonly lastContainedLogTimestamp: number;
  readonly batches: Iterable<Batch<T>>;
}

export interface RaftClientListener<T> {
  /** Committed records in offset order, each exactly once per listener (after any snapshot load). */
  handleCommit(batch: Batch<T>): void;
  /** The listener must reset its state to the snapshot (at startup, or when far behind). */
  handleLoadSnapshot(snapshot: SnapshotReader<T>): void;
  handleLeaderChange(leader: LeaderAndEpoch): void;
  /** Called once on shutdown. */
  beginShutdown?(): void;
}

/** Thrown when the client is not the leader of `epoch` (commands must be retried on the leader). */
export class NotLeaderError extends Error {
  constructor(
    message: string,
    readonly leader: LeaderAndEpoch,
  ) {
    super(message);
    this.name = 'NotLeaderError';
  }
}

export interface QuorumVoterState {
  readonly replicaId: number;
  readonly replicaDirectoryId: string;
  readonly logEndOffset: number;
  readonly lastFetchTimestamp: number;
  readonly lastCaughtUpTimestamp: number;
}

/** What DescribeQuorum reports. */
export interface QuorumInfo {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly currentVoters: readonly QuorumVoterState[];
  readonly observers: readonly QuorumVoterState[];
}

export interface RaftClient<T> {
  register(listener: RaftClientListener<T>): void;
  unregister(listener: RaftClientListener<T>): void;
  leaderAndEpoch(): LeaderAndEpoch;
  /**
   * Appends records as one batch if this node leads `epoch`; returns the offset of the last
   * record. The batch is committed (and handed to listeners) once replicated to a majority and
   * durable. Throws NotLeaderError otherwise.
   */
  scheduleAtomicAppend(epoch: number, records: readonly T[]): number;
  /** The high watermark: everything below it is committed. */
  highWatermark(): number;
  /** Writes a snapshot of committed state up to (excluding) `offset`; returns false if one exists. */
  createSnapshot(offset: number, epoch: number, lastContainedLogTimestamp: number, records: Iterable<readonly T[]>): boolean;
  quorumInfo(): QuorumInfo;
}
