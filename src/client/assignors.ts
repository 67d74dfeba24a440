import { Reader, Writer, sizeOfString, type ConsumerSubscription as Subscription } from '../protocol/index.js';
import { groupByTopic, tpKey, type TopicPartition } from './offsets.js';

/** A group member as the leader's assignor sees it. */
export interface AssignorMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly subscription: Subscription;
}

/**
 * Computes a group's assignment on its leader. Names are the wire names Kafka's Java client and
 * librdkafka use, so a group may mix clients as long as they share a protocol.
 */
export interface Assignor {
  readonly name: 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky' | (string & {});
  /** 'cooperative': members give up only partitions that move (KIP-429); 'eager': all, every rebalance. */
  readonly protocol: 'eager' | 'cooperative';
  /** Extra data this member adds to its subscription (sticky: its previous assignment). */
  subscriptionUserData?(owned: readonly TopicPartition[], generationId: number): Buffer | null;
  assign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]>;
}

/** Kafka's member order: by group.instance.id when both have one, static members first, then member id. */
function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return a.groupInstanceId < b.groupInstanceId ? -1 : a.groupInstanceId > b.groupInstanceId ? 1 : 0;
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function emptyAssignment(members: readonly AssignorMember[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

function subscribedTopics(members: readonly AssignorMember[], counts: ReadonlyMap<string, number>): string[] {
  return [...new Set(members.flatMap((m) => m.subscription.topics))].filter((t) => counts.has(t)).sort();
}

/** Kafka's RangeAssignor: per topic, consecutive ranges, the first members getting one extra. */
export const RangeAssignor: Assignor = {
  name: 'range',
  protocol: 'eager',
  assign(members, counts) {
    const out = emptyAssignment(members);
    for (const topic of subscribedTopics(members, counts)) {
      const consumers = members.filter((m) => m.subscription.topics.includes(topic)).sort(compareMembers);
      const n = counts.get(topic)!;
      const per = Math.floor(n / consumers.length);
      const extra = n % consumers.length;
      consumers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) out.get(m.memberId)!.push({ topic, partition: p });
      });
    }
    return out;
  },
};

/** Kafka's RoundRobinAssignor: all partitions in topic order dealt to members in turn (skipping those not subscribed). */
export const RoundRobinAssignor: Assignor = {
  name: 'roundrobin',
  protocol: 'eager',
  assign(members, counts) {
    const out = emptyAssignment(members);
    const ordered = [...members].sort(compareMembers);
    if (ordered.length === 0) return out;
    let next = 0;
    for (const topic of subscribedTopics(members, counts)) {
      for (let p = 0; p < counts.get(topic)!; p++) {
        for (let tries = 0; tries < ordered.length; tries++) {
          const m = ordered[next % ordered.length]!;
          next++;
          if (m.subscription.topics.includes(topic)) {
            out.get(m.memberId)!.push({ topic, partition: p });
            break;
          }
        }
      }
    }
    return out;
  },
};

/**
 * Balanced and sticky: members keep what they owned (from the subscription's owned partitions, or
 * the StickyAssignor user data of older clients) as far as balance allows; the rest goes to the
 * least loaded eligible member; then partitions move from the most to the least loaded member
 * until no move helps. Not Kafka's exact choices, but the same guarantees (balance, stickiness).
 */
function stickyAssign(members: readonly AssignorMember[], counts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const ordered = [...members].sort(compareMembers);
  const out = new Map<string, TopicPartition[]>(ordered.map((m) => [m.memberId, []]));
  const eligible = (m: AssignorMember, topic: string) => m.subscription.topics.includes(topic);
  const all: TopicPartition[] = [];
  for (const topic of subscribedTopics(members, counts)) for (let p = 0; p < counts.get(topic)!; p++) all.push({ topic, partition: p });
  // Previous owners: the newest generation wins a partition claimed twice.
  const owner = new Map<string, { memberId: string; generation: number }>();
  for (const m of ordered) {
    const previous = ownedOf(m);
    for (const tp of previous.partitions) {
      if ((counts.get(tp.topic) ?? 0) <= tp.partition || !eligible(m, tp.topic)) continue;
      const k = tpKey(tp.topic, tp.partition);
      const had = owner.get(k);
      if (had === undefined || previous.generation > had.generation) owner.set(k, { memberId: m.memberId, generation: previous.generation });
      else if (previous.generation === had.generation) owner.delete(k); // a conflict: nobody keeps it
    }
  }
  const total = all.length;
  const quota = ordered.length === 0 ? 0 : Math.ceil(total / ordered.length);
  const unassigned: TopicPartition[] = [];
  for (const tp of all) {
    const o = owner.get(tpKey(tp.topic, tp.partition));
    const list = o === undefined ? undefined : out.get(o.memberId);
    if (list !== undefined && list.length < quota) list.push(tp);
    else unassigned.push(tp);
  }
  const load = (id: string) => out.get(id)!.length;
  for (const tp of unassigned) {
    const candidates = ordered.filter((m) => eligible(m, tp.topic));
    if (candidates.length === 0) continue;
    const target = candidates.reduce((a, b) => (load(b.memberId) < load(a.memberId) ? b : a));
    out.get(target.memberId)!.push(tp);
  }
  // Rebalance: move from the most loaded member to a less loaded eligible one while it helps.
  for (let guard = 0; guard < total * ordered.length + 1; guard++) {
    let moved = false;
    const byLoad = [...ordered].sort((a, b) => load(b.memberId) - load(a.memberId));
    for (const heavy of byLoad) {
      const list = out.get(heavy.memberId)!;
      for (let i = list.length - 1; i >= 0 && !moved; i--) {
        const tp = list[i]!;
        const light = ordered.filter((m) => m !== heavy && eligible(m, tp.topic) && load(m.memberId) < list.length - 1).sort((a, b) => load(a.memberId) - load(b.memberId))[0];
        if (light === undefined) continue;
        list.splice(i, 1);
        out.get(light.memberId)!.push(tp);
        moved = true;
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  for (const list of out.values()) list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return out;
}

/** What a member owned: the subscription's owned partitions (v1+), else the sticky user data. */
function ownedOf(m: AssignorMember): { partitions: readonly TopicPartition[]; generation: number } {
  const s = m.subscription;
  if (s.ownedPartitions.length > 0) return { partitions: s.ownedPartitions, generation: s.generationId };
  if (s.userData !== null && s.userData.length > 0) {
    try {
      return decodeStickyUserData(s.userData);
    } catch {
      return { partitions: [], generation: -1 };
    }
  }
  return { partitions: [], generation: -1 };
}

/**
 * Kafka's StickyAssignor user data (v1, what Java and librdkafka read from older members):
 * array of (topic, [partition]), then the generation.
 */
export function encodeStickyUserData(owned: readonly TopicPartition[], generation: number): Buffer {
  const byTopic = groupByTopic(owned, (tp) => tp.partition);
  let size = 4 + 4;
  for (const [topic, ps] of byTopic) size += sizeOfString(topic, false) + 4 + 4 * ps.length;
  const w = new Writer(size);
  w.int32(byTopic.size);
  for (const [topic, ps] of byTopic) {
    w.string(topic, false);
    w.int32(ps.length);
    for (const p of ps) w.int32(p);
  }
  w.int32(generation);
  return w.buf;
}

export function decodeStickyUserData(buf: Buffer): { partitions: TopicPartition[]; generation: number } {
  const r = new Reader(buf);
  const partitions: TopicPartition[] = [];
  const topics = r.int32();
  for (let i = 0; i < topics; i++) {
    const topic = r.string();
    const n = r.int32();
    for (let j = 0; j < n; j++) partitions.push({ topic, partition: r.int32() });
  }
  // v0 (no generation) ends here.
  const generation = r.remaining() >= 4 ? r.int32() : -1;
  return { partitions, generation };
}

export const StickyAssignor: Assignor = {
  name: 'sticky',
  protocol: 'eager',
  subscriptionUserData: (owned, generationId) => encodeStickyUserData(owned, generationId),
  assign: stickyAssign,
};

/**
 * KIP-429: the sticky assignment, except that a partition moving away from a member that still
 * owns it is withheld from its new owner for one rebalance; the old owner revokes it, rejoins,
 * and the follow-up rebalance hands it over.
 */
export const CooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  protocol: 'cooperative',
  subscriptionUserData: (_owned, generationId) => {
    // Java's CooperativeStickyAssignor: the generation as an int32, for leaders on old protocol versions.
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(generationId, 0);
    return b;
  },
  assign(members, counts) {
    const target = stickyAssign(members, counts);
    const ownerNow = new Map<string, string>();
    for (const m of members) for (const tp of m.subscription.ownedPartitions) ownerNow.set(tpKey(tp.topic, tp.partition), m.memberId);
    for (const [memberId, list] of target) {
      target.set(
        memberId,
        list.filter((tp) => {
          const o = ownerNow.get(tpKey(tp.topic, tp.partition));
          return o === undefined || o === memberId;
        }),
      );
    }
    return target;
  },
};

export const ASSIGNORS: readonly Assignor[] = [RangeAssignor, RoundRobinAssignor, StickyAssignor, CooperativeStickyAssignor];
