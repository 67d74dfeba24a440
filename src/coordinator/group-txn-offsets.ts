import type { OffsetAndMetadata } from './group-shard.js';

/** One offset of a group's topic partition, as pending offsets are iterated. */
export interface GroupTopicPartitionOffset {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: OffsetAndMetadata;
}

type ByGroup = Map<string, Map<string, Map<number, OffsetAndMetadata>>>;

/**
 * Transactional offset commits waiting for their transaction's marker, in one __consumer_offsets
 * partition: Kafka's `pendingTransactionalOffsets` (producer id → group → topic → partition →
 * offset; a later commit of the same producer and partition replaces the earlier one) and
 * `openTransactionsByGroup` (group → producer ids that wrote pending offsets for it; a producer
 * stays listed until its marker even when tombstones removed its offsets, as in Kafka).
 *
 * Bounded by what producers write: one entry per (producer, group, topic, partition), dropped at
 * the producer's marker, a tombstone of the partition, or the unload of the shard.
 */
export class PendingTxnOffsets {
  private readonly byProducer = new Map<number, ByGroup>();
  private readonly openByGroup = new Map<string, Set<number>>();

  add(producerId: number, groupId: string, topic: string, partition: number, offset: OffsetAndMetadata): void {
    let byGroup = this.byProducer.get(producerId);
    if (byGroup === undefined) this.byProducer.set(producerId, (byGroup = new Map()));
    let byTopic = byGroup.get(groupId);
    if (byTopic === undefined) byGroup.set(groupId, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
    byPartition.set(partition, offset);
    let open = this.openByGroup.get(groupId);
    if (open === undefined) this.openByGroup.set(groupId, (open = new Set()));
    open.add(producerId);
  }

  get(producerId: number, groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.byProducer.get(producerId)?.get(groupId)?.get(topic)?.get(partition);
  }

  /** Kafka's hasPendingTransactionalOffsets: some open transaction holds an offset of this partition. */
  has(groupId: string, topic: string, partition: number): boolean {
    for (const producerId of this.openByGroup.get(groupId) ?? []) {
      if (this.get(producerId, groupId, topic, partition) !== undefined) return true;
    }
    return false;
  }

  /** Whether an open transaction wrote offsets for the group (Kafka's openTransactionsByGroup.containsKey). */
  hasOpenTransactions(groupId: string): boolean {
    return this.openByGroup.has(groupId);
  }

  /** The partitions of a group with pending offsets (each once). */
  partitionsOf(groupId: string): Array<{ topic: string; partition: number }> {
    const seen = new Map<string, { topic: string; partition: number }>();
    for (const producerId of this.openByGroup.get(groupId) ?? []) {
      for (const [topic, parts] of this.byProducer.get(producerId)?.get(groupId) ?? []) {
        for (const partition of parts.keys()) seen.set(`${partition}:${topic}`, { topic, partition });
      }
    }
    return [...seen.values()];
  }

  /**
   * A tombstone of the partition removes its pending offsets from every open transaction of the
   * group — those written before the tombstone (`beforeOrder`), when the tombstone is applied late.
   */
  removePartition(groupId: string, topic: string, partition: number, beforeOrder = Number.POSITIVE_INFINITY): void {
    for (const producerId of this.openByGroup.get(groupId) ?? []) {
      const o = this.get(producerId, groupId, topic, partition);
      if (o !== undefined && o.recordOrder < beforeOrder) this.delete(producerId, groupId, topic, partition);
    }
  }

  /**
   * Undoes the add of `offset` (its write failed) if it is still the one held: the offset it
   * replaced, if any, comes back.
   */
  revert(producerId: number, groupId: string, topic: string, partition: number, offset: OffsetAndMetadata, previous: OffsetAndMetadata | undefined): void {
    if (this.get(producerId, groupId, topic, partition) !== offset) return;
    if (previous === undefined) this.delete(producerId, groupId, topic, partition);
    else this.add(producerId, groupId, topic, partition, previous);
  }

  /** The producer's transaction ended: returns its pending offsets (in insertion order) and forgets them. */
  complete(producerId: number): GroupTopicPartitionOffset[] | undefined {
    const byGroup = this.byProducer.get(producerId);
    if (byGroup === undefined) return undefined;
    this.byProducer.delete(producerId);
    const out: GroupTopicPartitionOffset[] = [];
    for (const [groupId, byTopic] of byGroup) {
      const open = this.openByGroup.get(groupId);
      open?.delete(producerId);
      if (open?.size === 0) this.openByGroup.delete(groupId);
      for (const [topic, parts] of byTopic) for (const [partition, offset] of parts) out.push({ groupId, topic, partition, offset });
    }
    return out;
  }

  clear(): void {
    this.byProducer.clear();
    this.openByGroup.clear();
  }

  private delete(producerId: number, groupId: string, topic: string, partition: number): void {
    // Empty maps stay until the marker: the producer remains open for the group, as in Kafka.
    this.byProducer.get(producerId)?.get(groupId)?.get(topic)?.delete(partition);
  }
}
