import { assert } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { CandidateState, LeaderState, ResignedState, UnattachedState } from './epoch-states.js';
import type { EpochState } from './epoch-states.js';
import type { QuorumStateStore } from './quorum-state-store.js';

/**
 * The election state machine (Kafka's QuorumState): owns the current EpochState and persists
 * every transition to the quorum-state store before it takes effect, so a restarted voter never
 * votes twice in an epoch nor goes back to an older one.
 */
export class QuorumState {
  private current: EpochState;

  constructor(
    readonly localId: number,
    readonly voters: readonly number[],
    private readonly store: QuorumStateStore,
    private readonly logger: Logger,
  ) {
    assert(voters.length > 0, 'a quorum has voters');
    assert(new Set(voters).size === voters.length, 'voter ids are distinct');
    this.current = new UnattachedState(0, voters, -1);
  }

  get state(): EpochState {
    return this.current;
  }
  get epoch(): number {
    return this.current.epoch;
  }
  get leaderId(): number {
    return this.current.leaderId;
  }
  isVoter(): boolean {
    return this.voters.includes(this.localId);
  }
  isOnlyVoter(): boolean {
    return this.voters.length === 1 && this.voters[0] === this.localId;
  }

  /**
   * Restores the stored state. A node that led an epoch before the restart resigns it (it lost
   * its in-memory leader state); one that voted keeps its vote for that epoch.
   */
  initialize(): void {
    const stored = this.store.read();
    if (stored === undefined) {
      this.current = new UnattachedState(0, this.voters, -1);
      return;
    }
    this.logger.info('restored quorum state', { epoch: stored.epoch, leaderId: stored.leaderId, votedId: stored.votedId });
    if (stored.leaderId === this.localId) this.current = new ResignedState(stored.epoch, this.localId, this.voters);
    else if (stored.votedId === this.localId) this.current = new CandidateState(stored.epoch, this.localId, this.voters);
    else this.current = new UnattachedState(stored.epoch, this.voters, stored.votedId);
  }

  /** Starts an election in the next epoch, voting for itself. */
  transitionToCandidate(): CandidateState {
    assert(this.isVoter(), 'only voters become candidates');
    assert(this.current.name !== 'Leader', 'a leader does not start elections');
    return this.transition(new CandidateState(this.current.epoch + 1, this.localId, this.voters));
  }

  /** Won the election: leads the candidate's epoch from `epochStartOffset` (the log end). */
  transitionToLeader(epochStartOffset: number): LeaderState {
    const c = this.current;
    assert(c.name === 'Candidate' && c.isVoteGranted(), 'only a candidate with a majority becomes leader');
    return this.transition(new LeaderState(c.epoch, this.localId, this.voters, epochStartOffset, c.grantingVoters));
  }

  /** Stops leading (shutdown): the epoch and leader stay as they are on disk. */
  transitionToResigned(): ResignedState {
    assert(this.current.name === 'Leader', 'only a leader resigns');
    return this.transition(new ResignedState(this.current.epoch, this.localId, this.voters));
  }

  private transition<S extends EpochState>(next: S): S {
    assert(next.epoch >= this.current.epoch, `epoch ${next.epoch} is behind ${this.current.epoch}`);
    this.store.write(next.election());
    this.logger.info(`quorum state ${this.current.name} -> ${next.name}`, { epoch: next.epoch, leaderId: next.leaderId });
    this.current = next;
    return next;
  }
}
