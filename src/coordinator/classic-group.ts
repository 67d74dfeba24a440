import { ErrorCode, assert } from '../common/index.js';
import { CONSUMER_PROTOCOL_TYPE, DecodeError, decodeSubscription } from '../protocol/index.js';
import type { JoinGroupResponse, SyncGroupResponse } from '../protocol/index.js';

/** Kafka's ClassicGroupState; the strings are what DescribeGroups and ListGroups report. */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Which states each state may be entered from (Kafka's validPreviousStates). */
const VALID_PREVIOUS: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const UNKNOWN_MEMBER_ID = '';
const EMPTY = Buffer.alloc(0);

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export type JoinCallback = (response: JoinGroupResponse) => void;
export type SyncCallback = (response: SyncGroupResponse) => void;

/** A classic group's member: Kafka's ClassicGroupMember. */
export class ClassicGroupMember {
  assignment: Buffer = EMPTY;
  awaitingJoin: JoinCallback | undefined;
  awaitingSync: SyncCallback | undefined;
  /** A member added by a JoinGroup that has not seen a JoinGroup response yet. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: readonly Protocol[],
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== undefined;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== undefined;
  }

  /** Metadata for `protocol`, undefined if the member does not support it. */
  metadata(protocol: string): Buffer | undefined {
    return this.protocols.find((p) => p.name === protocol)?.metadata;
  }

  /** Same protocols with the same metadata, in the same order. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata));
  }

  /** Kafka: new members may expire while awaiting join; members awaiting a rebalance satisfy heartbeats. */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  /** The first of this member's protocols that is a candidate (its vote). */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    assert(p !== undefined, 'member does not support any of the candidate protocols');
    return p.name;
  }
}

/**
 * A classic (JoinGroup/SyncGroup) group: Kafka's ClassicGroup. Pure state and its invariants; the
 * protocol logic that drives it lives in GroupCoordinatorShard.
 *
 * Invariants: `numMembersAwaitingJoin` counts members with a JoinGroup callback; `leaderId` is a
 * member (or undefined when there are none); static members map instance id → member id 1:1;
 * pending members (KIP-394: assigned an id, not yet rejoined) are never members.
 */
export class ClassicGroup {
  private stateValue: ClassicGroupState = 'Empty';
  previousState: ClassicGroupState = 'Empty';
  currentStateTimestampMs: number | undefined;
  generationId = 0;
  protocolType: string | undefined;
  protocolName: string | undefined;
  leaderId: string | undefined;
  readonly members = new Map<string, ClassicGroupMember>();
  readonly staticMembers = new Map<string, string>();
  readonly pendingJoinMembers = new Set<string>();
  readonly pendingSyncMembers = new Set<string>();
  numMembersAwaitingJoin = 0;
  /** Set while the initial (delayed) rebalance is running and a new member joined: the delay extends. */
  newMemberAdded = false;
  /** Topics the members subscribe to (consumer protocol), undefined when unknown. */
  subscribedTopics: Set<string> | undefined;

  constructor(
    readonly groupId: string,
    nowMs: number | undefined,
  ) {
    this.currentStateTimestampMs = nowMs;
  }

  get state(): ClassicGroupState {
    return this.stateValue;
  }

  is(state: ClassicGroupState): boolean {
    return this.stateValue === state;
  }

  transitionTo(state: ClassicGroupState, nowMs: number): void {
    assert(VALID_PREVIOUS[state].includes(this.stateValue), `group ${this.groupId}: illegal transition ${this.stateValue} -> ${state}`);
    this.previousState = this.stateValue;
    this.stateValue = state;
    this.currentStateTimestampMs = nowMs;
  }

  /** Loading from the log: no transition checks. */
  setStateForLoad(state: ClassicGroupState): void {
    this.stateValue = state;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.stateValue);
  }

  get size(): number {
    return this.members.size;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const m = this.members.get(memberId);
    assert(m !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return m;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  add(member: ClassicGroupMember, callback: JoinCallback | undefined): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === undefined) this.leaderId = member.memberId;
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.members.set(member.memberId, member);
    if (callback !== undefined) {
      member.awaitingJoin = callback;
      this.numMembersAwaitingJoin++;
    }
    this.pendingJoinMembers.delete(member.memberId);
  }

  /** Removes a member (or a pending member); the leader passes to the next member. */
  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member !== undefined) {
      this.members.delete(memberId);
      if (member.isAwaitingJoin) this.numMembersAwaitingJoin--;
      member.awaitingJoin = undefined;
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value;
  }

  addPendingMember(memberId: string): void {
    this.pendingJoinMembers.add(memberId);
  }

  /**
   * A static member rejoined with a new member id: the old id is fenced (its waiting join/sync answered
   * FENCED_INSTANCE_ID) and replaced, keeping the old member's state and assignment.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    assert(old !== undefined, `cannot replace unknown static member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    this.completeJoin(old, fencedJoin(oldMemberId));
    this.completeSync(old, { throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    const member = new ClassicGroupMember(
      newMemberId,
      old.groupInstanceId,
      old.clientId,
      old.clientHost,
      old.rebalanceTimeoutMs,
      old.sessionTimeoutMs,
      old.protocolType,
      old.protocols,
    );
    member.assignment = old.assignment;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  updateMember(member: ClassicGroupMember, protocols: readonly Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, callback: JoinCallback | undefined): void {
    member.protocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (callback !== undefined && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (callback === undefined && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoin = callback;
  }

  /** Answers a member's waiting JoinGroup; returns whether there was one. */
  completeJoin(member: ClassicGroupMember, response: JoinGroupResponse): boolean {
    const cb = member.awaitingJoin;
    if (cb === undefined) return false;
    member.awaitingJoin = undefined;
    this.numMembersAwaitingJoin--;
    cb(response);
    return true;
  }

  completeSync(member: ClassicGroupMember, response: SyncGroupResponse): boolean {
    const cb = member.awaitingSync;
    if (cb === undefined) return false;
    member.awaitingSync = undefined;
    cb(response);
    return true;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingJoinMembers.size === 0;
  }

  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** The largest rebalance timeout of the members (Kafka's group rebalance timeout). */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** If the leader has not rejoined, the first member that has becomes leader. False if none has. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === undefined) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin === true) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Kafka's supportsProtocols: an empty group takes any non-empty set; else the type must match and a protocol be shared by all. */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Protocols every member supports. */
  private candidateProtocols(): Set<string> {
    let candidates: Set<string> | undefined;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      candidates = candidates === undefined ? names : new Set([...candidates].filter((n) => names.has(n)));
    }
    return candidates ?? new Set();
  }

  /** Each member votes for its most preferred candidate; the most votes win (ties: the earliest voted). */
  selectProtocol(): string {
    assert(this.members.size > 0, 'cannot select a protocol for an empty group');
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  initNextGeneration(nowMs: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = undefined;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', nowMs);
    }
    this.pendingSyncMembers.clear();
  }

  /** Topics of the members' subscriptions in the selected protocol, for "consumer" groups only. */
  computeSubscribedTopics(): Set<string> | undefined {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return undefined;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === undefined) return undefined;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const meta = m.metadata(this.protocolName);
      const parsed = meta === undefined ? undefined : subscribedTopicsOf(meta);
      if (parsed === undefined) return undefined;
      for (const t of parsed) topics.add(t);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics?.has(topic) ?? false;
  }

  usesConsumerGroupProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** Kafka's validateMember: static members by instance id (another id → FENCED_INSTANCE_ID), dynamic by id. */
  validateMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      return ErrorCode.NONE;
    }
    return this.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Members as the leader's JoinGroup response lists them (metadata of the selected protocol). */
  currentMembersForLeader(): Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }> {
    const protocol = this.protocolName;
    assert(protocol !== undefined, 'no protocol selected');
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) ?? EMPTY }));
  }
}

export function fencedJoin(memberId: string): JoinGroupResponse {
  return joinError(ErrorCode.FENCED_INSTANCE_ID, memberId);
}

export function joinError(errorCode: number, memberId: string): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

/**
 * A member's subscribed topics, or undefined when its metadata does not parse: a member's bad bytes
 * make the group's topics unknown (as in Kafka), never an exception in the coordinator.
 */
function subscribedTopicsOf(metadata: Buffer): readonly string[] | undefined {
  try {
    return decodeSubscription(metadata).topics;
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}
