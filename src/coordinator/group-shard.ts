import { ErrorCode, NOOP_LOGGER } from '../common/index.js';
import type { Logger } from '../common/index.js';
import type {
  DescribeGroupsResponseDescribedGroup,
  GroupMetadataValue,
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
  OffsetFetchResponsePartitions,
  OffsetFetchResponseTopics,
  SyncGroupRequest,
  SyncGroupResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponseTopic,
} from '../protocol/index.js';
import { ClassicGroup, ClassicGroupMember, UNKNOWN_MEMBER_ID, joinError, syncError } from './classic-group.js';
import type { ClassicGroupState, JoinCallback, Protocol } from './classic-group.js';
import type { GroupCoordinatorConfig } from './config.js';
import { decodeRecord, groupMetadataRecord, offsetCommitRecord } from './group-records.js';
import { PendingTxnOffsets } from './group-txn-offsets.js';
import type { CoordinatorRecord } from './group-records.js';
import type { KeyedTimer } from './keyed-timer.js';

/** A committed offset as the coordinator keeps it (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata {
  readonly committedOffset: number;
  /** -1 when the client gave none. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Only commits of OffsetCommit v2-v4 with a retention time carry one. */
  readonly expireTimestampMs: number | undefined;
  /**
   * Where its record sits in the partition's log order (Kafka's recordOffset): the log offset for
   * records replayed at load, then a counter continuing past them for records this shard appends
   * (appends are synchronous, so the counter follows the log). Decides which of a transactional
   * and a regular commit of the same partition wins, and lets late completions keep log order.
   */
  readonly recordOrder: number;
}

/** A transactional append: the batch carries the producer's id and epoch (TxnOffsetCommit). */
export interface TransactionalWrite {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface WriteOptions {
  readonly transactional?: TransactionalWrite;
}

/**
 * Appends records to this shard's partition of __consumer_offsets. Returns the outcome (an error
 * code) when known at once, else a promise of it (resolved once the high watermark covers the
 * records). The append itself must happen synchronously, so writes keep their order.
 */
export type PartitionWriter = (records: readonly CoordinatorRecord[], options?: WriteOptions) => number | Promise<number>;

/** What the shard knows of the request beyond its body. */
export interface RequestInfo {
  readonly apiVersion: number;
  readonly clientId: string;
  /** Kafka reports InetAddress.toString(): "/127.0.0.1". */
  readonly clientHost: string;
}

export interface GroupShardParams {
  readonly partition: number;
  readonly config: GroupCoordinatorConfig;
  readonly timer: KeyedTimer;
  readonly writer: PartitionWriter;
  /** Wall clock (record timestamps, state timestamps, retention). */
  readonly nowMs: () => number;
  /** Monotonic clock (timer deadlines). */
  readonly monoMs: () => number;
  /** New member ids: Kafka uses `<client id or instance id>-<random UUID>`. */
  readonly newUuid: () => string;
  readonly logger?: Logger;
}

const EMPTY = Buffer.alloc(0);

/** The fields of a committed partition both OffsetCommit and TxnOffsetCommit requests carry. */
interface CommittedPartition {
  readonly partitionIndex: number;
  readonly committedOffset: number;
  readonly committedLeaderEpoch: number;
  readonly committedMetadata: string | null;
}

/** An offset an offset commit writes. */
interface WrittenOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: OffsetAndMetadata;
}

/** The answer of a request that fails as a whole: every partition of `topics` gets `errorCode`. */
export function answerEveryPartition(
  topics: readonly { readonly name: string; readonly partitions: readonly { readonly partitionIndex: number }[] }[],
  errorCode: number,
): Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> {
  return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}

/** Maps a failed append's error to what group APIs answer (Kafka's appendGroupMetadataErrorToResponseError). */
export function appendErrorToResponseError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

const heartbeatKey = (groupId: string, memberId: string) => `heartbeat-${groupId}-${memberId}`;
const joinKey = (groupId: string) => `join-${groupId}`;
const syncKey = (groupId: string) => `sync-${groupId}`;

/**
 * The classic groups and committed offsets of one __consumer_offsets partition: the classic part
 * of Kafka's GroupMetadataManager and OffsetMetadataManager. Synchronous; JoinGroup and SyncGroup
 * answers are callbacks completed when the rebalance gets there. Timers go through the shared
 * KeyedTimer (keys carry the group id, unique across shards).
 *
 * Writes: offset commits and tombstones change memory once their records are committed; group
 * metadata records are only written (memory already holds the state), as Kafka's
 * `replayRecords=false`. At load every record is replayed (`replay`), then `onLoaded()` arms timers.
 */
export class GroupCoordinatorShard {
  readonly partition: number;
  readonly groups = new Map<string, ClassicGroup>();
  /** group → topic → partition → offset. */
  readonly offsets = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();
  /** Transactional offset commits waiting for their producer's marker. */
  readonly pendingTxnOffsets = new PendingTxnOffsets();
  /** The record order the next appended record gets (see OffsetAndMetadata.recordOrder). */
  private nextRecordOrder = 0;
  private readonly p: GroupShardParams;
  private readonly logger: Logger;
  private unloaded = false;
  /** Writes issued so far (lets an operation tell whether it wrote). */
  private writes = 0;

  constructor(params: GroupShardParams) {
    this.p = params;
    this.partition = params.partition;
    this.logger = params.logger ?? NOOP_LOGGER;
  }

  private get config(): GroupCoordinatorConfig {
    return this.p.config;
  }

  private now(): number {
    return this.p.nowMs();
  }

  // ---- writes ------------------------------------------------------------------------------------

  /** Appends and calls `done(errorCode)` when the outcome is known (at once when it already is). */
  private write(records: readonly CoordinatorRecord[], done: (errorCode: number) => void): void {
    const outcome = this.append(records);
    if (typeof outcome === 'number') done(outcome);
    else void outcome.then(done);
  }

  /** Appends (synchronously) and returns the outcome; never throws or rejects. */
  private append(records: readonly CoordinatorRecord[], options?: WriteOptions): number | Promise<number> {
    this.writes++;
    let outcome: number | Promise<number>;
    try {
      outcome = options === undefined ? this.p.writer(records) : this.p.writer(records, options);
    } catch (err) {
      this.logger.error('coordinator append failed', { partition: this.partition, error: String(err) });
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    return typeof outcome === 'number' ? outcome : outcome.catch(() => ErrorCode.UNKNOWN_SERVER_ERROR);
  }

  /** Record orders for `n` records about to be appended (consecutive, in log order). */
  private takeRecordOrders(n: number): number {
    const first = this.nextRecordOrder;
    this.nextRecordOrder += n;
    return first;
  }

  private writePromise(records: readonly CoordinatorRecord[]): Promise<number> {
    return new Promise((resolve) => this.write(records, resolve));
  }

  // ---- group lookup ------------------------------------------------------------------------------

  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  private getOrCreateGroup(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (g === undefined) {
      g = new ClassicGroup(groupId, this.now());
      this.groups.set(groupId, g);
    }
    return g;
  }

  private removeGroup(groupId: string): void {
    const g = this.groups.get(groupId);
    if (g === undefined) return;
    this.groups.delete(groupId);
    if (!g.is('Dead')) g.transitionTo('Dead', this.now());
    this.cancelTimersOf(groupId);
  }

  /** Cancels the group's join and sync timers and its members' heartbeats. */
  private cancelTimersOf(groupId: string): void {
    this.p.timer.cancelPrefix(heartbeatKey(groupId, ''));
    this.p.timer.cancel(joinKey(groupId));
    this.p.timer.cancel(syncKey(groupId));
  }

  // ---- JoinGroup ---------------------------------------------------------------------------------

  /** Kafka's classicGroupJoin; the caller has validated the group id and session timeout. */
  joinGroup(req: JoinGroupRequest, info: RequestInfo, respond: JoinCallback): void {
    const isUnknown = req.memberId === UNKNOWN_MEMBER_ID;
    const isNewGroup = !this.groups.has(req.groupId);
    if (isNewGroup && !isUnknown) {
      respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      return;
    }
    const group = this.getOrCreateGroup(req.groupId);
    const wrote = this.writes;
    if (!this.acceptJoiningMember(group, req.memberId)) {
      group.remove(req.memberId);
      this.p.timer.cancel(heartbeatKey(group.groupId, req.memberId));
      respond(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, UNKNOWN_MEMBER_ID));
    } else if (isUnknown) {
      this.joinNewMember(group, req, info, respond);
    } else {
      this.joinExistingMember(group, req, info, respond);
    }
    if (isNewGroup && this.writes === wrote) {
      // Kafka commits a new group with an empty metadata record when the join wrote nothing.
      this.write([this.groupMetadataRecordOf(group, new Map(), true)], (errorCode) => {
        if (errorCode !== ErrorCode.NONE) this.logger.warn(`Failed to write empty metadata for group ${group.groupId}`, { errorCode });
      });
    }
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin) || group.numMembersAwaitingJoin < this.config.maxSize;
      case 'CompletingRebalance':
      case 'Stable':
        return group.hasMember(memberId) || group.size < this.config.maxSize;
    }
  }

  private joinNewMember(group: ClassicGroup, req: JoinGroupRequest, info: RequestInfo, respond: JoinCallback): void {
    if (group.is('Dead')) {
      respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, UNKNOWN_MEMBER_ID));
      return;
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID));
      return;
    }
    const newMemberId = `${req.groupInstanceId ?? info.clientId}-${this.p.newUuid()}`;
    if (req.groupInstanceId !== null) {
      const existing = group.staticMemberId(req.groupInstanceId);
      if (existing !== undefined) {
        this.updateStaticMemberThenRebalanceOrCompleteJoin(group, req, info, existing, newMemberId, respond);
        return;
      }
      this.addMemberThenRebalanceOrCompleteJoin(group, req, info, newMemberId, respond);
      return;
    }
    if (info.apiVersion >= 4) {
      // KIP-394: the member must come back with the id it is given; until then it is pending.
      group.addPendingMember(newMemberId);
      this.scheduleHeartbeat(group.groupId, newMemberId, req.sessionTimeoutMs);
      respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId));
      return;
    }
    this.addMemberThenRebalanceOrCompleteJoin(group, req, info, newMemberId, respond);
  }

  private joinExistingMember(group: ClassicGroup, req: JoinGroupRequest, info: RequestInfo, respond: JoinCallback): void {
    const memberId = req.memberId;
    if (group.is('Dead')) {
      respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId));
      return;
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));
      return;
    }
    if (group.isPendingMember(memberId)) {
      // A pending member has no instance id (static members are never pending).
      this.addMemberThenRebalanceOrCompleteJoin(group, req, info, memberId, respond);
      return;
    }
    const invalid = group.validateMember(memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) {
      respond(joinError(invalid, memberId));
      return;
    }
    const member = group.member(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberThenRebalanceOrCompleteJoin(group, member, req, respond);
        return;
      case 'CompletingRebalance':
        if (member.matches(req.protocols)) {
          // Same metadata (it probably missed the JoinGroup response): the current generation again.
          respond(this.joinResponse(group, memberId, group.isLeader(memberId), false));
        } else {
          this.updateMemberThenRebalanceOrCompleteJoin(group, member, req, respond);
        }
        return;
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(req.protocols)) {
          // The leader may rejoin to force a rebalance (e.g. topic metadata changed).
          this.updateMemberThenRebalanceOrCompleteJoin(group, member, req, respond);
        } else {
          respond(this.joinResponse(group, memberId, false, false));
        }
        return;
      case 'Empty':
        // Unexpected: let the member reset its generation and rejoin.
        respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
        return;
    }
  }

  private joinResponse(group: ClassicGroup, memberId: string, withMembers: boolean, skipAssignment: boolean, leader = group.leaderId): JoinGroupResponse {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType ?? null,
      protocolName: group.protocolName ?? null,
      leader: leader ?? '',
      skipAssignment,
      memberId,
      members: withMembers ? group.currentMembersForLeader() : [],
    };
  }

  private addMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, req: JoinGroupRequest, info: RequestInfo, memberId: string, respond: JoinCallback): void {
    const member = new ClassicGroupMember(
      memberId,
      req.groupInstanceId,
      info.clientId,
      info.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocolType,
      protocolsOf(req),
    );
    member.isNew = true;
    // A member joining during the initial delayed rebalance extends the delay.
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, respond);
    // New members cannot heartbeat while parked in JoinGroup: their join times out instead.
    this.scheduleHeartbeat(group.groupId, memberId, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, member: ClassicGroupMember, req: JoinGroupRequest, respond: JoinCallback): void {
    // A JoinGroup the member already has parked is superseded: answer it so its connection moves on.
    if (member.awaitingJoin !== undefined) group.completeJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    group.updateMember(member, protocolsOf(req), req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateStaticMemberThenRebalanceOrCompleteJoin(
    group: ClassicGroup,
    req: JoinGroupRequest,
    info: RequestInfo,
    oldMemberId: string,
    newMemberId: string,
    respond: JoinCallback,
  ): void {
    const instanceId = req.groupInstanceId!;
    const currentLeader = group.leaderId;
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.p.timer.cancel(heartbeatKey(group.groupId, oldMemberId));
    this.scheduleHeartbeat(group.groupId, newMemberId, member.sessionTimeoutMs);
    const old = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs };
    group.updateMember(member, protocolsOf(req), req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          this.maybePrepareRebalanceOrCompleteJoin(group);
          return;
        }
        // Same protocol: persist the new member id and hand back the current generation, no rebalance.
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
        this.write([this.groupMetadataRecordOf(group, assignment)], (errorCode) => {
          if (errorCode !== ErrorCode.NONE) {
            // Revert: the old member id stays in the group.
            group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, undefined);
            const reverted = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
            this.p.timer.cancel(heartbeatKey(group.groupId, newMemberId));
            this.scheduleHeartbeat(group.groupId, oldMemberId, reverted.sessionTimeoutMs);
            respond({ ...this.joinResponse(group, UNKNOWN_MEMBER_ID, false, false, currentLeader), errorCode: appendErrorToResponseError(errorCode) });
          } else if (info.apiVersion >= 9) {
            const isLeader = group.isLeader(newMemberId);
            group.completeJoin(member, this.joinResponse(group, newMemberId, isLeader, isLeader));
          } else {
            group.completeJoin(member, this.joinResponse(group, newMemberId, false, false, currentLeader));
          }
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may already be assigning with the old id: rebalance so the new id gets partitions.
        this.prepareRebalance(group);
        return;
      case 'PreparingRebalance':
        this.maybePrepareRebalanceOrCompleteJoin(group);
        return;
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId} in state ${group.state} cannot have a static member`);
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.canRebalance()) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (group.is('PreparingRebalance') && group.hasAllMembersJoined() && group.previousState !== 'Empty') this.completeJoin(group);
  }

  private prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.p.timer.cancel(syncKey(group.groupId));
    const isInitialRebalance = group.is('Empty');
    if (isInitialRebalance) {
      // A new group: give members more time to join (Kafka's InitialDelayedJoin).
      const delayMs = this.config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.scheduleInitialJoin(group.groupId, delayMs, remainingMs);
    }
    group.transitionTo('PreparingRebalance', this.now());
    this.logger.info(`Preparing to rebalance group ${group.groupId} in state PreparingRebalance with old generation ${group.generationId}`, {
      partition: this.partition,
    });
    if (!isInitialRebalance) this.maybeCompleteJoinElseSchedule(group);
  }

  private scheduleInitialJoin(groupId: string, delayMs: number, remainingMs: number): void {
    this.p.timer.schedule(joinKey(groupId), this.p.monoMs() + delayMs, () => this.tryCompleteInitialRebalanceElseSchedule(groupId, delayMs, remainingMs));
  }

  private tryCompleteInitialRebalanceElseSchedule(groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.scheduleInitialJoin(groupId, newDelayMs, newRemainingMs);
    } else {
      this.completeJoin(group);
    }
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) {
      this.completeJoin(group);
    } else {
      const groupId = group.groupId;
      this.p.timer.schedule(joinKey(groupId), this.p.monoMs() + group.rebalanceTimeoutMs(), () => this.completeJoinById(groupId));
    }
  }

  private completeJoinById(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group !== undefined) this.completeJoin(group);
  }

  /** Kafka's completeClassicGroupJoin: drop dynamic members that did not rejoin, start the next generation. */
  private completeJoin(group: ClassicGroup): void {
    this.p.timer.cancel(joinKey(group.groupId));
    for (const m of group.notYetRejoinedMembers()) {
      if (m.isStatic) continue;
      group.remove(m.memberId);
      this.p.timer.cancel(heartbeatKey(group.groupId, m.memberId));
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that have not rejoined are left: wait for them (or their session expiry).
      const groupId = group.groupId;
      this.p.timer.schedule(joinKey(groupId), this.p.monoMs() + group.rebalanceTimeoutMs(), () => this.completeJoinById(groupId));
      return;
    }
    group.initNextGeneration(this.now());
    if (group.is('Empty')) {
      this.write([this.groupMetadataRecordOf(group, new Map())], (errorCode) => {
        if (errorCode !== ErrorCode.NONE) this.logger.warn(`Failed to write empty metadata for group ${group.groupId}`, { errorCode });
      });
      return;
    }
    this.logger.info(`Stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} members`, { partition: this.partition });
    for (const m of [...group.members.values()]) {
      const isLeader = group.isLeader(m.memberId);
      group.completeJoin(m, this.joinResponse(group, m.memberId, isLeader, false));
      this.scheduleHeartbeat(group.groupId, m.memberId, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    const groupId = group.groupId;
    const generationId = group.generationId;
    this.p.timer.schedule(syncKey(groupId), this.p.monoMs() + group.rebalanceTimeoutMs(), () => this.expirePendingSync(groupId, generationId));
  }

  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.groups.get(groupId);
    if (group === undefined || generationId !== group.generationId) return;
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
    if (group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      group.remove(memberId);
      this.p.timer.cancel(heartbeatKey(groupId, memberId));
    }
    this.prepareRebalance(group);
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      const ok = errorCode === ErrorCode.NONE;
      const answered = group.completeSync(m, {
        throttleTimeMs: 0,
        errorCode,
        protocolType: ok ? (group.protocolType ?? null) : null,
        protocolName: ok ? (group.protocolName ?? null) : null,
        assignment: m.assignment,
      });
      // A member that got its assignment must heartbeat within its session from now.
      if (answered) this.scheduleHeartbeat(group.groupId, m.memberId, m.sessionTimeoutMs);
    }
  }

  // ---- heartbeats and expiry ----------------------------------------------------------------------

  private scheduleHeartbeat(groupId: string, memberId: string, timeoutMs: number): void {
    this.p.timer.schedule(heartbeatKey(groupId, memberId), this.p.monoMs() + timeoutMs, () => this.expireHeartbeat(groupId, memberId));
  }

  private expireHeartbeat(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined || group.is('Dead')) return;
    if (group.isPendingMember(memberId)) {
      this.logger.info(`Pending member ${memberId} in group ${groupId} has been removed after session timeout expiration.`);
      group.remove(memberId);
      if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
      return;
    }
    const member = group.members.get(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return;
    this.logger.info(`Member ${memberId} in group ${groupId} has failed, removing it from the group.`);
    this.removeMemberAndUpdateGroup(group, member);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember): void {
    // A new member may time out with its JoinGroup parked: answer it so it can retry.
    group.completeJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.prepareRebalance(group);
    else if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  // ---- SyncGroup ---------------------------------------------------------------------------------

  /** Kafka's classicGroupSync; the caller has validated the group id and (v5+) protocol presence. */
  syncGroup(req: SyncGroupRequest, respond: (r: SyncGroupResponse) => void): void {
    const group = this.groups.get(req.groupId);
    if (group === undefined) {
      respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    const invalid = this.validateSyncGroup(group, req);
    if (invalid !== ErrorCode.NONE) {
      respond(syncError(invalid));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        return;
      case 'CompletingRebalance': {
        const member = group.member(req.memberId);
        // A SyncGroup already parked for this member is superseded.
        group.completeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        group.pendingSyncMembers.delete(req.memberId);
        if (!group.isLeader(req.memberId)) return;
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) assignment.set(a.memberId, a.assignment);
        for (const m of group.members.values()) if (!assignment.has(m.memberId)) assignment.set(m.memberId, EMPTY);
        const generationId = req.generationId;
        this.write([this.groupMetadataRecordOf(group, assignment)], (errorCode) => {
          // Members may have joined meanwhile: act only if still completing this generation.
          if (!group.is('CompletingRebalance') || group.generationId !== generationId) return;
          if (errorCode !== ErrorCode.NONE) {
            this.resetAndPropagateAssignmentWithError(group, appendErrorToResponseError(errorCode));
            this.maybePrepareRebalanceOrCompleteJoin(group);
            return;
          }
          for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY;
          this.propagateAssignment(group, ErrorCode.NONE);
          group.transitionTo('Stable', this.now());
        });
        return;
      }
      case 'Stable': {
        group.pendingSyncMembers.delete(req.memberId);
        const member = group.member(req.memberId);
        respond({
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType ?? null,
          protocolName: group.protocolName ?? null,
          assignment: member.assignment,
        });
        return;
      }
      case 'Empty':
      case 'Dead':
        respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  private validateSyncGroup(group: ClassicGroup, req: SyncGroupRequest): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = group.validateMember(req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return ErrorCode.NONE;
  }

  // ---- Heartbeat ---------------------------------------------------------------------------------

  heartbeat(req: HeartbeatRequest): number {
    const group = this.groups.get(req.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const invalid = group.validateMember(req.memberId, req.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance': {
        const m = group.member(req.memberId);
        this.scheduleHeartbeat(group.groupId, m.memberId, m.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      }
      case 'CompletingRebalance':
      case 'Stable': {
        const m = group.member(req.memberId);
        this.scheduleHeartbeat(group.groupId, m.memberId, m.sessionTimeoutMs);
        return ErrorCode.NONE;
      }
      case 'Dead':
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // ---- LeaveGroup --------------------------------------------------------------------------------

  /** Kafka's classicGroupLeave: a top-level error, or one answer per member. */
  leaveGroup(groupId: string, members: readonly LeaveGroupRequestMemberIdentity[]): { errorCode: number; members: LeaveGroupResponseMemberResponse[] } {
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const out: LeaveGroupResponseMemberResponse[] = [];
    const answer = (m: LeaveGroupRequestMemberIdentity, errorCode: number) => out.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    for (const m of members) {
      if (m.memberId === UNKNOWN_MEMBER_ID) {
        // Administrative removal by instance id.
        const staticId = m.groupInstanceId === null ? undefined : group.staticMemberId(m.groupInstanceId);
        if (staticId !== undefined) {
          this.removeCurrentMember(group, staticId);
          answer(m, ErrorCode.NONE);
        } else {
          answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        }
      } else if (group.isPendingMember(m.memberId)) {
        group.remove(m.memberId);
        this.p.timer.cancel(heartbeatKey(groupId, m.memberId));
        answer(m, ErrorCode.NONE);
      } else {
        const invalid = group.validateMember(m.memberId, m.groupInstanceId);
        if (invalid === ErrorCode.NONE) this.removeCurrentMember(group, m.memberId);
        answer(m, invalid);
      }
    }
    if (out.some((r) => r.errorCode === ErrorCode.NONE)) {
      if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
    }
    return { errorCode: ErrorCode.NONE, members: out };
  }

  private removeCurrentMember(group: ClassicGroup, memberId: string): void {
    const member = group.member(memberId);
    this.p.timer.cancel(heartbeatKey(group.groupId, memberId));
    group.completeJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, UNKNOWN_MEMBER_ID));
    group.remove(memberId);
  }

  // ---- OffsetCommit ------------------------------------------------------------------------------

  /**
   * Kafka's commitOffset for classic groups: one error for the whole request (every partition gets
   * it), or per-partition OFFSET_METADATA_TOO_LARGE, else the records are written and applied.
   */
  commitOffsets(req: OffsetCommitRequest, apiVersion: number): OffsetCommitResponseTopic[] | Promise<OffsetCommitResponseTopic[]> {
    const all = (errorCode: number): OffsetCommitResponseTopic[] => answerEveryPartition(req.topics, errorCode);
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      if (req.generationIdOrMemberEpoch >= 0) return all(apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      // A "simple" group: an admin client or a consumer managing its own partitions.
      group = this.getOrCreateGroup(req.groupId);
    }
    const invalid = validateOffsetCommit(group, req.memberId, req.groupInstanceId, req.generationIdOrMemberEpoch, false);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    // Commits keep a classic member's session alive while Stable or PreparingRebalance.
    if ((group.is('Stable') || group.is('PreparingRebalance')) && group.hasMember(req.memberId)) {
      const m = group.member(req.memberId);
      this.scheduleHeartbeat(group.groupId, m.memberId, m.sessionTimeoutMs);
    }
    const nowMs = this.now();
    const expireTimestampMs = req.retentionTimeMs === -1 ? undefined : nowMs + req.retentionTimeMs;
    const { response, records, written: applied } = this.offsetCommitRecords(req.groupId, req.topics, (p) => ({
      commitTimestampMs: p.commitTimestamp === -1 ? nowMs : p.commitTimestamp,
      expireTimestampMs,
    }));
    if (records.length === 0) return response;
    const finish = (errorCode: number): OffsetCommitResponseTopic[] => {
      if (errorCode !== ErrorCode.NONE) {
        const mapped = appendErrorToResponseError(errorCode);
        for (const t of response) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = mapped;
        return response;
      }
      for (const a of applied) this.putOffset(req.groupId, a.topic, a.partition, a.offset);
      return response;
    };
    this.takeRecordOrders(records.length);
    const outcome = this.append(records);
    return typeof outcome === 'number' ? finish(outcome) : outcome.then(finish);
  }

  /**
   * The records of an offset commit (OffsetCommit, TxnOffsetCommit), in record order from
   * `nextRecordOrder` (the caller takes them once it appends), and the per-partition answers:
   * OFFSET_METADATA_TOO_LARGE for oversized metadata, NONE for a partition written.
   */
  private offsetCommitRecords<P extends CommittedPartition>(
    groupId: string,
    topics: readonly { readonly name: string; readonly partitions: readonly P[] }[],
    times: (p: P) => Pick<OffsetAndMetadata, 'commitTimestampMs' | 'expireTimestampMs'>,
  ): { response: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>; records: CoordinatorRecord[]; written: WrittenOffset[] } {
    const records: CoordinatorRecord[] = [];
    const written: WrittenOffset[] = [];
    const order = this.nextRecordOrder;
    const response = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (p.committedMetadata !== null && p.committedMetadata.length > this.config.offsetMetadataMaxBytes) {
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        const { commitTimestampMs, expireTimestampMs } = times(p);
        const offset: OffsetAndMetadata = {
          committedOffset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata ?? '',
          commitTimestampMs,
          expireTimestampMs,
          recordOrder: order + records.length,
        };
        records.push(offsetCommitRecord({ group: groupId, topic: t.name, partition: p.partitionIndex }, offsetValue(offset)));
        written.push({ topic: t.name, partition: p.partitionIndex, offset });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
      }),
    }));
    return { response, records, written };
  }

  // ---- TxnOffsetCommit ---------------------------------------------------------------------------

  /**
   * Kafka's commitTransactionalOffset: validates as an offset commit of a transaction (no
   * rebalance check, no member needed for v0-v2), then appends the offsets as a transactional
   * batch of the request's producer. They are pending — invisible to OffsetFetch, which answers
   * UNSTABLE_OFFSET_COMMIT for them when asked for stable offsets — until the producer's marker
   * commits them (`replayEndTransactionMarker`) or aborts them. They are held from the append on
   * (log order), and reverted if the append fails. One error answers every partition, as in
   * Kafka, except per-partition OFFSET_METADATA_TOO_LARGE.
   */
  txnOffsetCommit(req: TxnOffsetCommitRequest): TxnOffsetCommitResponseTopic[] | Promise<TxnOffsetCommitResponseTopic[]> {
    const all = (errorCode: number): TxnOffsetCommitResponseTopic[] => answerEveryPartition(req.topics, errorCode);
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.getOrCreateGroup(req.groupId);
    }
    const invalid = validateOffsetCommit(group, req.memberId, req.groupInstanceId, req.generationId, true);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    const nowMs = this.now();
    const prepared = this.offsetCommitRecords(req.groupId, req.topics, () => ({ commitTimestampMs: nowMs, expireTimestampMs: undefined }));
    const { response, records } = prepared;
    const pending: Array<WrittenOffset & { previous?: OffsetAndMetadata }> = prepared.written;
    if (records.length === 0) return response;
    this.takeRecordOrders(records.length);
    const { producerId, producerEpoch } = req;
    for (const a of pending) {
      const previous = this.pendingTxnOffsets.get(producerId, req.groupId, a.topic, a.partition);
      if (previous !== undefined) a.previous = previous;
      this.pendingTxnOffsets.add(producerId, req.groupId, a.topic, a.partition, a.offset);
    }
    const finish = (errorCode: number): TxnOffsetCommitResponseTopic[] => {
      if (errorCode === ErrorCode.NONE) return response;
      // As Kafka reverts its timeline: a failed (e.g. fenced) write leaves the earlier pending offset in place.
      for (const a of pending) this.pendingTxnOffsets.revert(producerId, req.groupId, a.topic, a.partition, a.offset, a.previous);
      return all(appendErrorToResponseError(errorCode));
    };
    const outcome = this.append(records, { transactional: { producerId, producerEpoch } });
    return typeof outcome === 'number' ? finish(outcome) : outcome.then(finish);
  }

  /**
   * Kafka's replayEndTransactionMarker: the producer's transaction ended in this partition. On
   * commit its pending offsets become the committed ones, unless a regular commit of the same
   * partition came later in the log (the most recent record wins, so compaction of
   * __consumer_offsets cannot resurrect an older offset); on abort they vanish.
   */
  replayEndTransactionMarker(producerId: number, committed: boolean): void {
    const ended = this.pendingTxnOffsets.complete(producerId);
    if (ended === undefined || !committed) return;
    for (const e of ended) {
      if (!this.groups.has(e.groupId)) this.getOrCreateGroup(e.groupId);
      this.putOffset(e.groupId, e.topic, e.partition, e.offset);
    }
  }

  /** Stores a committed offset unless a record later in the log already decided the partition. */
  private putOffset(groupId: string, topic: string, partition: number, offset: OffsetAndMetadata): void {
    let byTopic = this.offsets.get(groupId);
    if (byTopic === undefined) this.offsets.set(groupId, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
    const existing = byPartition.get(partition);
    if (existing !== undefined && existing.recordOrder > offset.recordOrder) return;
    byPartition.set(partition, offset);
  }

  /**
   * An offset commit tombstone of order `order` took effect: the committed offset and the pending
   * transactional ones of the partition written before it go (Kafka's replay of a tombstone).
   */
  private applyTombstone(groupId: string, topic: string, partition: number, order: number): void {
    const existing = this.offsets.get(groupId)?.get(topic)?.get(partition);
    if (existing !== undefined && existing.recordOrder < order) this.deleteOffset(groupId, topic, partition);
    this.pendingTxnOffsets.removePartition(groupId, topic, partition, order);
  }

  private deleteOffset(groupId: string, topic: string, partition: number): void {
    const byTopic = this.offsets.get(groupId);
    const byPartition = byTopic?.get(topic);
    if (byTopic === undefined || byPartition === undefined) return;
    byPartition.delete(partition);
    if (byPartition.size === 0) byTopic.delete(topic);
    if (byTopic.size === 0) this.offsets.delete(groupId);
  }

  // ---- OffsetFetch -------------------------------------------------------------------------------

  /**
   * Committed offsets of the given topics (all of the group's committed ones when null); unknown
   * ones are -1. With `requireStable` a partition with a pending transactional offset answers
   * UNSTABLE_OFFSET_COMMIT (the client retries); without, the committed offset is returned.
   */
  fetchOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null, requireStable = false): OffsetFetchResponseTopics[] {
    const byTopic = this.offsets.get(groupId);
    const entry = (topic: string, partitionIndex: number, o: OffsetAndMetadata | undefined): OffsetFetchResponsePartitions => {
      if (requireStable && this.pendingTxnOffsets.has(groupId, topic, partitionIndex)) {
        return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      return o === undefined
        ? { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
        : { partitionIndex, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const out: OffsetFetchResponseTopics[] = [];
      for (const [name, parts] of byTopic ?? []) {
        out.push({ name, partitions: [...parts].map(([index, o]) => entry(name, index, o)) });
      }
      return out;
    }
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((index) => entry(t.name, index, byTopic?.get(t.name)?.get(index))),
    }));
  }

  // ---- DescribeGroups / ListGroups ---------------------------------------------------------------

  describeGroup(groupId: string): DescribeGroupsResponseDescribedGroup {
    const group = this.groups.get(groupId);
    if (group === undefined) {
      return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 };
    }
    const stable = group.is('Stable');
    const protocol = group.protocolName;
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (protocol ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable && protocol !== undefined ? (m.metadata(protocol) ?? EMPTY) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
      authorizedOperations: -2147483648,
    };
  }

  listGroups(states: ReadonlySet<string> | undefined): ListGroupsResponseListedGroup[] {
    const out: ListGroupsResponseListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (states !== undefined && !states.has(g.state.toLowerCase())) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' });
    }
    return out;
  }

  // ---- DeleteGroups / OffsetDelete ---------------------------------------------------------------

  /** Deletes an empty group with its offsets: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, or the write's outcome. */
  deleteGroup(groupId: string): number | Promise<number> {
    const group = this.groups.get(groupId);
    if (group === undefined || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
    const { records, partitions } = this.tombstonesOf(groupId);
    const order = this.takeRecordOrders(records.length);
    return this.writePromise(records).then((errorCode) => {
      if (errorCode !== ErrorCode.NONE) return appendErrorToResponseError(errorCode);
      partitions.forEach(([topic, partition], i) => this.applyTombstone(groupId, topic, partition, order + i));
      this.removeGroup(groupId);
      return ErrorCode.NONE;
    });
  }

  /**
   * Kafka's deleteAllOffsets plus the group tombstone: a tombstone per committed offset, and per
   * partition that only has pending transactional offsets (so they cannot materialize later).
   */
  private tombstonesOf(groupId: string): { records: CoordinatorRecord[]; partitions: Array<[string, number]> } {
    const partitions: Array<[string, number]> = [];
    for (const [topic, parts] of this.offsets.get(groupId) ?? []) for (const partition of parts.keys()) partitions.push([topic, partition]);
    for (const { topic, partition } of this.pendingTxnOffsets.partitionsOf(groupId)) {
      if (this.offsets.get(groupId)?.get(topic)?.has(partition) !== true) partitions.push([topic, partition]);
    }
    const records = partitions.map(([topic, partition]) => offsetCommitRecord({ group: groupId, topic, partition }, null));
    records.push(groupMetadataRecord(groupId, null));
    return { records, partitions };
  }

  /** Kafka's deleteOffsets for classic groups. */
  deleteOffsets(groupId: string, topics: readonly OffsetDeleteRequestTopic[]): { errorCode: number; topics: OffsetDeleteResponseTopic[] } | Promise<{ errorCode: number; topics: OffsetDeleteResponseTopic[] }> {
    const group = this.groups.get(groupId);
    if (group === undefined || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (!group.is('Empty') && !group.usesConsumerGroupProtocol()) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const records: CoordinatorRecord[] = [];
    const deleted: Array<[string, number]> = [];
    const out: OffsetDeleteResponseTopic[] = topics.map((t) => {
      const subscribed = group.isSubscribedToTopic(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (subscribed) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          // A tombstone goes out for a committed offset and for pending transactional ones alike.
          if (this.offsets.get(groupId)?.get(t.name)?.has(p.partitionIndex) === true || this.pendingTxnOffsets.has(groupId, t.name, p.partitionIndex)) {
            records.push(offsetCommitRecord({ group: groupId, topic: t.name, partition: p.partitionIndex }, null));
            deleted.push([t.name, p.partitionIndex]);
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    if (records.length === 0) return { errorCode: ErrorCode.NONE, topics: out };
    const order = this.takeRecordOrders(records.length);
    return this.writePromise(records).then((errorCode) => {
      if (errorCode !== ErrorCode.NONE) return { errorCode: appendErrorToResponseError(errorCode), topics: [] };
      deleted.forEach(([topic, partition], i) => this.applyTombstone(groupId, topic, partition, order + i));
      return { errorCode: ErrorCode.NONE, topics: out };
    });
  }

  // ---- retention ---------------------------------------------------------------------------------

  /**
   * Kafka's cleanupGroupMetadata: expires offsets past offsets.retention.minutes (counted from the
   * group becoming Empty, or from the commit for standalone consumers and for topics a Stable
   * consumer group no longer subscribes to; an explicit expire timestamp wins), then deletes Empty
   * groups left without offsets. Returns the number of offsets expired.
   */
  cleanupExpired(): number {
    const nowMs = this.now();
    const records: CoordinatorRecord[] = [];
    /** group, topic, partition, index of the tombstone in `records`. */
    const expired: Array<[string, string, number, number]> = [];
    const deadGroups: string[] = [];
    for (const [groupId, group] of this.groups) {
      const base = expirationBase(group);
      let remaining = 0;
      for (const [topic, parts] of this.offsets.get(groupId) ?? []) {
        for (const [partition, o] of parts) {
          // An offset with a pending transactional one in the same partition waits for its marker.
          const expires =
            base !== undefined &&
            !(group.is('Stable') && group.isSubscribedToTopic(topic)) &&
            (o.expireTimestampMs !== undefined ? nowMs >= o.expireTimestampMs : nowMs - base(o) >= this.config.offsetsRetentionMs) &&
            !this.pendingTxnOffsets.has(groupId, topic, partition);
          if (expires) {
            expired.push([groupId, topic, partition, records.length]);
            records.push(offsetCommitRecord({ group: groupId, topic, partition }, null));
          } else {
            remaining++;
          }
        }
      }
      // A group stays while a transaction holds offsets for it.
      if (remaining === 0 && group.is('Empty') && !this.pendingTxnOffsets.hasOpenTransactions(groupId)) {
        records.push(groupMetadataRecord(groupId, null));
        deadGroups.push(groupId);
      }
    }
    if (records.length === 0) return 0;
    const order = this.takeRecordOrders(records.length);
    this.write(records, (errorCode) => {
      if (errorCode !== ErrorCode.NONE) {
        this.logger.warn('Failed to write expired offsets', { partition: this.partition, errorCode });
        return;
      }
      for (const [g, t, p, i] of expired) this.applyTombstone(g, t, p, order + i);
      // A group may have come back to life while the write was in flight.
      for (const g of deadGroups) {
        if (this.groups.get(g)?.is('Empty') === true && !this.offsets.has(g) && !this.pendingTxnOffsets.hasOpenTransactions(g)) this.removeGroup(g);
      }
    });
    if (expired.length > 0) this.logger.info(`Removed ${expired.length} expired offsets`, { partition: this.partition });
    return expired.length;
  }

  // ---- records -----------------------------------------------------------------------------------

  private groupMetadataRecordOf(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>, empty = false): CoordinatorRecord {
    const protocol = empty ? undefined : group.protocolName;
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: protocol ?? null,
      leader: empty ? null : (group.leaderId ?? null),
      currentStateTimestamp: group.currentStateTimestampMs ?? -1,
      members: (empty ? [] : [...group.members.values()]).map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: protocol === undefined ? EMPTY : (m.metadata(protocol) ?? EMPTY),
        assignment: assignment.get(m.memberId) ?? EMPTY,
      })),
    };
    return groupMetadataRecord(group.groupId, value);
  }

  /**
   * Applies one record read from the log (loading), at `recordOffset` (default: right after the
   * previous one), from the batch of `producerId` (-1: not transactional). An offset commit of a
   * transactional batch is pending until its marker (`replayEndTransactionMarker`); a tombstone
   * also drops the partition's pending offsets. Unknown key versions (other protocols) are skipped.
   */
  replay(key: Buffer, value: Buffer | null, recordOffset = this.nextRecordOrder, producerId = -1): void {
    this.nextRecordOrder = Math.max(this.nextRecordOrder, recordOffset + 1);
    const r = decodeRecord(key, value);
    switch (r.type) {
      case 'offset': {
        const { group, topic, partition } = r.key;
        if (r.value === null) {
          this.applyTombstone(group, topic, partition, recordOffset);
          return;
        }
        this.getOrCreateGroup(group);
        const offset: OffsetAndMetadata = {
          committedOffset: r.value.offset,
          leaderEpoch: r.value.leaderEpoch,
          metadata: r.value.metadata,
          commitTimestampMs: r.value.commitTimestamp,
          expireTimestampMs: r.value.expireTimestamp >= 0 ? r.value.expireTimestamp : undefined,
          recordOrder: recordOffset,
        };
        if (producerId >= 0) this.pendingTxnOffsets.add(producerId, group, topic, partition, offset);
        else this.putOffset(group, topic, partition, offset);
        return;
      }
      case 'group': {
        const groupId = r.key.group;
        if (r.value === null) {
          this.groups.delete(groupId);
          return;
        }
        this.groups.set(groupId, groupFromRecord(groupId, r.value));
        return;
      }
      case 'other':
        return;
    }
  }

  /** After loading: members' sessions start now. */
  onLoaded(): void {
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) this.scheduleHeartbeat(group.groupId, m.memberId, m.sessionTimeoutMs);
      if (group.size > this.config.maxSize && group.is('Stable')) this.prepareRebalance(group);
    }
  }

  /** Losing the partition: parked requests answer NOT_COORDINATOR, timers stop, state is dropped. */
  unload(): void {
    if (this.unloaded) return;
    this.unloaded = true;
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) {
        group.completeJoin(m, joinError(ErrorCode.NOT_COORDINATOR, m.memberId));
        group.completeSync(m, syncError(ErrorCode.NOT_COORDINATOR));
      }
      this.cancelTimersOf(group.groupId);
    }
    this.groups.clear();
    this.offsets.clear();
    this.pendingTxnOffsets.clear();
  }
}

function protocolsOf(req: JoinGroupRequest): Protocol[] {
  return req.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
}

function inconsistent(requested: string | null, current: string | undefined): boolean {
  return requested !== null && current !== undefined && requested !== current;
}

function offsetValue(o: OffsetAndMetadata) {
  return {
    offset: o.committedOffset,
    leaderEpoch: o.leaderEpoch,
    metadata: o.metadata,
    commitTimestamp: o.commitTimestampMs,
    expireTimestamp: o.expireTimestampMs ?? -1,
  };
}

/**
 * ClassicGroup.validateOffsetCommit. A transactional commit (TxnOffsetCommit) needs no member
 * without a generation (v0-v2 carry none), and a group completing a rebalance accepts it.
 */
function validateOffsetCommit(group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number, transactional: boolean): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // Generation -1 on an Empty group: an admin client or a standalone consumer.
  if (generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
    const invalid = group.validateMember(memberId, groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!transactional && !group.is('Empty')) {
    // No member id and no generation (v0 style): only accepted while the group is empty.
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  if (!transactional && group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/** ClassicGroup.offsetExpirationCondition: the time an offset's retention counts from, if it may expire. */
function expirationBase(group: ClassicGroup): ((o: OffsetAndMetadata) => number) | undefined {
  if (group.protocolType === undefined) return (o) => o.commitTimestampMs;
  if (group.is('Empty')) {
    const since = group.currentStateTimestampMs;
    return (o) => since ?? o.commitTimestampMs;
  }
  if (group.usesConsumerGroupProtocol() && group.subscribedTopics !== undefined && group.is('Stable')) return (o) => o.commitTimestampMs;
  return undefined;
}

function groupFromRecord(groupId: string, value: GroupMetadataValue): ClassicGroup {
  const g = new ClassicGroup(groupId, value.currentStateTimestamp >= 0 ? value.currentStateTimestamp : undefined);
  g.generationId = value.generation;
  g.protocolType = value.protocolType === '' ? undefined : value.protocolType;
  g.protocolName = value.protocol ?? undefined;
  const protocol = value.protocol;
  for (const m of value.members) {
    const member = new ClassicGroupMember(
      m.memberId,
      m.groupInstanceId,
      m.clientId,
      m.clientHost,
      m.rebalanceTimeout,
      m.sessionTimeout,
      g.protocolType ?? '',
      protocol === null ? [] : [{ name: protocol, metadata: m.subscription }],
    );
    member.assignment = m.assignment;
    g.add(member, undefined);
  }
  g.leaderId = value.leader ?? undefined;
  g.setStateForLoad(g.size === 0 ? 'Empty' : 'Stable');
  g.subscribedTopics = g.computeSubscribedTopics();
  return g;
}

export type { ClassicGroupState };
