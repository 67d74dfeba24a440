import { KafkaError } from '../common/index.js';
import { Apis } from './apis.js';
import type { Cluster } from './cluster.js';
import { responseError } from './errors.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Kafka's special ListOffsets timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
/** KIP-734: the offset of the record with the largest timestamp. */
export const MAX_TIMESTAMP = -3;

export const IsolationLevel = { read_uncommitted: 0, read_committed: 1 } as const;
export type IsolationLevelName = keyof typeof IsolationLevel;

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** `items` by topic (topics in first-seen order, items in order), each mapped by `value`. */
export function groupByTopic<T extends { readonly topic: string }, V>(items: Iterable<T>, value: (item: T) => V): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const item of items) {
    const list = out.get(item.topic);
    if (list === undefined) out.set(item.topic, [value(item)]);
    else list.push(value(item));
  }
  return out;
}

/**
 * Groups partitions by their leader's node id, from metadata (refreshed for unknown topics).
 * Unknown topics or partitions throw UNKNOWN_TOPIC_OR_PARTITION, leaderless ones
 * LEADER_NOT_AVAILABLE — both retriable, so `withRetries` around a caller refreshes and tries again.
 */
export async function groupByLeader<T extends TopicPartition>(cluster: Cluster, items: readonly T[]): Promise<Map<number, T[]>> {
  const topics = [...new Set(items.map((i) => i.topic))];
  await cluster.topics(topics);
  const out = new Map<number, T[]>();
  for (const item of items) {
    const info = cluster.topic(item.topic);
    const p = info?.partitions[item.partition];
    if (info === undefined || p === undefined) {
      cluster.invalidate(item.topic);
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${item.topic}-${item.partition} is not in the cluster metadata`);
    }
    if (p.leader < 0) {
      cluster.invalidate(item.topic);
      throw new KafkaError('LEADER_NOT_AVAILABLE', `${item.topic}-${item.partition} has no leader`);
    }
    let list = out.get(p.leader);
    if (list === undefined) out.set(p.leader, (list = []));
    list.push(item);
  }
  return out;
}

export interface OffsetQuery extends TopicPartition {
  /** Epoch ms, or LATEST_TIMESTAMP / EARLIEST_TIMESTAMP / MAX_TIMESTAMP. */
  readonly timestamp: number;
}

export interface OffsetAnswer extends TopicPartition {
  /** -1 when no record has a timestamp at or after the one asked. */
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

/**
 * ListOffsets to each partition's leader, with retries; answers in query order. Kafka refuses a
 * request naming a partition twice, so repeated partitions go out in successive rounds.
 */
export async function listOffsets(cluster: Cluster, queries: readonly OffsetQuery[], isolation: IsolationLevelName = 'read_uncommitted'): Promise<OffsetAnswer[]> {
  const answers: (OffsetAnswer | undefined)[] = queries.map(() => undefined);
  for (;;) {
    const round = new Map<string, number>();
    queries.forEach((q, i) => {
      const k = tpKey(q.topic, q.partition);
      if (answers[i] === undefined && !round.has(k)) round.set(k, i);
    });
    if (round.size === 0) return answers as OffsetAnswer[];
    const indexes = [...round.values()];
    const got = await cluster.withRetries(() => listOffsetsOnce(cluster, indexes.map((i) => queries[i]!), isolation));
    for (const i of indexes) {
      const q = queries[i]!;
      const a = got.get(tpKey(q.topic, q.partition));
      if (a === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', `ListOffsets: no answer for ${q.topic}-${q.partition}`);
      answers[i] = a;
    }
  }
}

/** One ListOffsets per leader for distinct partitions. */
async function listOffsetsOnce(cluster: Cluster, queries: readonly OffsetQuery[], isolation: IsolationLevelName): Promise<Map<string, OffsetAnswer>> {
  const answers = new Map<string, OffsetAnswer>();
  const groups = await groupByLeader(cluster, queries);
  await Promise.all(
    [...groups].map(async ([leader, list]) => {
      const conn = await cluster.connection(leader);
      const byTopic = groupByTopic(list, (q) => q);
      const response = await conn.send(Apis.ListOffsets, {
        replicaId: -1,
        isolationLevel: IsolationLevel[isolation],
        topics: [...byTopic].map(([name, qs]) => ({
          name,
          partitions: qs.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: q.timestamp, maxNumOffsets: 1 })),
        })),
      });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw responseError(p.errorCode, `ListOffsets ${t.name}-${p.partitionIndex}`);
          answers.set(tpKey(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
        }
      }
    }),
  );
  return answers;
}
