import { assert } from '../common/index.js';
import type { ElectionState } from './quorum-state-store.js';

/**
 * One class per election state, after Kafka's raft: each knows its epoch, what to persist in the
 * quorum-state file, and the state only it has (a candidate's votes, a leader's view of voters).
 * Transitions live in QuorumState. A follower state (and timeouts) come with the multi-voter
 * protocol; the single voter goes Unattached -> Candidate -> Leader -> Resigned.
 */
export type EpochState = UnattachedState | CandidateState | LeaderState | ResignedState;

export function majorityOf(voters: readonly number[]): number {
  return Math.floor(voters.length / 2) + 1;
}

/** No leader known in this epoch (a fresh node, or one that saw a higher epoch). */
export class UnattachedState {
  readonly name = 'Unattached';
  readonly leaderId = -1;
  constructor(
    readonly epoch: number,
    readonly voters: readonly number[],
    readonly votedId: number,
  ) {}

  election(): ElectionState {
    return { epoch: this.epoch, leaderId: -1, votedId: this.votedId, voters: this.voters };
  }
}

/** This node asks for votes in `epoch`; it voted for itself. */
export class CandidateState {
  readonly name = 'Candidate';
  readonly leaderId = -1;
  private readonly granted = new Set<number>();
  private readonly rejected = new Set<number>();

  constructor(
    readonly epoch: number,
    readonly localId: number,
    readonly voters: readonly number[],
  ) {
    assert(voters.includes(localId), 'a candidate is a voter');
    this.granted.add(localId);
  }

  recordGrantedVote(voterId: number): void {
    assert(this.voters.includes(voterId), `vote from non-voter ${voterId}`);
    assert(!this.rejected.has(voterId), `voter ${voterId} already rejected`);
    this.granted.add(voterId);
  }

  recordRejectedVote(voterId: number): void {
    assert(this.voters.includes(voterId), `vote from non-voter ${voterId}`);
    assert(!this.granted.has(voterId), `voter ${voterId} already granted`);
    this.rejected.add(voterId);
  }

  get grantingVoters(): number[] {
    return [...this.granted].sort((a, b) => a - b);
  }

  isVoteGranted(): boolean {
    return this.granted.size >= majorityOf(this.voters);
  }

  isVoteRejected(): boolean {
    return this.rejected.size > this.voters.length - majorityOf(this.voters);
  }

  election(): ElectionState {
    return { epoch: this.epoch, leaderId: -1, votedId: this.localId, voters: this.voters };
  }
}

/** What the leader knows of one voter's replica. */
export interface ReplicaState {
  readonly replicaId: number;
  /** -1 until known. */
  endOffset: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
}

/** This node leads `epoch`; its first record in the epoch sits at `epochStartOffset`. */
export class LeaderState {
  readonly name = 'Leader';
  private readonly replicas = new Map<number, ReplicaState>();
  private hw: number | undefined = undefined;

  constructor(
    readonly epoch: number,
    readonly localId: number,
    readonly voters: readonly number[],
    readonly epochStartOffset: number,
    readonly grantingVoters: readonly number[],
  ) {
    for (const id of voters) this.replicas.set(id, { replicaId: id, endOffset: -1, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1 });
  }

  get leaderId(): number {
    return this.localId;
  }

  /** Undefined until a record of this epoch is committed (Raft: only then is the log prefix known committed). */
  get highWatermark(): number | undefined {
    return this.hw;
  }

  /** The leader's own durable end offset (its flushed log end). Returns true if the high watermark moved. */
  updateLocalState(flushedEndOffset: number, nowMs: number): boolean {
    const self = this.replicas.get(this.localId)!;
    self.endOffset = Math.max(self.endOffset, flushedEndOffset);
    self.lastFetchTimestamp = nowMs;
    self.lastCaughtUpTimestamp = nowMs;
    return this.maybeUpdateHighWatermark();
  }

  /** A follower's fetch told us its end offset (multi-voter). Returns true if the high watermark moved. */
  updateReplicaState(replicaId: number, endOffset: number, nowMs: number): boolean {
    const r = this.replicas.get(replicaId);
    if (r === undefined) return false;
    r.endOffset = Math.max(r.endOffset, endOffset);
    r.lastFetchTimestamp = nowMs;
    const self = this.replicas.get(this.localId)!;
    if (r.endOffset >= self.endOffset) r.lastCaughtUpTimestamp = nowMs;
    return this.maybeUpdateHighWatermark();
  }

  /**
   * The high watermark is the largest offset a majority of voters has durably; it only counts
   * once it passes the epoch start (the leader's LeaderChange record), so entries of older epochs
   * are committed only through one of this epoch — Raft's rule.
   */
  private maybeUpdateHighWatermark(): boolean {
    const offsets = [...this.replicas.values()].map((r) => r.endOffset).sort((a, b) => b - a);
    const candidate = offsets[majorityOf(this.voters) - 1]!;
    if (candidate <= this.epochStartOffset) return false;
    if (this.hw !== undefined && candidate <= this.hw) return false;
    this.hw = candidate;
    return true;
  }

  replicaStates(): readonly ReplicaState[] {
    return [...this.replicas.values()];
  }

  election(): ElectionState {
    return { epoch: this.epoch, leaderId: this.localId, votedId: -1, voters: this.voters };
  }
}

/** This node led `epoch` and is shutting down (or stepping down); it takes no more appends. */
export class ResignedState {
  readonly name = 'Resigned';
  constructor(
    readonly epoch: number,
    readonly localId: number,
    readonly voters: readonly number[],
  ) {}

  get leaderId(): number {
    return this.localId;
  }

  election(): ElectionState {
    return { epoch: this.epoch, leaderId: this.localId, votedId: -1, voters: this.voters };
  }
}
