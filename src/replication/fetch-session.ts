import { ErrorCode } from '../common/index.js';
import { FETCH_SESSION_EVICTION_MS, MAX_SESSION_PARTITIONS } from './limits.js';

/** KIP-227 epochs: 0 opens a session, -1 (FINAL) fetches without one (closing the named one). */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** Session id meaning "no session". */
export const INVALID_SESSION_ID = 0;

/** What a fetch asks of one partition (a session remembers it between incremental fetches). */
export interface FetchPartitionSpec {
  topic: string;
  /** Zero uuid when the request names topics (before v13). */
  topicId: string;
  partition: number;
  fetchOffset: number;
  /** Follower's log start offset (-1 from consumers). */
  logStartOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
}

/**
 * The per-partition facts a response carries that decide whether an incremental response lists it
 * (a fetch's partition result has them: no copy per fetch).
 */
export interface FetchedFacts {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** The records read; only their length matters. */
  readonly records: { readonly length: number };
  /** Non-null when the read found a diverging epoch. */
  readonly divergingEpoch: object | null;
}

interface CachedPartition extends FetchPartitionSpec {
  /** Last values sent to the client (-1 = never). */
  sentHighWatermark: number;
  sentLastStableOffset: number;
  sentLogStartOffset: number;
}

interface FetchSession {
  readonly id: number;
  epoch: number;
  readonly usesTopicIds: boolean;
  readonly partitions: Map<string, CachedPartition>;
  lastUsedMs: number;
}

/** A fetch opened against the session cache: what to read and which results to answer with. */
export interface FetchReadContext {
  readonly kind: 'full' | 'incremental';
  /** Session id to answer with (0: none). */
  readonly sessionId: number;
  /** Partitions to read, in response order. */
  readonly partitions: readonly FetchPartitionSpec[];
  /**
   * Whether `partitions[index]` goes in the response, given what was read for it; the session
   * remembers what the client has now seen. Called once per partition when the fetch answers.
   */
  listed(index: number, facts: FetchedFacts): boolean;
}

/** The outcome of opening a fetch against the session cache. */
export type FetchContext = { readonly kind: 'error'; readonly errorCode: number } | FetchReadContext;

export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  readonly usesTopicIds: boolean;
  readonly partitions: readonly FetchPartitionSpec[];
  /** Forgotten partitions (incremental fetches), as (topic or topic id, partition). */
  readonly forgotten: ReadonlyArray<{ topic: string; topicId: string; partition: number }>;
}

function keyOf(usesTopicIds: boolean, topic: string, topicId: string, partition: number): string {
  return `${usesTopicIds ? topicId : topic}:${partition}`;
}

/**
 * KIP-227 incremental fetch sessions: Kafka's FetchSessionCache. A full fetch with epoch 0 opens a
 * session (if a slot is free or an idle one can be evicted); later fetches name the session and the
 * next epoch and send only changes (new or updated partitions, forgotten ones), and the response
 * lists only partitions with news: records, an error, or a moved high watermark, last stable offset
 * or log start offset. Bounded by max.incremental.fetch.session.cache.slots sessions of at most
 * MAX_SESSION_PARTITIONS partitions each.
 */
export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private readonly random: () => number;
  private counter = 0;

  constructor(
    private readonly slots: () => number,
    private readonly nowMs: () => number,
    random?: () => number,
  ) {
    this.random = random ?? (() => ((this.counter = (this.counter * 1103515245 + 12345) >>> 0) / 0x1_0000_0000));
  }

  get size(): number {
    return this.sessions.size;
  }

  newContext(req: FetchSessionRequest): FetchContext {
    const now = this.nowMs();
    if (req.sessionEpoch === FINAL_EPOCH) {
      if (req.sessionId !== INVALID_SESSION_ID) this.sessions.delete(req.sessionId);
      return this.sessionless(req.partitions);
    }
    if (req.sessionEpoch === INITIAL_EPOCH) {
      // Kafka: an initial fetch naming a session closes it and opens a new one.
      if (req.sessionId !== INVALID_SESSION_ID) this.sessions.delete(req.sessionId);
      const session = this.create(req, now);
      if (session === undefined) return this.sessionless(req.partitions);
      return new FullSessionContext(session, req.partitions);
    }
    const session = this.sessions.get(req.sessionId);
    if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== req.sessionEpoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    if (session.usesTopicIds !== req.usesTopicIds) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
    for (const f of req.forgotten) session.partitions.delete(keyOf(session.usesTopicIds, f.topic, f.topicId, f.partition));
    for (const p of req.partitions) {
      const key = keyOf(session.usesTopicIds, p.topic, p.topicId, p.partition);
      const c = session.partitions.get(key);
      if (c !== undefined) Object.assign(c, p);
      else if (session.partitions.size < MAX_SESSION_PARTITIONS) session.partitions.set(key, fresh(p));
    }
    session.epoch = nextEpoch(session.epoch);
    session.lastUsedMs = now;
    return new IncrementalContext(session.id, [...session.partitions.values()]);
  }

  private sessionless(partitions: readonly FetchPartitionSpec[]): FetchContext {
    return new SessionlessContext(partitions);
  }

  private create(req: FetchSessionRequest, now: number): FetchSession | undefined {
    const capacity = this.slots();
    if (capacity <= 0 || req.partitions.length > MAX_SESSION_PARTITIONS) return undefined;
    if (this.sessions.size >= capacity && !this.evictOne(now)) return undefined;
    const partitions = new Map<string, CachedPartition>();
    for (const p of req.partitions) partitions.set(keyOf(req.usesTopicIds, p.topic, p.topicId, p.partition), fresh(p));
    const session: FetchSession = { id: this.newId(), epoch: 1, usesTopicIds: req.usesTopicIds, partitions, lastUsedMs: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Evicts the least recently used session if it has been idle long enough (Kafka's rule, without its size preference). */
  private evictOne(now: number): boolean {
    let lru: FetchSession | undefined;
    for (const s of this.sessions.values()) if (lru === undefined || s.lastUsedMs < lru.lastUsedMs) lru = s;
    if (lru === undefined || now - lru.lastUsedMs < FETCH_SESSION_EVICTION_MS) return false;
    this.sessions.delete(lru.id);
    return true;
  }

  private newId(): number {
    for (;;) {
      const id = 1 + Math.floor(this.random() * 0x7ffffffe);
      if (!this.sessions.has(id)) return id;
    }
  }
}

/*
 * The three kinds of fetch context are classes rather than object literals with a closure: one
 * object per fetch instead of three, for consumers that fetch once per record.
 */

/** A fetch without a session (epoch -1, or no slot free): every partition is listed. */
class SessionlessContext implements FetchReadContext {
  readonly kind = 'full';
  readonly sessionId = INVALID_SESSION_ID;

  constructor(readonly partitions: readonly FetchPartitionSpec[]) {}

  listed(): boolean {
    return true;
  }
}

/** The full fetch that opened a session: every partition is listed, and remembered as sent. */
class FullSessionContext implements FetchReadContext {
  readonly kind = 'full';
  readonly sessionId: number;

  constructor(
    private readonly session: FetchSession,
    readonly partitions: readonly FetchPartitionSpec[],
  ) {
    this.sessionId = session.id;
  }

  listed(index: number, facts: FetchedFacts): boolean {
    const p = this.partitions[index];
    const c = p === undefined ? undefined : this.session.partitions.get(keyOf(this.session.usesTopicIds, p.topic, p.topicId, p.partition));
    if (c !== undefined) remember(c, facts);
    return true;
  }
}

/** An incremental fetch: reads every partition of the session, lists those with news. */
class IncrementalContext implements FetchReadContext {
  readonly kind = 'incremental';
  readonly partitions: readonly FetchPartitionSpec[];

  constructor(
    readonly sessionId: number,
    private readonly cached: readonly CachedPartition[],
  ) {
    // Copies: the session's entries change with the next request while this one may still wait.
    this.partitions = cached.map(specOf);
  }

  listed(index: number, f: FetchedFacts): boolean {
    const c = this.cached[index]!;
    const changed =
      f.errorCode !== ErrorCode.NONE ||
      f.records.length > 0 ||
      f.divergingEpoch !== null ||
      f.highWatermark !== c.sentHighWatermark ||
      f.lastStableOffset !== c.sentLastStableOffset ||
      f.logStartOffset !== c.sentLogStartOffset;
    remember(c, f);
    return changed;
  }
}

function fresh(p: FetchPartitionSpec): CachedPartition {
  return { ...p, sentHighWatermark: -1, sentLastStableOffset: -1, sentLogStartOffset: -1 };
}

function specOf(c: CachedPartition): FetchPartitionSpec {
  return {
    topic: c.topic,
    topicId: c.topicId,
    partition: c.partition,
    fetchOffset: c.fetchOffset,
    logStartOffset: c.logStartOffset,
    partitionMaxBytes: c.partitionMaxBytes,
    currentLeaderEpoch: c.currentLeaderEpoch,
    lastFetchedEpoch: c.lastFetchedEpoch,
  };
}

function remember(c: CachedPartition, f: FetchedFacts): void {
  c.sentHighWatermark = f.highWatermark;
  c.sentLastStableOffset = f.lastStableOffset;
  c.sentLogStartOffset = f.logStartOffset;
}

/** Session epochs wrap from Int32 max to 1 (0 and -1 are reserved). */
function nextEpoch(epoch: number): number {
  return epoch >= 0x7fffffff ? 1 : epoch + 1;
}
