import { murmur2, toPositive } from './murmur2.js';

/** What a partitioner sees of a record. */
export interface PartitionerInput {
  readonly topic: string;
  readonly key: Buffer | null;
  /** Partitions of the topic, all of them (count) and those with a leader right now. */
  readonly partitionCount: number;
  readonly availablePartitions: readonly number[];
}

/** Picks a partition for a record that names none. */
export interface Partitioner {
  partition(input: PartitionerInput): number;
  /** Told after a record of `sizeBytes` went to `partition`, so sticky choices can move on. */
  onAppend?(topic: string, partition: number, sizeBytes: number): void;
}

/** Partition of a keyed record, as every Java-compatible client computes it: murmur2 over all partitions. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

/**
 * Kafka's built-in partitioner (KIP-794, without the load-adaptive weighting): a keyed record goes to
 * murmur2(key) mod partitions; keyless records stick to one partition until `batchSizeBytes` have
 * gone to it, then a new one is drawn at random among those with a leader (never the same twice in
 * a row when there is a choice), so batches fill up instead of being spread thin.
 */
export class DefaultPartitioner implements Partitioner {
  private readonly sticky = new Map<string, { partition: number; bytes: number }>();
  private readonly lastSticky = new Map<string, number>();

  constructor(
    private readonly batchSizeBytes: number,
    private readonly random: () => number,
  ) {}

  partition(input: PartitionerInput): number {
    if (input.key !== null) return partitionForKey(input.key, input.partitionCount);
    const current = this.sticky.get(input.topic);
    if (current !== undefined && current.partition < input.partitionCount) return current.partition;
    return this.next(input, current?.partition);
  }

  onAppend(topic: string, partition: number, sizeBytes: number): void {
    const current = this.sticky.get(topic);
    if (current === undefined || current.partition !== partition) return;
    current.bytes += sizeBytes;
    if (current.bytes < this.batchSizeBytes) return;
    // The next keyless record draws a new partition (the partition list is known only then).
    this.sticky.delete(topic);
    this.lastSticky.set(topic, partition);
  }

  private next(input: PartitionerInput, previous: number | undefined): number {
    const avoid = previous ?? this.lastSticky.get(input.topic);
    let choices: readonly number[] = input.availablePartitions.length > 0 ? input.availablePartitions : range(input.partitionCount);
    if (choices.length > 1 && avoid !== undefined) choices = choices.filter((p) => p !== avoid);
    const partition = choices[Math.floor(this.random() * choices.length)] ?? 0;
    this.sticky.set(input.topic, { partition, bytes: 0 });
    return partition;
  }
}

/** Every record to partitions in turn (Kafka's RoundRobinPartitioner), keys ignored. */
export class RoundRobinPartitioner implements Partitioner {
  private readonly counters = new Map<string, number>();

  partition(input: PartitionerInput): number {
    const n = this.counters.get(input.topic) ?? 0;
    this.counters.set(input.topic, n + 1);
    const choices = input.availablePartitions.length > 0 ? input.availablePartitions : range(input.partitionCount);
    return choices[n % choices.length]!;
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
