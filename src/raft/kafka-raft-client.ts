import { assert } from '../common/index.js';
import type { Clock, Logger } from '../common/index.js';
import { ZERO_UUID, iterateBatches } from '../protocol/index.js';
import { NotLeaderError } from './raft-client.js';
import type { LeaderAndEpoch, QuorumInfo, RaftClient, RaftClientListener, RecordSerde, SnapshotReader } from './raft-client.js';
import type { RaftLog, SnapshotId } from './raft-log.js';
import type { QuorumStateStore } from './quorum-state-store.js';
import { QuorumState } from './quorum-state.js';
import type { LeaderState } from './epoch-states.js';
import { MAX_RAFT_BATCH_BYTES, buildDataBatch, buildLeaderChangeBatch, decodeBatch } from './records.js';
import { SnapshotFormatError, encodeSnapshot, openSnapshot } from './snapshots.js';

export interface KafkaRaftClientParams<T> {
  readonly nodeId: number;
  /** The voter ids (controller.quorum.voters); this issue supports exactly [nodeId]. */
  readonly voters: readonly number[];
  /** The log; the client owns it from now on and closes it in close(). */
  readonly log: RaftLog;
  readonly quorumStateStore: QuorumStateStore;
  readonly serde: RecordSerde<T>;
  /** Wall clock for batch timestamps and DescribeQuorum's timestamps. */
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Called when work finished outside poll() (an fdatasync completed): the driver should call
   * poll() soon. Never called synchronously from a client method.
   */
  readonly onWake?: () => void;
  /** Bytes read from the log per read while feeding listeners. */
  readonly readBytesMax?: number;
}

/** Thrown when one atomic append would exceed Kafka's 8 MiB raft batch limit. */
export class RecordBatchTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordBatchTooLargeError';
  }
}

const DEFAULT_READ_BYTES = 1024 * 1024;
/** poll()'s answer when nothing is timed: only onWake or a new call brings work. */
export const NO_DEADLINE = Number.POSITIVE_INFINITY;

interface ListenerContext<T> {
  readonly listener: RaftClientListener<T>;
  /** The next offset this listener expects; undefined until it has been given the starting snapshot. */
  nextOffset: number | undefined;
  lastFired: LeaderAndEpoch | undefined;
}

/**
 * A KRaft-style quorum member (Kafka's KafkaRaftClient), poll-driven and without I/O of its own:
 * the log and the quorum-state store are injected; the driver calls poll() when a deadline passes
 * or onWake fires. Listener callbacks run synchronously inside poll().
 *
 * Commit rule: the high watermark is the largest offset a majority of voters holds durably; with
 * a single voter that is the flushed log end. Everything appended is flushed in group-committed
 * rounds (one fdatasync in flight; appends made meanwhile wait for the next one).
 */
export class KafkaRaftClient<T> implements RaftClient<T> {
  private readonly log: RaftLog;
  private readonly serde: RecordSerde<T>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly quorum: QuorumState;
  private readonly listeners: ListenerContext<T>[] = [];
  private readonly readBytesMax: number;
  private hw = 0;
  private latestSnapshotId: SnapshotId | undefined;
  private flushInFlight = false;
  private flushError: unknown = undefined;
  private initialized = false;
  private closed = false;

  constructor(private readonly params: KafkaRaftClientParams<T>) {
    this.log = params.log;
    this.serde = params.serde;
    this.clock = params.clock;
    this.logger = params.logger;
    this.readBytesMax = params.readBytesMax ?? DEFAULT_READ_BYTES;
    this.quorum = new QuorumState(params.nodeId, params.voters, params.quorumStateStore, params.logger);
  }

  /**
   * Startup: restores the election state, finds the newest valid snapshot, and (single voter)
   * elects itself leader of the next epoch, writing its LeaderChange record. Listeners registered
   * before or after get the snapshot, then the committed batches, from poll().
   */
  initialize(): void {
    assert(!this.initialized, 'initialize() runs once');
    this.initialized = true;
    this.quorum.initialize();
    this.loadLatestSnapshot();
    if (!this.quorum.isOnlyVoter()) {
      // The Vote / BeginQuorumEpoch / Fetch exchange with other voters comes with the next issue.
      throw new Error(`only a single-voter quorum is supported (voters ${this.params.voters.join(',')}, node ${this.params.nodeId})`);
    }
    this.quorum.transitionToCandidate();
    this.becomeLeader();
  }

  private loadLatestSnapshot(): void {
    const found = this.newestValidSnapshot();
    if (found !== undefined) {
      this.latestSnapshotId = found;
      this.hw = found.offset;
      // A log that lost its tail (or never had the snapshot's records) restarts at the snapshot.
      if (this.log.endOffset < found.offset) this.log.truncateFullyAndStartAt(found);
    }
    const coveredTo = found?.offset ?? 0;
    if (this.log.startOffset > coveredTo) {
      throw new Error(`metadata log starts at ${this.log.startOffset} but no valid snapshot covers the offsets below it`);
    }
    this.log.updateHighWatermark(this.hw);
  }

  private newestValidSnapshot(): SnapshotId | undefined {
    const ids = this.log.snapshots();
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!;
      if (this.readSnapshot(id) !== undefined) return id;
    }
    return undefined;
  }

  private readSnapshot(id: SnapshotId): SnapshotReader<T> | undefined {
    const data = this.log.readSnapshot(id);
    if (data === undefined) {
      this.logger.warn('snapshot is unreadable, ignored', { offset: id.offset, epoch: id.epoch });
      return undefined;
    }
    try {
      return openSnapshot(this.serde, id, data);
    } catch (err) {
      if (!(err instanceof SnapshotFormatError)) throw err;
      this.logger.warn(`snapshot is invalid, ignored: ${err.message}`, { offset: id.offset, epoch: id.epoch });
      return undefined;
    }
  }

  private becomeLeader(): void {
    const epochStartOffset = this.log.endOffset;
    const candidate = this.quorum.state;
    assert(candidate.name === 'Candidate', 'leader comes from candidate');
    const granting = candidate.grantingVoters;
    const leader = this.quorum.transitionToLeader(epochStartOffset);
    const batch = buildLeaderChangeBatch({ leaderId: leader.localId, voters: leader.voters, grantingVoters: granting }, leader.epoch, this.clock.nowMs());
    this.log.appendAsLeader(batch, leader.epoch);
    this.logger.info('became leader', { epoch: leader.epoch, epochStartOffset });
    this.maybeStartFlush();
  }

  // ---- listeners -------------------------------------------------------------------------------

  register(listener: RaftClientListener<T>): void {
    assert(!this.listeners.some((c) => c.listener === listener), 'listener registered once');
    this.listeners.push({ listener, nextOffset: undefined, lastFired: undefined });
  }

  unregister(listener: RaftClientListener<T>): void {
    const i = this.listeners.findIndex((c) => c.listener === listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  // ---- driving ---------------------------------------------------------------------------------

  /**
   * Does the pending work: moves the high watermark from the flushed log end, then feeds every
   * listener (in registration order) its snapshot, committed batches and leader changes. Returns
   * the next deadline (monotonic ms; NO_DEADLINE when only onWake can bring work). Throws if the
   * log failed to flush: the quorum cannot make progress and the process should stop.
   */
  poll(nowMs: number): number {
    void nowMs;
    if (this.closed) return NO_DEADLINE;
    assert(this.initialized, 'initialize() before poll()');
    if (this.flushError !== undefined) throw this.flushError;
    this.maybeStartFlush();
    const state = this.quorum.state;
    if (state.name === 'Leader') this.updateLeaderHighWatermark(state);
    for (const ctx of [...this.listeners]) this.feedListener(ctx);
    return NO_DEADLINE;
  }

  private updateLeaderHighWatermark(leader: LeaderState): void {
    if (!leader.updateLocalState(this.log.flushedEndOffset, this.clock.nowMs())) return;
    const hw = leader.highWatermark;
    assert(hw !== undefined && hw >= this.hw, 'the high watermark never moves backwards');
    this.hw = hw;
    this.log.updateHighWatermark(hw);
  }

  private maybeStartFlush(): void {
    if (this.flushInFlight || this.closed || this.log.endOffset <= this.log.flushedEndOffset) return;
    this.flushInFlight = true;
    this.log.flush().then(
      () => {
        this.flushInFlight = false;
        // Appends made during that round are already waiting: start the next one at once.
        this.maybeStartFlush();
        this.params.onWake?.();
      },
      (err: unknown) => {
        this.flushInFlight = false;
        if (this.flushError === undefined) {
          this.flushError = err;
          this.logger.error(`metadata log flush failed: ${String(err)}`);
        }
        this.params.onWake?.();
      },
    );
  }

  private feedListener(ctx: ListenerContext<T>): void {
    if (ctx.nextOffset === undefined || ctx.nextOffset < this.log.startOffset) this.loadSnapshotInto(ctx);
    let next = ctx.nextOffset!;
    while (next < this.hw && this.listeners.includes(ctx)) {
      const bytes = this.log.read(next, this.readBytesMax);
      let progressed = false;
      for (const view of iterateBatches(bytes)) {
        if (view.lastOffset < next) continue;
        if (view.lastOffset >= this.hw) break;
        const batch = decodeBatch(this.serde, view);
        next = batch.lastOffset + 1;
        ctx.nextOffset = next;
        progressed = true;
        ctx.listener.handleCommit(batch);
      }
      assert(progressed, `no committed batch readable at offset ${next} below the high watermark ${this.hw}`);
    }
    this.maybeFireLeaderChange(ctx);
  }

  private loadSnapshotInto(ctx: ListenerContext<T>): void {
    const id = this.latestSnapshotId;
    if (id === undefined) {
      ctx.nextOffset = this.log.startOffset;
      return;
    }
    const reader = this.readSnapshot(id);
    if (reader === undefined) throw new Error(`snapshot ${id.offset}-${id.epoch} became unreadable`);
    ctx.nextOffset = id.offset;
    ctx.listener.handleLoadSnapshot(reader);
  }

  /**
   * Listeners learn of a new leader at once, except that this node's own leadership is announced
   * only after the listener has replayed everything before the epoch start: a state machine then
   * starts writing with the full committed state behind it.
   */
  private maybeFireLeaderChange(ctx: ListenerContext<T>): void {
    const current = this.leaderAndEpoch();
    if (ctx.lastFired !== undefined && ctx.lastFired.epoch === current.epoch && ctx.lastFired.leaderId === current.leaderId) return;
    const state = this.quorum.state;
    if (state.name === 'Leader' && (ctx.nextOffset ?? -1) < state.epochStartOffset) return;
    ctx.lastFired = current;
    ctx.listener.handleLeaderChange(current);
  }

  // ---- RaftClient ------------------------------------------------------------------------------

  leaderAndEpoch(): LeaderAndEpoch {
    return { leaderId: this.quorum.leaderId, epoch: this.quorum.epoch };
  }

  scheduleAtomicAppend(epoch: number, records: readonly T[]): number {
    const state = this.quorum.state;
    if (this.closed || state.name !== 'Leader' || state.epoch !== epoch) {
      throw new NotLeaderError(`node ${this.params.nodeId} does not lead epoch ${epoch} (${state.name} of epoch ${state.epoch})`, this.leaderAndEpoch());
    }
    assert(records.length > 0, 'an atomic append has records');
    const batch = buildDataBatch(this.serde, records, epoch, this.clock.nowMs());
    if (batch.length > MAX_RAFT_BATCH_BYTES) {
      throw new RecordBatchTooLargeError(`${records.length} records take ${batch.length} bytes, over the ${MAX_RAFT_BATCH_BYTES}-byte raft batch limit`);
    }
    const info = this.log.appendAsLeader(batch, epoch);
    this.maybeStartFlush();
    return info.lastOffset;
  }

  highWatermark(): number {
    return this.hw;
  }

  /** The offset of this leader's LeaderChange record, or undefined when not leading. */
  epochStartOffset(): number | undefined {
    const s = this.quorum.state;
    return s.name === 'Leader' ? s.epochStartOffset : undefined;
  }

  /** The election state's name (Unattached, Candidate, Leader, Resigned), for logs and tests. */
  stateName(): string {
    return this.quorum.state.name;
  }

  latestSnapshot(): SnapshotId | undefined {
    return this.latestSnapshotId;
  }

  createSnapshot(offset: number, epoch: number, lastContainedLogTimestamp: number, records: Iterable<readonly T[]>): boolean {
    assert(!this.closed, 'client is open');
    assert(offset <= this.hw, `snapshot offset ${offset} is past the high watermark ${this.hw}`);
    if (this.log.snapshots().some((s) => s.offset === offset)) return false;
    if (this.latestSnapshotId !== undefined && offset <= this.latestSnapshotId.offset) return false;
    this.checkSnapshotBoundary(offset, epoch);
    const id = { offset, epoch };
    this.log.writeSnapshot(id, encodeSnapshot(this.serde, id, lastContainedLogTimestamp, records, this.clock.nowMs()));
    this.latestSnapshotId = id;
    this.logger.info('created snapshot', { offset, epoch });
    this.trimLog();
    return true;
  }

  /** A snapshot ends right after a committed batch, and carries that batch's epoch (Kafka's rule). */
  private checkSnapshotBoundary(offset: number, epoch: number): void {
    assert(offset > this.log.startOffset, `snapshot offset ${offset} must be above the log start ${this.log.startOffset}`);
    const bytes = this.log.read(offset - 1, 1);
    for (const view of iterateBatches(bytes)) {
      assert(view.lastOffset === offset - 1, `snapshot offset ${offset} is inside the batch ${view.baseOffset}..${view.lastOffset}`);
      assert(view.partitionLeaderEpoch === epoch, `snapshot epoch ${epoch} differs from the epoch ${view.partitionLeaderEpoch} of offset ${offset - 1}`);
      return;
    }
    assert(false, `no batch holds offset ${offset - 1}`);
  }

  /**
   * Lets the log drop segments the newest snapshot covers, but never past a listener that has not
   * read them yet; snapshots below the new log start are of no further use and go.
   */
  private trimLog(): void {
    const id = this.latestSnapshotId;
    if (id === undefined) return;
    let limit = id.offset;
    for (const ctx of this.listeners) if (ctx.nextOffset !== undefined) limit = Math.min(limit, ctx.nextOffset);
    const start = this.log.deleteBefore(limit);
    for (const s of this.log.snapshots()) {
      if (s.offset < start && s.offset < id.offset) this.log.deleteSnapshot(s);
    }
  }

  quorumInfo(): QuorumInfo {
    const state = this.quorum.state;
    if (state.name !== 'Leader') throw new NotLeaderError(`node ${this.params.nodeId} is not the leader`, this.leaderAndEpoch());
    const now = this.clock.nowMs();
    const currentVoters = state.replicaStates().map((r) => {
      const self = r.replicaId === state.localId;
      return {
        replicaId: r.replicaId,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: self ? this.log.endOffset : r.endOffset,
        lastFetchTimestamp: self ? now : r.lastFetchTimestamp,
        lastCaughtUpTimestamp: self ? now : r.lastCaughtUpTimestamp,
      };
    });
    return { leaderId: state.localId, leaderEpoch: state.epoch, highWatermark: this.hw, currentVoters, observers: [] };
  }

  /**
   * Shutdown: stops taking appends (resigns), tells listeners, waits for the flush in flight and
   * closes the log (which flushes what is left). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.quorum.state.name === 'Leader') this.quorum.transitionToResigned();
    this.closed = true;
    for (const ctx of [...this.listeners]) ctx.listener.beginShutdown?.();
    await this.log.close();
  }
}
