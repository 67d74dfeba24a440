import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  DecodeError,
  Reader,
  encodeMessageToBuffer,
} from '../protocol/index.js';
import { groupByTopic, type TopicPartition } from './offsets.js';

/**
 * The "consumer" protocol's embedded messages, as Kafka's Java client (ConsumerProtocol) and
 * librdkafka write them into JoinGroup metadata and SyncGroup assignments: an int16 version, then
 * the struct at that version (never flexible). A newer version than we know is read as the newest
 * we know and its extra bytes ignored, as Kafka does, so mixed-version groups work.
 */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface Subscription {
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  /** Partitions the member holds (v1+): what sticky and cooperative assignors keep in place. */
  readonly ownedPartitions: readonly TopicPartition[];
  /** Generation of `ownedPartitions` (v2+), -1 when unknown. */
  readonly generationId: number;
  readonly rackId: string | null;
}

export interface Assignment {
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer | null;
}

function grouped(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  return [...groupByTopic(tps, (tp) => tp.partition)].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

function versioned(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

export function encodeSubscription(s: Subscription, version = ConsumerProtocolSubscription.maxVersion): Buffer {
  const body = encodeMessageToBuffer(
    ConsumerProtocolSubscription,
    { topics: [...s.topics], userData: s.userData, ownedPartitions: grouped(s.ownedPartitions), generationId: s.generationId, rackId: s.rackId },
    version,
  );
  return versioned(version, body);
}

export function decodeSubscription(buf: Buffer): Subscription {
  const r = new Reader(buf);
  const version = Math.min(r.int16(), ConsumerProtocolSubscription.maxVersion);
  if (version < 0) throw new DecodeError(`consumer subscription version ${version}`);
  const s = ConsumerProtocolSubscription.read(r, version);
  return {
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: s.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    generationId: s.generationId,
    rackId: s.rackId,
  };
}

export function encodeAssignment(a: Assignment, version = ConsumerProtocolAssignment.maxVersion): Buffer {
  const body = encodeMessageToBuffer(ConsumerProtocolAssignment, { assignedPartitions: grouped(a.partitions), userData: a.userData }, version);
  return versioned(version, body);
}

/** An empty buffer is an empty assignment (what a leader sends a member it gives nothing, in some clients). */
export function decodeAssignment(buf: Buffer): Assignment {
  if (buf.length === 0) return { partitions: [], userData: null };
  const r = new Reader(buf);
  const version = Math.min(r.int16(), ConsumerProtocolAssignment.maxVersion);
  if (version < 0) throw new DecodeError(`consumer assignment version ${version}`);
  const a = ConsumerProtocolAssignment.read(r, version);
  return { partitions: a.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))), userData: a.userData };
}
