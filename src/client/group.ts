import { ErrorCode, KafkaError, type Cancel } from '../common/index.js';
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type ConsumerSubscription as Subscription,
  type OffsetCommitRequestTopic,
} from '../protocol/index.js';
import { Apis } from './apis.js';
import type { Assignor, AssignorMember } from './assignors.js';
import type { Cluster } from './cluster.js';
import { findCoordinator, isCoordinatorMoved, type CoordinatorNode } from './coordinator.js';
import { delay } from './env.js';
import { ClientClosedError, responseError } from './errors.js';
import { groupByTopic, tpKey, type TopicPartition } from './offsets.js';

/**
 * Called around rebalances, inside `poll()` (as Kafka's ConsumerRebalanceListener). `onPartitionsLost`
 * is for partitions the member no longer owns because its generation ended (it defaults to
 * `onPartitionsRevoked`); do not commit there.
 */
export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** An offset to commit, with Kafka's optional metadata string and leader epoch. */
export interface OffsetAndMetadata extends TopicPartition {
  readonly offset: number;
  readonly metadata?: string | null;
  readonly leaderEpoch?: number;
}

/** A committed offset as OffsetFetch returns it; offset -1 when the group has none for the partition. */
export interface CommittedOffset extends TopicPartition {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

/** What a transactional producer needs to commit offsets on behalf of a group member (KIP-447). */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface GroupSettings {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  /** max.poll.interval.ms: the rebalance timeout, and how long between polls before leaving. */
  readonly maxPollIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly assignors: readonly Assignor[];
  readonly rackId: string | null;
}

/** What the group needs from its consumer. */
export interface GroupHost {
  readonly listener: RebalanceListener | undefined;
  /** The topics subscribed now (a pattern subscription resolved against metadata). */
  subscribedTopics(): readonly string[];
  /** Re-resolves a pattern subscription; true when the topic set changed. */
  refreshPattern(): Promise<boolean>;
  owned(): TopicPartition[];
  removePartitions(tps: readonly TopicPartition[]): void;
  /** New partitions: their positions come from committed offsets, else auto.offset.reset. */
  addPartitions(tps: readonly TopicPartition[]): void;
  /** Auto-commit (if enabled) of the consumed positions of partitions about to be revoked. */
  commitBeforeRevoke(tps: readonly TopicPartition[]): Promise<void>;
}

type JoinOutcome =
  | { readonly ok: true; readonly generationId: number; readonly memberId: string; readonly protocolName: string; readonly assigned: readonly TopicPartition[] }
  | { readonly ok: false; readonly error: unknown };

/** Errors after which the member cannot go on: they are thrown from `poll()`. */
const FATAL_JOIN_ERRORS = new Set<number>([
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  ErrorCode.GROUP_MAX_SIZE_REACHED,
  ErrorCode.INVALID_SESSION_TIMEOUT,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.INVALID_GROUP_ID,
  ErrorCode.UNSUPPORTED_VERSION,
]);

/**
 * A consumer's side of a classic consumer group (Kafka's ConsumerCoordinator): finds the group's
 * coordinator, joins (JoinGroup with KIP-394 member ids, SyncGroup; the leader runs the assignor the
 * group chose), heartbeats in the background, and rejoins when the coordinator, a heartbeat, a
 * commit or a metadata change says so. Rebalance callbacks run only inside `poll()`; the network
 * part of a join runs in the background so a cooperative member keeps fetching meanwhile.
 */
export class ConsumerGroup {
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  private coordinator: CoordinatorNode | undefined;
  private state: 'unjoined' | 'joining' | 'stable' = 'unjoined';
  private rejoinNeeded = true;
  private needsJoinPrepare = true;
  /** The generation ended behind our back (heartbeat/commit said so): owned partitions are lost. */
  private generationLost = false;
  private joining: Promise<JoinOutcome> | undefined;
  private joinOutcome: JoinOutcome | undefined;
  private fatal: unknown;
  private heartbeatTimer: Cancel | undefined;
  private lastPollMs: number;
  private nextMetadataCheckMs = 0;
  /** Partition counts the last assignment was computed (leader) or joined (member) with. */
  private snapshot = new Map<string, number>();
  /** Whether `snapshot` is the leader's (all the group's topics) from the join just done. */
  private isLeaderSnapshot = false;
  private closed = false;
  readonly protocol: 'eager' | 'cooperative';

  constructor(
    private readonly cluster: Cluster,
    readonly settings: GroupSettings,
    private readonly host: GroupHost,
  ) {
    if (settings.assignors.length === 0) throw new RangeError('partitionAssignmentStrategy: at least one assignor is needed');
    // Kafka: cooperative only when every configured assignor supports it.
    this.protocol = settings.assignors.every((a) => a.protocol === 'cooperative') ? 'cooperative' : 'eager';
    this.lastPollMs = cluster.env.clock.monotonicMs();
  }

  get isStable(): boolean {
    return this.state === 'stable' && !this.rejoinNeeded;
  }

  metadata(): ConsumerGroupMetadata {
    return { groupId: this.settings.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.settings.groupInstanceId };
  }

  /** Asks for a rebalance at the next poll (subscription changed, partitions revoked, ...). */
  requestRejoin(): void {
    this.rejoinNeeded = true;
  }

  /**
   * Drives membership from `poll()`: prepares and starts a join when one is needed, waits up to
   * `timeoutMs` for it, and applies a finished one (listeners run here). True when the member is
   * stable with its assignment applied.
   */
  async poll(timeoutMs: number): Promise<boolean> {
    if (this.closed) throw new ClientClosedError('the consumer is closed');
    this.lastPollMs = this.cluster.env.clock.monotonicMs();
    if (this.fatal !== undefined) throw this.fatal;
    if (this.state === 'stable' && !this.rejoinNeeded) {
      await this.maybeCheckMetadata();
      if (!this.rejoinNeeded) return true;
    }
    if (this.joining === undefined) {
      if (this.needsJoinPrepare) {
        this.needsJoinPrepare = false;
        await this.onJoinPrepare();
      }
      this.state = 'joining';
      this.stopHeartbeat();
      this.joinOutcome = undefined;
      const j = this.joinLoop();
      this.joining = j;
      void j.then((o) => {
        if (this.joining === j) this.joinOutcome = o;
      });
    }
    if (this.joinOutcome === undefined && timeoutMs > 0) {
      let cancel: Cancel | undefined;
      await Promise.race([this.joining, new Promise<void>((resolve) => (cancel = this.cluster.env.scheduler.schedule(timeoutMs, resolve)))]);
      cancel?.();
      // Let the `then` above record the outcome.
      await Promise.resolve();
    }
    const outcome = this.joinOutcome;
    if (outcome === undefined) return false;
    this.joining = undefined;
    this.joinOutcome = undefined;
    if (!outcome.ok) {
      this.state = 'unjoined';
      this.fatal = outcome.error;
      throw outcome.error;
    }
    await this.onJoinComplete(outcome);
    return !this.rejoinNeeded;
  }

  /** Leaves the group (dynamic members; static ones stay until their session ends, as in Kafka). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.state === 'stable' || this.host.owned().length > 0) await this.onLeavePrepare();
    } finally {
      await this.leave('the consumer is being closed');
      this.closed = true;
      this.stopHeartbeat();
    }
  }

  /** Stops membership (unsubscribe): revoke, leave, forget the generation. */
  async unsubscribe(): Promise<void> {
    if (this.host.owned().length > 0) await this.onLeavePrepare();
    await this.leave('the consumer unsubscribed');
    this.needsJoinPrepare = true;
    this.rejoinNeeded = true;
  }

  // ---- commits and committed offsets ----

  /**
   * One OffsetCommit to the coordinator. In a group the member's generation and id go along (the
   * coordinator refuses a member of an older generation); `standalone` commits (manual assignment)
   * use generation -1, which Kafka accepts only while the group has no members.
   */
  async commit(offsets: readonly OffsetAndMetadata[], standalone: boolean): Promise<void> {
    if (offsets.length === 0) return;
    if (!standalone && this.state !== 'stable') {
      if (this.state === 'joining') throw new KafkaError('REBALANCE_IN_PROGRESS', `commit of group ${this.settings.groupId}: a rebalance is in progress; poll() to complete it, then commit again`);
      throw new KafkaError('ILLEGAL_GENERATION', `commit of group ${this.settings.groupId}: the member is not part of an active generation`);
    }
    const node = await this.ensureCoordinator();
    let response;
    try {
      const conn = await this.cluster.coordinatorConnection(node);
      response = await conn.send(Apis.OffsetCommit, {
        groupId: this.settings.groupId,
        generationIdOrMemberEpoch: standalone ? -1 : this.generationId,
        memberId: standalone ? '' : this.memberId,
        groupInstanceId: standalone ? null : this.settings.groupInstanceId,
        retentionTimeMs: -1,
        topics: offsetCommitTopics(offsets),
      });
    } catch (e) {
      throw this.noteCoordinatorError(e);
    }
    let failure: KafkaError | undefined;
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === 0) continue;
        failure ??= this.commitError(p.errorCode, `committing ${t.name}-${p.partitionIndex} for group ${this.settings.groupId}`);
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** The group's committed offsets for these partitions (OffsetFetch, require_stable). */
  async committed(tps: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    if (tps.length === 0) return [];
    const node = await this.ensureCoordinator();
    try {
      const conn = await this.cluster.coordinatorConnection(node);
      const found = await fetchOffsets(conn, this.settings.groupId, tps, true);
      return tps.map((tp) => found.get(tpKey(tp.topic, tp.partition)) ?? { ...tp, offset: -1, leaderEpoch: -1, metadata: null });
    } catch (e) {
      throw this.noteCoordinatorError(e);
    }
  }

  // ---- the rebalance ----

  private async onJoinPrepare(): Promise<void> {
    const owned = this.host.owned();
    if (owned.length === 0) {
      this.generationLost = false;
      return;
    }
    if (this.generationLost) {
      this.generationLost = false;
      this.host.removePartitions(owned);
      await this.invokeLost(owned);
      return;
    }
    const revoke = this.protocol === 'eager' ? owned : owned.filter((tp) => !this.host.subscribedTopics().includes(tp.topic));
    if (revoke.length === 0) return;
    await this.safely(() => this.host.commitBeforeRevoke(revoke));
    this.host.removePartitions(revoke);
    await this.invoke('onPartitionsRevoked', revoke);
  }

  private async onJoinComplete(outcome: Extract<JoinOutcome, { ok: true }>): Promise<void> {
    this.generationId = outcome.generationId;
    this.memberId = outcome.memberId;
    this.protocolName = outcome.protocolName;
    this.state = 'stable';
    this.needsJoinPrepare = true;
    this.startHeartbeat();
    const assignedKeys = new Set(outcome.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const owned = this.host.owned();
    const ownedKeys = new Set(owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = owned.filter((tp) => !assignedKeys.has(tpKey(tp.topic, tp.partition)));
    const added = outcome.assigned.filter((tp) => !ownedKeys.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      await this.safely(() => this.host.commitBeforeRevoke(revoked));
      this.host.removePartitions(revoked);
      await this.invoke('onPartitionsRevoked', revoked);
      // KIP-429: what we gave up goes to its new owner in a follow-up rebalance.
      if (this.protocol === 'cooperative') this.rejoinNeeded = true;
    }
    this.host.addPartitions(added);
    if (!this.isLeaderSnapshot) await this.takeMemberSnapshot();
    this.isLeaderSnapshot = false;
    this.nextMetadataCheckMs = this.cluster.env.clock.monotonicMs() + this.cluster.options.metadataMaxAgeMs;
    await this.invoke('onPartitionsAssigned', added);
  }

  private async onLeavePrepare(): Promise<void> {
    const owned = this.host.owned();
    if (owned.length === 0) return;
    if (this.generationLost || this.state !== 'stable') {
      this.host.removePartitions(owned);
      await this.invokeLost(owned);
      return;
    }
    await this.safely(() => this.host.commitBeforeRevoke(owned));
    this.host.removePartitions(owned);
    await this.invoke('onPartitionsRevoked', owned);
  }

  /** JoinGroup + SyncGroup until an assignment or a fatal error; never rejects. */
  private async joinLoop(): Promise<JoinOutcome> {
    this.rejoinNeeded = false;
    for (;;) {
      if (this.closed || this.cluster.isClosed) return { ok: false, error: new ClientClosedError('the consumer is closed') };
      try {
        await this.host.refreshPattern();
        const outcome = await this.joinOnce();
        if (outcome !== undefined) return { ok: true, ...outcome };
      } catch (e) {
        // A fatal KafkaError, or anything not a KafkaError (ClientClosedError too), ends the join; the rest retry.
        if (!(e instanceof KafkaError) || FATAL_JOIN_ERRORS.has(e.code)) return { ok: false, error: e };
        this.noteCoordinatorError(e);
        this.cluster.env.logger.debug('group join attempt failed; retrying', { group: this.settings.groupId, error: e.name });
        await delay(this.cluster.env, this.cluster.options.retryBackoffMs);
      }
    }
  }

  /** One JoinGroup (+ SyncGroup) round; undefined when it must simply be repeated. */
  private async joinOnce(): Promise<{ generationId: number; memberId: string; protocolName: string; assigned: TopicPartition[] } | undefined> {
    const node = await this.ensureCoordinator();
    const conn = await this.cluster.coordinatorConnection(node);
    const owned = this.host.owned();
    const topics = [...this.host.subscribedTopics()].sort();
    const s = this.settings;
    const joinTimeout = Math.max(this.cluster.options.requestTimeoutMs, s.maxPollIntervalMs + 5000);
    const joined = await conn.send(
      Apis.JoinGroup,
      {
        groupId: s.groupId,
        sessionTimeoutMs: s.sessionTimeoutMs,
        rebalanceTimeoutMs: s.maxPollIntervalMs,
        memberId: this.memberId,
        groupInstanceId: s.groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: s.assignors.map((a) => ({
          name: a.name,
          metadata: encodeSubscription({
            topics,
            userData: a.subscriptionUserData?.(owned, this.generationId) ?? null,
            ownedPartitions: owned,
            generationId: this.generationId,
            rackId: s.rackId,
          }),
        })),
        reason: null,
      },
      { timeoutMs: joinTimeout },
    );
    switch (joined.errorCode) {
      case 0:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator gave us an id; join again with it.
        this.memberId = joined.memberId;
        return undefined;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.memberId = '';
        this.generationId = -1;
        return undefined;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return undefined;
      default:
        throw responseError(joined.errorCode, `JoinGroup of ${s.groupId}`);
    }
    this.memberId = joined.memberId;
    const protocolName = joined.protocolName ?? s.assignors[0]!.name;
    const assignor = s.assignors.find((a) => a.name === protocolName);
    if (assignor === undefined) throw new KafkaError('INCONSISTENT_GROUP_PROTOCOL', `group ${s.groupId} chose assignor ${protocolName}, which this consumer does not have`);
    const assignments = joined.leader === joined.memberId && !joined.skipAssignment ? await this.assign(assignor, joined.members) : [];
    const synced = await conn.send(
      Apis.SyncGroup,
      {
        groupId: s.groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: s.groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName,
        assignments,
      },
      { timeoutMs: joinTimeout },
    );
    switch (synced.errorCode) {
      case 0:
        break;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.memberId = '';
        this.generationId = -1;
        return undefined;
      case ErrorCode.ILLEGAL_GENERATION:
        this.generationId = -1;
        return undefined;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return undefined;
      default:
        throw responseError(synced.errorCode, `SyncGroup of ${s.groupId}`);
    }
    return { generationId: joined.generationId, memberId: joined.memberId, protocolName, assigned: [...decodeAssignment(synced.assignment).partitions] };
  }

  /** The leader's part: every member's subscription, fresh metadata, the assignor's answer. */
  private async assign(assignor: Assignor, members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const decoded: AssignorMember[] = members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, subscription: safeDecodeSubscription(m.metadata) }));
    const topics = [...new Set(decoded.flatMap((m) => m.subscription.topics))];
    const infos = await this.cluster.topics(topics, { force: true });
    const counts = new Map<string, number>();
    for (const t of infos) if (!t.isInternal || topics.includes(t.name)) counts.set(t.name, t.partitions.length);
    const result = assignor.assign(decoded, counts);
    this.snapshot = counts;
    this.isLeaderSnapshot = true;
    return decoded.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment({ partitions: result.get(m.memberId) ?? [], userData: null }) }));
  }

  private async takeMemberSnapshot(): Promise<void> {
    try {
      const infos = await this.cluster.topics(this.host.subscribedTopics());
      this.snapshot = new Map(infos.map((t) => [t.name, t.partitions.length]));
    } catch (e) {
      this.cluster.env.logger.debug('group metadata snapshot failed', { group: this.settings.groupId, error: String(e) });
    }
  }

  /**
   * Every metadata.max.age.ms: a pattern subscription is re-resolved, and partition counts of the
   * topics the assignment was computed with are compared; a change means a rebalance.
   */
  private async maybeCheckMetadata(): Promise<void> {
    const now = this.cluster.env.clock.monotonicMs();
    if (now < this.nextMetadataCheckMs) return;
    this.nextMetadataCheckMs = now + this.cluster.options.metadataMaxAgeMs;
    try {
      if (await this.host.refreshPattern()) {
        this.rejoinNeeded = true;
        return;
      }
      const topics = [...new Set([...this.snapshot.keys(), ...this.host.subscribedTopics()])];
      const infos = await this.cluster.topics(topics, { force: true });
      const now = new Map(infos.map((t) => [t.name, t.partitions.length]));
      for (const t of topics) {
        if ((now.get(t) ?? 0) !== (this.snapshot.get(t) ?? 0)) {
          this.cluster.env.logger.info('partitions of a subscribed topic changed; rebalancing', { group: this.settings.groupId, topic: t });
          this.rejoinNeeded = true;
          return;
        }
      }
    } catch (e) {
      this.cluster.env.logger.debug('group metadata check failed', { group: this.settings.groupId, error: String(e) });
    }
  }

  // ---- heartbeats ----

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const generation = this.generationId;
    const tick = () => {
      this.heartbeatTimer = undefined;
      void this.heartbeat(generation).then(() => {
        if (!this.closed && this.state === 'stable' && this.generationId === generation && this.heartbeatTimer === undefined) {
          this.heartbeatTimer = this.cluster.env.scheduler.schedule(this.settings.heartbeatIntervalMs, tick);
        }
      });
    };
    this.heartbeatTimer = this.cluster.env.scheduler.schedule(this.settings.heartbeatIntervalMs, tick);
  }

  private stopHeartbeat(): void {
    this.heartbeatTimer?.();
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(generation: number): Promise<void> {
    if (this.closed || this.state !== 'stable' || this.generationId !== generation) return;
    const now = this.cluster.env.clock.monotonicMs();
    if (now - this.lastPollMs > this.settings.maxPollIntervalMs) {
      // Kafka's poll timeout: the application stopped polling, so the member leaves and its
      // partitions go to others; the next poll joins again.
      this.cluster.env.logger.warn('max.poll.interval.ms passed without a poll; leaving the group', { group: this.settings.groupId });
      await this.leave('consumer poll timeout has expired');
      this.generationLost = true;
      this.rejoinNeeded = true;
      return;
    }
    try {
      const node = await this.ensureCoordinator();
      const conn = await this.cluster.coordinatorConnection(node);
      const r = await conn.send(Apis.Heartbeat, {
        groupId: this.settings.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.settings.groupInstanceId,
      });
      if (this.generationId !== generation) return;
      switch (r.errorCode) {
        case 0:
          return;
        case ErrorCode.REBALANCE_IN_PROGRESS:
          this.rejoinNeeded = true;
          return;
        case ErrorCode.ILLEGAL_GENERATION:
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.FENCED_INSTANCE_ID:
          this.resetGeneration(r.errorCode);
          return;
        default:
          this.noteCoordinatorError(responseError(r.errorCode, 'Heartbeat'));
      }
    } catch (e) {
      this.noteCoordinatorError(e);
    }
  }

  // ---- helpers ----

  private resetGeneration(code: number): void {
    if (code === ErrorCode.FENCED_INSTANCE_ID) this.fatal = responseError(code, `group ${this.settings.groupId}`);
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.FENCED_INSTANCE_ID) this.memberId = '';
    this.generationId = -1;
    this.generationLost = true;
    this.rejoinNeeded = true;
    this.state = 'unjoined';
    this.stopHeartbeat();
  }

  private commitError(code: number, context: string): KafkaError {
    const e = responseError(code, context);
    switch (code) {
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.FENCED_INSTANCE_ID:
        this.resetGeneration(code);
        return new KafkaError(code, `${context}: the group has rebalanced and this member's partitions may have moved (${e.message})`);
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.rejoinNeeded = true;
        return e;
      default:
        return this.noteCoordinatorError(e) as KafkaError;
    }
  }

  private async ensureCoordinator(): Promise<CoordinatorNode> {
    if (this.coordinator !== undefined) return this.coordinator;
    const found = await findCoordinator(this.cluster, 'group', this.settings.groupId);
    this.coordinator = found;
    return found;
  }

  /** Forgets the coordinator when `e` says it moved or is unreachable; returns `e`. */
  private noteCoordinatorError(e: unknown): unknown {
    if (isCoordinatorMoved(e)) this.coordinator = undefined;
    return e;
  }

  private async leave(reason: string): Promise<void> {
    const wasMember = this.memberId !== '' && this.settings.groupInstanceId === null && this.coordinator !== undefined;
    const memberId = this.memberId;
    this.stopHeartbeat();
    this.state = 'unjoined';
    if (this.settings.groupInstanceId === null) {
      this.memberId = '';
      this.generationId = -1;
    }
    if (!wasMember || this.cluster.isClosed) return;
    try {
      const conn = await this.cluster.coordinatorConnection(this.coordinator!);
      const version = conn.versionOf(Apis.LeaveGroup);
      await conn.send(
        Apis.LeaveGroup,
        { groupId: this.settings.groupId, memberId, members: [{ memberId, groupInstanceId: null, reason }] },
        { version },
      );
    } catch (e) {
      this.cluster.env.logger.debug('LeaveGroup failed', { group: this.settings.groupId, error: String(e) });
    }
  }

  private async invoke(callback: 'onPartitionsRevoked' | 'onPartitionsAssigned', tps: TopicPartition[]): Promise<void> {
    const l = this.host.listener;
    const fn = l?.[callback];
    if (fn === undefined) return;
    await this.safely(() => fn.call(l, tps));
  }

  private async invokeLost(tps: TopicPartition[]): Promise<void> {
    const l = this.host.listener;
    if (l?.onPartitionsLost !== undefined) await this.safely(() => l.onPartitionsLost!(tps));
    else await this.invoke('onPartitionsRevoked', tps);
  }

  /** A listener or auto-commit failing must not wedge the rebalance: log it and go on. */
  private async safely(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.cluster.env.logger.error('rebalance callback failed', { group: this.settings.groupId, error: String(e) });
    }
  }
}

function safeDecodeSubscription(buf: Buffer): Subscription {
  try {
    return decodeSubscription(buf);
  } catch {
    return { topics: [], userData: null, ownedPartitions: [], generationId: -1, rackId: null };
  }
}

/** OffsetCommit's topics for these offsets (commit time -1: the broker stamps them). */
export function offsetCommitTopics(offsets: readonly OffsetAndMetadata[]): OffsetCommitRequestTopic[] {
  return [
    ...groupByTopic(offsets, (o) => ({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch ?? -1,
      commitTimestamp: -1,
      committedMetadata: o.metadata ?? '',
    })),
  ].map(([name, partitions]) => ({ name, partitions }));
}

/**
 * OffsetFetch for one group (v8+ batches groups; older versions name one). Partitions without a
 * committed offset are absent from the result. Group-level errors throw.
 */
export async function fetchOffsets(
  conn: import('./connection.js').Connection,
  groupId: string,
  tps: readonly TopicPartition[] | null,
  requireStable: boolean,
): Promise<Map<string, CommittedOffset>> {
  const version = conn.versionOf(Apis.OffsetFetch);
  const byTopic = groupByTopic(tps ?? [], (tp) => tp.partition);
  const topics = tps === null ? null : [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  const r = await conn.send(
    Apis.OffsetFetch,
    { groupId, topics, groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable: requireStable && version >= 7 },
    { version },
  );
  const out = new Map<string, CommittedOffset>();
  const take = (name: string, ps: readonly { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[]) => {
    for (const p of ps) {
      if (p.errorCode !== 0) throw responseError(p.errorCode, `OffsetFetch of group ${groupId} for ${name}-${p.partitionIndex}`);
      if (p.committedOffset < 0) continue;
      out.set(tpKey(name, p.partitionIndex), { topic: name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata });
    }
  };
  if (version >= 8) {
    const g = r.groups.find((x) => x.groupId === groupId);
    if (g === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', `OffsetFetch: no answer for group ${groupId}`);
    if (g.errorCode !== 0) throw responseError(g.errorCode, `OffsetFetch of group ${groupId}`);
    for (const t of g.topics) take(t.name, t.partitions);
  } else {
    if (r.errorCode !== 0) throw responseError(r.errorCode, `OffsetFetch of group ${groupId}`);
    for (const t of r.topics) take(t.name, t.partitions);
  }
  return out;
}
