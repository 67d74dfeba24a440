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

/** The per-partition facts a response carries that decide whether an incremental response lists it. */
export interface FetchedFacts {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  readonly recordsBytes: number;
  readonly diverging: boolean;
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

/** The outcome of opening a fetch against the session cache. */
export type FetchContext =
  | { readonly kind: 'error'; readonly errorCode: number }
  | {
      readonly kind: 'full' | 'incremental';
      /** Session id to answer with (0: none). */
      readonly sessionId: number;
      /** Partitions to read, in response order. */
      readonly partitions: readonly FetchPartitionSpec[];
      /** Which of `partitions` the response lists, given what was read (updates the session). */
      select(facts: readonly FetchedFacts[]): boolean[];
    };

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
      return {
        kind: 'full',
        sessionId: session.id,
        partitions: req.partitions,
        select: (facts) => {
          facts.forEach((f, i) => {
            const p = req.partitions[i];
            const c = p === undefined ? undefined : session.partitions.get(keyOf(session.usesTopicIds, p.topic, p.topicId, p.partition));
            if (c !== undefined) remember(c, f);
          });
          return facts.map(() => true);
        },
      };
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
    const cached = [...session.partitions.values()];
    return {
      kind: 'incremental',
      sessionId: session.id,
      partitions: cached.map(specOf),
      select: (facts) =>
        facts.map((f, i) => {
          const c = cached[i]!;
          const changed =
            f.errorCode !== ErrorCode.NONE ||
            f.recordsBytes > 0 ||
            f.diverging ||
            f.highWatermark !== c.sentHighWatermark ||
            f.lastStableOffset !== c.sentLastStableOffset ||
            f.logStartOffset !== c.sentLogStartOffset;
          remember(c, f);
          return changed;
        }),
    };
  }

  private sessionless(partitions: readonly FetchPartitionSpec[]): FetchContext {
    return { kind: 'full', sessionId: INVALID_SESSION_ID, partitions, select: (facts) => facts.map(() => true) };
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
