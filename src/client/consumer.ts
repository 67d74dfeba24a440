import { ErrorCode, KafkaError, ZERO_UUID } from '../common/index.js';
import {
  ControlRecordType,
  iterateBatches,
  parseControlRecordType,
  type FetchRequest,
  type FetchResponsePartitionData,
  type RecordBatch,
} from '../protocol/index.js';
import { Apis } from './apis.js';
import { ASSIGNORS, type Assignor } from './assignors.js';
import type { Cluster } from './cluster.js';
import { delay } from './env.js';
import { ClientClosedError, IllegalStateError, invalidatesMetadata, isRetriable, responseError } from './errors.js';
import {
  ConsumerGroup,
  type CommittedOffset,
  type ConsumerGroupMetadata,
  type GroupHost,
  type OffsetAndMetadata,
  type RebalanceListener,
} from './group.js';
import {
  EARLIEST_TIMESTAMP,
  IsolationLevel,
  LATEST_TIMESTAMP,
  groupByLeader,
  groupByTopic,
  listOffsets,
  tpKey,
  type IsolationLevelName,
  type TopicPartition,
} from './offsets.js';

export interface ConsumerRecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record as the consumer hands it out. Key, value and header values are copies the caller may keep. */
export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly ConsumerRecordHeader[];
  /** The partition leader epoch the batch was written in (-1 if unknown). */
  readonly leaderEpoch: number;
}

export type OffsetResetPolicy = 'earliest' | 'latest' | 'none';

/** Where to start reading: an offset, the log's start or end, or the first record at/after a time. */
export type SeekTarget = number | 'earliest' | 'latest' | { readonly timestamp: number };

/** The consumer's settings, named after Kafka's consumer configs. */
export interface ConsumerConfig {
  /** auto.offset.reset: where a partition without a position starts. Default 'latest'. */
  readonly autoOffsetReset?: OffsetResetPolicy;
  /** isolation.level. Default 'read_uncommitted'. */
  readonly isolationLevel?: IsolationLevelName;
  /** fetch.min.bytes. Default 1. */
  readonly fetchMinBytes?: number;
  /** fetch.max.bytes. Default 52428800. */
  readonly fetchMaxBytes?: number;
  /** max.partition.fetch.bytes. Default 1048576. */
  readonly maxPartitionFetchBytes?: number;
  /** fetch.max.wait.ms. Default 500. */
  readonly fetchMaxWaitMs?: number;
  /** max.poll.records. Default 500. */
  readonly maxPollRecords?: number;
  /** client.rack, sent with fetches (KIP-392) and in group subscriptions. */
  readonly rackId?: string;
  /** group.id: needed by `subscribe` and by commits. */
  readonly groupId?: string;
  /** group.instance.id: a static member (KIP-345), which keeps its partitions across restarts within the session timeout. */
  readonly groupInstanceId?: string;
  /** session.timeout.ms. Default 45000. */
  readonly sessionTimeoutMs?: number;
  /** heartbeat.interval.ms. Default 3000. */
  readonly heartbeatIntervalMs?: number;
  /** max.poll.interval.ms: the rebalance timeout, and the longest gap between polls before the member leaves. Default 300000. */
  readonly maxPollIntervalMs?: number;
  /** partition.assignment.strategy, by preference: names ('range', 'roundrobin', 'sticky', 'cooperative-sticky') or assignors. Default ['range', 'cooperative-sticky']. */
  readonly partitionAssignmentStrategy?: readonly (string | Assignor)[];
  /** enable.auto.commit. Default true when groupId is set. */
  readonly enableAutoCommit?: boolean;
  /** auto.commit.interval.ms. Default 5000. */
  readonly autoCommitIntervalMs?: number;
  /** default.api.timeout.ms: how long commitSync and committed keep retrying. Default 60000. */
  readonly defaultApiTimeoutMs?: number;
}

type SubscriptionState = { readonly kind: 'topics'; readonly topics: readonly string[] } | { readonly kind: 'pattern'; readonly pattern: RegExp; topics: readonly string[] };

/** Java's ConsumerConfig default: [RangeAssignor, CooperativeStickyAssignor]. */
const DEFAULT_ASSIGNORS = ['range', 'cooperative-sticky'];

function resolveAssignors(list: readonly (string | Assignor)[]): Assignor[] {
  return list.map((a) => {
    if (typeof a !== 'string') return a;
    const found = ASSIGNORS.find((x) => x.name === a);
    if (found === undefined) throw new RangeError(`partitionAssignmentStrategy: unknown assignor "${a}" (known: ${ASSIGNORS.map((x) => x.name).join(', ')})`);
    return found;
  });
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Next offset handed to the application (consumed position); undefined until reset. */
  position: number | undefined;
  /** Where to start reading when the position is unknown. */
  pendingSeek: SeekTarget | undefined;
  /** Next offset to fetch (past what is buffered). */
  fetchOffset: number;
  /** The position as commits see it: past the records the application has been handed. */
  consumed: number | undefined;
  /** Assigned by the group: start from the committed offset, if the group has one. */
  fromCommitted: boolean;
  buffered: ConsumerRecord[];
  paused: boolean;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

/**
 * Reads partitions it was assigned (`assign`), from a position set by `seek` or by
 * auto.offset.reset, with `poll()` or as an async iterator. Fetches go to each partition's leader
 * (no fetch sessions yet: every fetch is a full one); batches are split into records here,
 * control records skipped, and aborted transactions filtered under read_committed. Group
 * membership (subscribe) and commits arrive with the group coordinator.
 */
export class Consumer implements AsyncIterable<ConsumerRecord> {
  private readonly states = new Map<string, PartitionState>();
  private readonly resetPolicy: OffsetResetPolicy;
  private readonly isolation: IsolationLevelName;
  private readonly fetchMinBytes: number;
  private readonly fetchMaxBytes: number;
  private readonly maxPartitionFetchBytes: number;
  private readonly fetchMaxWaitMs: number;
  private readonly maxPollRecords: number;
  private closed = false;
  private readonly group: ConsumerGroup | undefined;
  private subscriptionState: SubscriptionState | undefined;
  private listener: RebalanceListener | undefined;
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly defaultApiTimeoutMs: number;
  private nextAutoCommitMs = 0;
  private asyncCommits: Promise<void> = Promise.resolve();

  constructor(private readonly cluster: Cluster, private readonly config: ConsumerConfig = {}) {
    this.resetPolicy = config.autoOffsetReset ?? 'latest';
    this.isolation = config.isolationLevel ?? 'read_uncommitted';
    this.fetchMinBytes = config.fetchMinBytes ?? 1;
    this.fetchMaxBytes = config.fetchMaxBytes ?? 52_428_800;
    this.maxPartitionFetchBytes = config.maxPartitionFetchBytes ?? 1_048_576;
    this.fetchMaxWaitMs = config.fetchMaxWaitMs ?? 500;
    this.maxPollRecords = Math.max(1, config.maxPollRecords ?? 500);
    this.autoCommit = config.groupId !== undefined && (config.enableAutoCommit ?? true);
    this.autoCommitIntervalMs = config.autoCommitIntervalMs ?? 5000;
    this.defaultApiTimeoutMs = config.defaultApiTimeoutMs ?? 60_000;
    if (config.groupId !== undefined) {
      if (config.groupId === '') throw new RangeError('groupId must not be empty');
      const consumer = this;
      const host: GroupHost = {
        get listener() {
          return consumer.listener;
        },
        subscribedTopics: () => this.subscriptionState?.topics ?? [],
        refreshPattern: () => this.refreshPattern(),
        owned: () => this.assignment(),
        removePartitions: (tps) => {
          for (const tp of tps) this.states.delete(tpKey(tp.topic, tp.partition));
        },
        addPartitions: (tps) => {
          for (const tp of tps) {
            const k = tpKey(tp.topic, tp.partition);
            if (!this.states.has(k)) this.states.set(k, { ...newState(tp), fromCommitted: true });
          }
        },
        commitBeforeRevoke: async (tps) => {
          if (!this.autoCommit) return;
          const keys = new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)));
          await this.commitSync(this.allConsumed().filter((o) => keys.has(tpKey(o.topic, o.partition))));
        },
      };
      this.group = new ConsumerGroup(
        cluster,
        {
          groupId: config.groupId,
          groupInstanceId: config.groupInstanceId ?? null,
          sessionTimeoutMs: config.sessionTimeoutMs ?? 45_000,
          heartbeatIntervalMs: config.heartbeatIntervalMs ?? 3000,
          maxPollIntervalMs: config.maxPollIntervalMs ?? 300_000,
          assignors: resolveAssignors(config.partitionAssignmentStrategy ?? DEFAULT_ASSIGNORS),
          rackId: config.rackId ?? null,
        },
        host,
      );
    }
  }

  /**
   * Joins the consumer group (groupId) for these topics, or for every topic matching a pattern
   * (checked again every metadata.max.age.ms). Partitions arrive through rebalances, driven by
   * `poll()`; `listener` hears of them. Calling it again changes the subscription (a rebalance).
   */
  subscribe(topics: readonly string[] | RegExp, listener?: RebalanceListener): void {
    this.assertOpen();
    if (this.group === undefined) throw new KafkaError('INVALID_GROUP_ID', 'subscribe needs a groupId in the consumer config');
    if (this.subscriptionState === undefined && this.states.size > 0) throw new IllegalStateError('subscribe: the consumer has a manual assignment; unassign first (assign([]))');
    if (listener !== undefined) this.listener = listener;
    if (topics instanceof RegExp) {
      const pattern = new RegExp(topics.source, topics.flags.replace(/[gy]/g, ''));
      this.subscriptionState = { kind: 'pattern', pattern, topics: [] };
    } else {
      if (topics.length === 0) throw new RangeError('subscribe: no topics (use unsubscribe() to leave)');
      this.subscriptionState = { kind: 'topics', topics: [...new Set(topics)].sort() };
    }
    this.group.requestRejoin();
  }

  /** Leaves the group: partitions are revoked (committing first with auto-commit) and the member leaves. */
  async unsubscribe(): Promise<void> {
    if (this.group === undefined || this.subscriptionState === undefined) return;
    await this.group.unsubscribe();
    this.subscriptionState = undefined;
    this.states.clear();
  }

  /** The subscribed topics (for a pattern, those it matched at the last check). */
  subscription(): string[] {
    return [...(this.subscriptionState?.topics ?? [])];
  }

  /** groupId, generation and member id, for a transactional producer's sendOffsetsToTransaction. */
  groupMetadata(): ConsumerGroupMetadata {
    if (this.group === undefined) throw new KafkaError('INVALID_GROUP_ID', 'groupMetadata needs a groupId in the consumer config');
    return this.group.metadata();
  }

  /**
   * Commits offsets (default: the position of every assigned partition, i.e. past the records
   * handed out) and waits, retrying retriable failures for default.api.timeout.ms. In a group, a
   * commit from a member whose generation ended fails (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
   * REBALANCE_IN_PROGRESS): its partitions may belong to another member now.
   */
  async commitSync(offsets?: readonly OffsetAndMetadata[]): Promise<void> {
    const group = this.requireGroup('commitSync');
    const list = offsets ?? this.allConsumed();
    validateOffsets(list);
    await this.withApiTimeout(() => group.commit(list, this.subscriptionState === undefined));
  }

  /**
   * Commits without waiting, once (no retries, so commits never land out of order); commits are
   * sent in call order. `callback` hears the outcome; without one, failures are logged.
   */
  commitAsync(offsets?: readonly OffsetAndMetadata[], callback?: (error: Error | undefined, offsets: readonly OffsetAndMetadata[]) => void): void {
    const group = this.requireGroup('commitAsync');
    const list = offsets ?? this.allConsumed();
    validateOffsets(list);
    const standalone = this.subscriptionState === undefined;
    this.asyncCommits = this.asyncCommits.then(
      () =>
        group.commit(list, standalone).then(
          () => callback?.(undefined, list),
          (e: unknown) => {
            const error = e instanceof Error ? e : new Error(String(e));
            if (callback !== undefined) callback(error, list);
            else this.cluster.env.logger.warn('async offset commit failed', { group: group.settings.groupId, error: error.message });
          },
        ),
    );
  }

  /** The group's committed offsets for these partitions (offset -1: none). */
  async committed(tps: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    const group = this.requireGroup('committed');
    return this.withApiTimeout(() => group.committed(tps));
  }

  /** Replaces the assignment. Partitions kept keep their position. */
  assign(partitions: readonly TopicPartition[]): void {
    this.assertOpen();
    if (this.subscriptionState !== undefined) throw new IllegalStateError('assign: the consumer is subscribed to a group; unsubscribe first');
    const keep = new Map<string, PartitionState>();
    for (const tp of partitions) {
      const k = tpKey(tp.topic, tp.partition);
      keep.set(k, this.states.get(k) ?? newState(tp));
    }
    this.states.clear();
    for (const [k, s] of keep) this.states.set(k, s);
  }

  assignment(): TopicPartition[] {
    return [...this.states.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Sets where `poll` continues for a partition (resolved against the broker at the next poll). */
  seek(tp: TopicPartition, target: SeekTarget): void {
    const s = this.state(tp);
    s.buffered = [];
    if (typeof target === 'number') {
      if (!Number.isInteger(target) || target < 0) throw new RangeError(`seek offset must be a non-negative integer, not ${target}`);
      s.position = target;
      s.consumed = target;
      s.fetchOffset = target;
      s.pendingSeek = undefined;
    } else {
      s.position = undefined;
      s.consumed = undefined;
      s.pendingSeek = target;
    }
    s.fromCommitted = false;
  }

  seekToBeginning(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.seek(tp, 'earliest');
  }

  seekToEnd(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.seek(tp, 'latest');
  }

  /** The offset of the next record `poll` will return for the partition (resolving a seek if needed). */
  async position(tp: TopicPartition): Promise<number> {
    const s = this.state(tp);
    if (s.position === undefined) await this.resolvePositions([s]);
    return s.position!;
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = true;
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = false;
  }

  paused(): TopicPartition[] {
    return [...this.states.values()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** The high watermark the last fetch saw for the partition (-1 before any fetch). */
  highWatermark(tp: TopicPartition): number {
    return this.state(tp).highWatermark;
  }

  /**
   * Returns the next records (at most max.poll.records), waiting up to `timeoutMs` for some to
   * arrive; an empty array when none did.
   */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    return this.pollRecords(timeoutMs, true);
  }

  private async pollRecords(timeoutMs: number, markConsumed: boolean): Promise<ConsumerRecord[]> {
    this.assertOpen();
    const clock = this.cluster.env.clock;
    const deadline = clock.monotonicMs() + timeoutMs;
    for (;;) {
      if (this.group !== undefined) {
        if (this.subscriptionState !== undefined) {
          const fetching = [...this.states.values()].some((s) => !s.paused);
          // While partitions are fetchable (cooperative rebalances), the join runs in the background.
          await this.group.poll(fetching ? 0 : Math.max(0, deadline - clock.monotonicMs()));
        }
        this.maybeAutoCommit();
      }
      const ready = this.takeBuffered(markConsumed);
      if (ready.length > 0) return ready;
      const remaining = deadline - clock.monotonicMs();
      if (this.closed) return [];
      const fetchable = [...this.states.values()].filter((s) => !s.paused);
      if (fetchable.length === 0) {
        if (remaining > 0) await delay(this.cluster.env, Math.min(remaining, 100));
        if (clock.monotonicMs() >= deadline) return [];
        continue;
      }
      try {
        await this.fetchOnce(fetchable, Math.max(0, Math.min(this.fetchMaxWaitMs, remaining)));
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        if (invalidatesMetadata(e.code)) this.cluster.invalidate();
        await delay(this.cluster.env, this.cluster.options.retryBackoffMs);
      }
      if (clock.monotonicMs() >= deadline) return this.takeBuffered(markConsumed);
    }
  }

  /** Records one at a time, until the consumer is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    while (!this.closed) {
      const records = await this.pollRecords(this.fetchMaxWaitMs, false);
      for (const r of records) {
        // Commits count a record as consumed once the loop body had it.
        const s = this.states.get(tpKey(r.topic, r.partition));
        if (s === undefined) continue; // revoked meanwhile
        s.consumed = r.offset + 1;
        yield r;
        if (this.closed) return;
      }
    }
  }

  /** Stops the consumer and closes its connections. An iterator in progress ends. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.asyncCommits;
      if (this.group !== undefined && this.subscriptionState !== undefined) await this.group.close();
      else if (this.autoCommit && this.states.size > 0) await this.commitSync();
    } catch (e) {
      this.cluster.env.logger.warn('consumer close: final commit or leave failed', { error: String(e) });
    } finally {
      this.closed = true;
      this.cluster.close();
    }
  }

  private requireGroup(what: string): ConsumerGroup {
    this.assertOpen();
    if (this.group === undefined) throw new KafkaError('INVALID_GROUP_ID', `${what} needs a groupId in the consumer config`);
    return this.group;
  }

  /** The consumed position of every assigned partition that has one. */
  private allConsumed(): OffsetAndMetadata[] {
    const out: OffsetAndMetadata[] = [];
    for (const s of this.states.values()) if (s.consumed !== undefined) out.push({ topic: s.topic, partition: s.partition, offset: s.consumed });
    return out;
  }

  private maybeAutoCommit(): void {
    if (!this.autoCommit || this.group === undefined) return;
    const now = this.cluster.env.clock.monotonicMs();
    if (now < this.nextAutoCommitMs) return;
    this.nextAutoCommitMs = now + this.autoCommitIntervalMs;
    if (this.subscriptionState !== undefined && !this.group.isStable) return;
    const offsets = this.allConsumed();
    if (offsets.length > 0) this.commitAsync(offsets);
  }

  /** Retries retriable failures (coordinator moves, lost connections) until default.api.timeout.ms. */
  private async withApiTimeout<T>(op: () => Promise<T>): Promise<T> {
    const clock = this.cluster.env.clock;
    const deadline = clock.monotonicMs() + this.defaultApiTimeoutMs;
    for (;;) {
      try {
        return await op();
      } catch (e) {
        if (!isRetriable(e) || this.cluster.isClosed || clock.monotonicMs() + this.cluster.options.retryBackoffMs >= deadline) throw e;
        await delay(this.cluster.env, this.cluster.options.retryBackoffMs);
      }
    }
  }

  private async refreshPattern(): Promise<boolean> {
    const sub = this.subscriptionState;
    if (sub === undefined || sub.kind !== 'pattern') return false;
    const all = await this.cluster.allTopics();
    const matched = all
      .filter((t) => !t.isInternal && sub.pattern.test(t.name))
      .map((t) => t.name)
      .sort();
    const changed = matched.length !== sub.topics.length || matched.some((t, i) => t !== sub.topics[i]);
    sub.topics = matched;
    return changed;
  }

  /** Partitions the group assigned start at the group's committed offset when it has one. */
  private async applyCommitted(states: readonly PartitionState[]): Promise<void> {
    const group = this.group;
    const todo = states.filter((s) => s.fromCommitted && s.position === undefined && s.pendingSeek === undefined);
    if (group === undefined || todo.length === 0) return;
    const got = await this.withApiTimeout(() => group.committed(todo));
    got.forEach((c, i) => {
      const s = todo[i]!;
      s.fromCommitted = false;
      if (c.offset < 0 || s.position !== undefined || s.pendingSeek !== undefined) return;
      s.position = c.offset;
      s.consumed = c.offset;
      s.fetchOffset = c.offset;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('the consumer is closed');
  }

  private state(tp: TopicPartition): PartitionState {
    const s = this.states.get(tpKey(tp.topic, tp.partition));
    if (s === undefined) throw new RangeError(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return s;
  }

  private takeBuffered(markConsumed: boolean): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const s of this.states.values()) {
      if (s.paused || s.buffered.length === 0) continue;
      const n = Math.min(s.buffered.length, this.maxPollRecords - out.length);
      const taken = s.buffered.splice(0, n);
      for (const r of taken) out.push(r);
      s.position = taken[taken.length - 1]!.offset + 1;
      // Everything fetched is handed out: trailing control or aborted batches are passed too (Kafka's
      // consumer positions after a commit marker, not on it).
      if (s.buffered.length === 0 && s.fetchOffset > s.position) s.position = s.fetchOffset;
      if (markConsumed) s.consumed = s.position;
      if (out.length >= this.maxPollRecords) break;
    }
    return out;
  }

  /** Resolves seeks and resets by ListOffsets. */
  private async resolvePositions(all: readonly PartitionState[]): Promise<void> {
    await this.applyCommitted(all);
    const states = all.filter((s) => s.position === undefined);
    if (states.length === 0) return;
    const queries = [];
    for (const s of states) {
      let target = s.pendingSeek;
      if (target === undefined) {
        if (this.resetPolicy === 'none') {
          throw new KafkaError('OFFSET_OUT_OF_RANGE', `no position for ${s.topic}-${s.partition} and auto.offset.reset is none`);
        }
        target = this.resetPolicy;
      }
      const timestamp = target === 'earliest' ? EARLIEST_TIMESTAMP : target === 'latest' ? LATEST_TIMESTAMP : typeof target === 'number' ? target : target.timestamp;
      queries.push({ topic: s.topic, partition: s.partition, timestamp });
    }
    const answers = await listOffsets(this.cluster, queries, this.isolation);
    answers.forEach((a, i) => {
      const s = states[i]!;
      // A time past the last record: Kafka answers -1, and the consumer goes to the end.
      s.pendingSeek = a.offset < 0 ? 'latest' : undefined;
      if (a.offset < 0) return;
      s.position = a.offset;
      s.consumed = a.offset;
      s.fetchOffset = a.offset;
    });
    const unresolved = states.filter((s) => s.position === undefined);
    if (unresolved.length > 0) await this.resolvePositions(unresolved);
  }

  private async fetchOnce(states: readonly PartitionState[], maxWaitMs: number): Promise<void> {
    const unpositioned = states.filter((s) => s.position === undefined);
    if (unpositioned.length > 0) await this.resolvePositions(unpositioned);
    const wanted = states.filter((s) => s.buffered.length === 0 && s.position !== undefined && this.states.get(tpKey(s.topic, s.partition)) === s);
    if (wanted.length === 0) return;
    const groups = await groupByLeader(this.cluster, wanted);
    await Promise.all([...groups].map(([leader, list]) => this.fetchFrom(leader, list, maxWaitMs)));
  }

  private async fetchFrom(leader: number, states: readonly PartitionState[], maxWaitMs: number): Promise<void> {
    const conn = await this.cluster.connection(leader);
    const version = conn.versionOf(Apis.Fetch);
    const byTopic = groupByTopic(states, (s) => s);
    const request: FetchRequest = {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs,
      minBytes: this.fetchMinBytes,
      maxBytes: this.fetchMaxBytes,
      isolationLevel: IsolationLevel[this.isolation],
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        topicId: this.cluster.topic(topic)?.topicId ?? ZERO_UUID,
        partitions: list.map((s) => ({
          partition: s.partition,
          currentLeaderEpoch: -1,
          fetchOffset: s.fetchOffset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: this.maxPartitionFetchBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      })),
      forgottenTopicsData: [],
      rackId: this.config.rackId ?? '',
    };
    const response = await conn.send(Apis.Fetch, request, { version, timeoutMs: this.cluster.options.requestTimeoutMs + maxWaitMs });
    if (response.errorCode !== 0) throw responseError(response.errorCode, `Fetch from broker ${leader}`);
    const asked = new Set(states);
    let stale: KafkaError | undefined;
    for (const t of response.responses) {
      const topic = version >= 13 ? this.cluster.topicNameOf(t.topicId) : t.topic;
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const s = this.states.get(tpKey(topic, p.partitionIndex));
        // The assignment changed or a seek happened while the fetch was out: drop its answer.
        if (s === undefined || !asked.has(s) || s.buffered.length > 0 || s.position === undefined) continue;
        const error = this.onPartitionData(s, p);
        if (error !== undefined) stale = error;
      }
    }
    if (stale !== undefined) throw stale;
  }

  /** Takes one partition's answer; returns a retriable error for the caller to back off on. */
  private onPartitionData(s: PartitionState, p: FetchResponsePartitionData): KafkaError | undefined {
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.resetPolicy === 'none') throw responseError(p.errorCode, `fetching ${s.topic}-${s.partition} at ${s.fetchOffset}`);
      s.position = undefined;
      s.pendingSeek = undefined;
      return undefined;
    }
    if (p.errorCode !== 0) {
      const error = responseError(p.errorCode, `fetching ${s.topic}-${s.partition}`);
      if (!error.retriable) throw error;
      this.cluster.invalidate(s.topic);
      return error;
    }
    s.highWatermark = p.highWatermark;
    s.lastStableOffset = p.lastStableOffset;
    s.logStartOffset = p.logStartOffset;
    if (p.records === null || p.records.length === 0) return undefined;
    // Kafka's read_committed filter: aborted transactions (sorted by first offset) become active
    // as batches reach them, and end at their producer's ABORT marker.
    const aborted = this.isolation === 'read_committed' ? [...(p.abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset) : undefined;
    const activeAborted = new Set<number>();
    for (const batch of iterateBatches(p.records)) {
      if (batch.nextOffset <= s.fetchOffset) continue;
      while (aborted !== undefined && aborted.length > 0 && aborted[0]!.firstOffset <= batch.lastOffset) {
        activeAborted.add(aborted.shift()!.producerId);
      }
      if (batch.isControl) {
        if (aborted !== undefined && isAbortMarker(batch)) activeAborted.delete(batch.producerId);
        s.fetchOffset = batch.nextOffset;
        continue;
      }
      if (aborted !== undefined && batch.isTransactional && activeAborted.has(batch.producerId)) {
        s.fetchOffset = batch.nextOffset;
        continue;
      }
      for (const r of batch.records()) {
        if (r.offset < s.fetchOffset) continue;
        s.buffered.push({
          topic: s.topic,
          partition: s.partition,
          offset: r.offset,
          timestamp: r.timestamp,
          timestampType: batch.timestampType === 1 ? 'LogAppendTime' : 'CreateTime',
          key: copy(r.key),
          value: copy(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: copy(h.value) })),
          leaderEpoch: batch.partitionLeaderEpoch,
        });
      }
      s.fetchOffset = batch.nextOffset;
    }
    if (s.buffered.length === 0 && s.position !== undefined && s.fetchOffset > s.position) {
      // Only control or aborted batches: nothing to hand out, but the position moves past them.
      s.position = s.fetchOffset;
      s.consumed = s.fetchOffset;
    }
    return undefined;
  }
}

function newState(tp: TopicPartition): PartitionState {
  return {
    topic: tp.topic,
    partition: tp.partition,
    position: undefined,
    pendingSeek: undefined,
    fetchOffset: 0,
    consumed: undefined,
    fromCommitted: false,
    buffered: [],
    paused: false,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
  };
}

function isAbortMarker(batch: RecordBatch): boolean {
  for (const r of batch.records()) return parseControlRecordType(r.key) === ControlRecordType.ABORT;
  return false;
}

/** Records are views into the response buffer; copies let the caller keep a record without pinning the whole answer. */
function copy(b: Buffer | null): Buffer | null {
  return b === null ? null : Buffer.from(b);
}

function validateOffsets(offsets: readonly OffsetAndMetadata[]): void {
  for (const o of offsets) {
    if (!Number.isInteger(o.offset) || o.offset < 0) throw new RangeError(`commit offset of ${o.topic}-${o.partition} must be a non-negative integer, not ${o.offset}`);
  }
}
