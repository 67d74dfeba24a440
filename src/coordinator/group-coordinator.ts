import { ErrorCode, NOOP_LOGGER } from '../common/index.js';
import type { Logger } from '../common/index.js';
import type {
  DeleteGroupsResponseDeletableGroupResult,
  DescribeGroupsResponseDescribedGroup,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequestMemberIdentity,
  LeaveGroupResponseMemberResponse,
  ListGroupsResponseListedGroup,
  OffsetCommitRequest,
  OffsetCommitResponseTopic,
  OffsetDeleteRequestTopic,
  OffsetDeleteResponseTopic,
  OffsetFetchResponseTopics,
  SyncGroupRequest,
  SyncGroupResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
  TxnOffsetCommitResponseTopic,
} from '../protocol/index.js';
import { joinError, syncError } from './classic-group.js';
import { partitionFor } from './config.js';
import type { GroupCoordinatorConfig } from './config.js';
import { GroupCoordinatorShard, answerEveryPartition } from './group-shard.js';
import type { PartitionWriter, RequestInfo } from './group-shard.js';
import { KeyedTimer } from './keyed-timer.js';

export interface GroupCoordinatorParams {
  readonly config: GroupCoordinatorConfig;
  /** Wall clock ms (record and state timestamps, retention). */
  readonly nowMs: () => number;
  /** Monotonic ms (timers); poll() is given the same time base. */
  readonly monoMs: () => number;
  readonly newUuid: () => string;
  /** The writer of one __consumer_offsets partition (an append through the replica manager). */
  readonly writerFor: (partition: number) => PartitionWriter;
  readonly logger?: Logger;
}

type ShardState = { readonly status: 'loading' | 'active'; readonly shard: GroupCoordinatorShard };
type Routed = { readonly shard: GroupCoordinatorShard; readonly errorCode?: undefined } | { readonly shard?: undefined; readonly errorCode: number };

const CLEANUP_KEY = 'offsets-retention-cleanup';
export const GROUP_TYPE_CLASSIC = 'classic';

/**
 * The group coordinator of this broker: Kafka's GroupCoordinatorService for classic groups. Routes
 * each group to the shard of its __consumer_offsets partition (abs(hash(groupId)) % partitions),
 * answers NOT_COORDINATOR for partitions this broker does not lead and
 * COORDINATOR_LOAD_IN_PROGRESS while one loads, validates what Kafka validates before a shard sees
 * a request, and runs every shard's timers from one KeyedTimer.
 *
 * Lifecycle: the driver calls `beginLoad(p)` when it becomes leader of partition p, replays the
 * partition's records into the returned shard, then `completeLoad(p)`; `unload(p)` when it loses
 * it. `poll(monoMs)` runs due timers and returns the next deadline; `onEarlierDeadline` asks the
 * driver to re-arm.
 */
export class GroupCoordinator {
  readonly timer = new KeyedTimer();
  private readonly shards = new Map<number, ShardState>();
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly p: GroupCoordinatorParams) {
    this.logger = p.logger ?? NOOP_LOGGER;
    this.scheduleCleanup();
  }

  get config(): GroupCoordinatorConfig {
    return this.p.config;
  }

  set onEarlierDeadline(fn: ((deadlineMs: number) => void) | undefined) {
    this.timer.onEarlierDeadline = fn;
  }

  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.p.config.numPartitions);
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** This broker became leader of `partition`: a fresh shard, loading (requests wait with COORDINATOR_LOAD_IN_PROGRESS). */
  beginLoad(partition: number): GroupCoordinatorShard {
    this.unload(partition);
    const shard = new GroupCoordinatorShard({
      partition,
      config: this.p.config,
      timer: this.timer,
      writer: this.p.writerFor(partition),
      nowMs: this.p.nowMs,
      monoMs: this.p.monoMs,
      newUuid: this.p.newUuid,
      logger: this.logger,
    });
    this.shards.set(partition, { status: 'loading', shard });
    return shard;
  }

  completeLoad(partition: number): void {
    const s = this.shards.get(partition);
    if (s === undefined || s.status !== 'loading') return;
    this.shards.set(partition, { status: 'active', shard: s.shard });
    s.shard.onLoaded();
    this.logger.info(`Finished loading __consumer_offsets-${partition}: ${s.shard.groups.size} groups`, { partition });
  }

  /** Whether `shard` is still the one loading or serving `partition` (a load may be overtaken). */
  isCurrent(partition: number, shard: GroupCoordinatorShard): boolean {
    return this.shards.get(partition)?.shard === shard;
  }

  unload(partition: number): void {
    const s = this.shards.get(partition);
    if (s === undefined) return;
    this.shards.delete(partition);
    s.shard.unload();
  }

  /** Partitions this coordinator serves or loads. */
  partitions(): number[] {
    return [...this.shards.keys()];
  }

  isActive(partition: number): boolean {
    return this.shards.get(partition)?.status === 'active';
  }

  close(): void {
    this.closed = true;
    for (const p of [...this.shards.keys()]) this.unload(p);
    this.timer.cancel(CLEANUP_KEY);
  }

  /** Runs due timers; returns the next deadline (Infinity when none). */
  poll(monoMs = this.p.monoMs()): number {
    return this.timer.poll(monoMs);
  }

  private scheduleCleanup(): void {
    if (this.closed) return;
    this.timer.schedule(CLEANUP_KEY, this.p.monoMs() + this.p.config.offsetsRetentionCheckIntervalMs, () => {
      this.cleanupExpiredOffsets();
      this.scheduleCleanup();
    });
  }

  /** Expires offsets (and empty groups left without any) in every active shard; returns how many offsets. */
  cleanupExpiredOffsets(): number {
    let n = 0;
    for (const s of this.shards.values()) if (s.status === 'active') n += s.shard.cleanupExpired();
    return n;
  }

  private route(groupId: string): Routed {
    const s = this.shards.get(this.partitionFor(groupId));
    if (s === undefined) return { errorCode: ErrorCode.NOT_COORDINATOR };
    if (s.status === 'loading') return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    return { shard: s.shard };
  }

  // ---- APIs --------------------------------------------------------------------------------------

  joinGroup(req: JoinGroupRequest, info: RequestInfo): Promise<JoinGroupResponse> | JoinGroupResponse {
    if (req.groupId === '') return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    if (req.sessionTimeoutMs < this.p.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.p.config.maxSessionTimeoutMs) {
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    }
    const r = this.route(req.groupId);
    if (r.shard === undefined) return joinError(r.errorCode, req.memberId);
    const shard = r.shard;
    return new Promise((resolve) => shard.joinGroup(req, info, resolve));
  }

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> | SyncGroupResponse {
    if (req.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const r = this.route(req.groupId);
    if (r.shard === undefined) return syncError(r.errorCode);
    const shard = r.shard;
    return new Promise((resolve) => shard.syncGroup(req, resolve));
  }

  heartbeat(req: HeartbeatRequest): number {
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const r = this.route(req.groupId);
    return r.shard === undefined ? r.errorCode : r.shard.heartbeat(req);
  }

  leaveGroup(groupId: string, members: readonly LeaveGroupRequestMemberIdentity[]): { errorCode: number; members: LeaveGroupResponseMemberResponse[] } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const r = this.route(groupId);
    return r.shard === undefined ? { errorCode: r.errorCode, members: [] } : r.shard.leaveGroup(groupId, members);
  }

  commitOffsets(req: OffsetCommitRequest, apiVersion: number): OffsetCommitResponseTopic[] | Promise<OffsetCommitResponseTopic[]> {
    const all = (errorCode: number): OffsetCommitResponseTopic[] => answerEveryPartition(req.topics, errorCode);
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const r = this.route(req.groupId);
    return r.shard === undefined ? all(r.errorCode) : r.shard.commitOffsets(req, apiVersion);
  }

  /**
   * TxnOffsetCommit: the offsets are written as a transactional batch of the request's producer
   * into the group's partition and stay pending until `onTransactionCompleted`. Answered once the
   * batch is committed (or failed); one error for all partitions when the request fails as a whole.
   */
  txnOffsetCommit(req: TxnOffsetCommitRequest, apiVersion: number): TxnOffsetCommitResponse | Promise<TxnOffsetCommitResponse> {
    void apiVersion; // validation is the same for every version (v0-v2 simply carry no member fields)
    const response = (topics: TxnOffsetCommitResponseTopic[]): TxnOffsetCommitResponse => ({ throttleTimeMs: 0, topics });
    const all = (errorCode: number) => response(answerEveryPartition(req.topics, errorCode));
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const r = this.route(req.groupId);
    if (r.shard === undefined) return all(r.errorCode);
    const outcome = r.shard.txnOffsetCommit(req);
    return Array.isArray(outcome) ? response(outcome) : outcome.then(response);
  }

  /**
   * A transaction marker of `producerId` was committed in __consumer_offsets-`partition` (the
   * broker calls this from the marker writer's listener): the producer's pending offsets there
   * become committed offsets, or are dropped on abort. A partition still loading ignores it — its
   * loader reads the marker from the log.
   */
  onTransactionCompleted(partition: number, producerId: number, producerEpoch: number, committed: boolean): void {
    const s = this.shards.get(partition);
    if (s === undefined || s.status !== 'active') return;
    this.logger.debug(`Transaction of producer ${producerId} (epoch ${producerEpoch}) ${committed ? 'committed' : 'aborted'} in __consumer_offsets-${partition}`, { partition });
    s.shard.replayEndTransactionMarker(producerId, committed);
  }

  /**
   * Committed offsets of a group (topics null: all of them). With `requireStable` (OffsetFetch
   * v7+), partitions with pending transactional offsets answer UNSTABLE_OFFSET_COMMIT.
   */
  fetchOffsets(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null,
    requireStable = false,
  ): { errorCode: number; topics: OffsetFetchResponseTopics[] } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const r = this.route(groupId);
    if (r.shard === undefined) return { errorCode: r.errorCode, topics: [] };
    return { errorCode: ErrorCode.NONE, topics: r.shard.fetchOffsets(groupId, topics, requireStable) };
  }

  describeGroups(groupIds: readonly string[]): DescribeGroupsResponseDescribedGroup[] {
    return groupIds.map((groupId) => {
      const fail = (errorCode: number): DescribeGroupsResponseDescribedGroup => ({
        errorCode,
        groupId,
        groupState: '',
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: -2147483648,
      });
      if (groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
      const r = this.route(groupId);
      return r.shard === undefined ? fail(r.errorCode) : r.shard.describeGroup(groupId);
    });
  }

  /**
   * Groups of every partition this broker coordinates, filtered by state (case-insensitive) and
   * type. A loading partition makes the answer COORDINATOR_LOAD_IN_PROGRESS (with what is known).
   */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: ListGroupsResponseListedGroup[] } {
    const states = statesFilter.length === 0 ? undefined : new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.toLowerCase()));
    let errorCode: number = ErrorCode.NONE;
    const groups: ListGroupsResponseListedGroup[] = [];
    if (types.size > 0 && !types.has(GROUP_TYPE_CLASSIC)) return { errorCode, groups };
    for (const s of this.shards.values()) {
      if (s.status === 'loading') {
        errorCode = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
        continue;
      }
      groups.push(...s.shard.listGroups(states));
    }
    return { errorCode, groups };
  }

  deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupsResponseDeletableGroupResult[]> {
    const results = groupIds.map((groupId): number | Promise<number> => {
      if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
      const r = this.route(groupId);
      return r.shard === undefined ? r.errorCode : r.shard.deleteGroup(groupId);
    });
    return Promise.all(results).then((codes) => codes.map((errorCode, i) => ({ groupId: groupIds[i]!, errorCode })));
  }

  deleteOffsets(groupId: string, topics: readonly OffsetDeleteRequestTopic[]): { errorCode: number; topics: OffsetDeleteResponseTopic[] } | Promise<{ errorCode: number; topics: OffsetDeleteResponseTopic[] }> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const r = this.route(groupId);
    return r.shard === undefined ? { errorCode: r.errorCode, topics: [] } : r.shard.deleteOffsets(groupId, topics);
  }
}
