import { assert } from '../common/index.js';
import { DecodeError, Reader, Writer } from './codec/index.js';
import type { MessageDescriptor } from './codec/index.js';
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from './generated/index.js';

/**
 * The "consumer" protocol's embedded messages (Kafka's ConsumerProtocol): the subscription a member
 * puts in JoinGroup metadata and the assignment the leader sends back in SyncGroup, each an int16
 * version, then the struct at that version (never flexible). One implementation for the client (which
 * writes and reads them) and the group coordinator (which reads members' subscribed topics).
 *
 * A newer version than we know is read as the newest we know, its extra bytes ignored, as Kafka
 * does (newer versions may only append fields), so groups with newer clients keep working. Decoding
 * fails only with a DecodeError naming the message, so callers on the broker can catch exactly that.
 */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface ConsumerTopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ConsumerSubscription {
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  /** Partitions the member holds (v1+): what sticky and cooperative assignors keep in place. */
  readonly ownedPartitions: readonly ConsumerTopicPartition[];
  /** Generation of `ownedPartitions` (v2+), -1 when unknown. */
  readonly generationId: number;
  /** v3+. */
  readonly rackId: string | null;
}

export interface ConsumerAssignment {
  readonly partitions: readonly ConsumerTopicPartition[];
  readonly userData: Buffer | null;
}

export function encodeSubscription(s: ConsumerSubscription, version = ConsumerProtocolSubscription.maxVersion): Buffer {
  const message = { topics: [...s.topics], userData: s.userData, ownedPartitions: byTopic(s.ownedPartitions), generationId: s.generationId, rackId: s.rackId };
  return encodeVersioned(ConsumerProtocolSubscription, message, version);
}

/** Throws DecodeError on malformed bytes (including an empty buffer or a negative version). */
export function decodeSubscription(buf: Buffer): ConsumerSubscription {
  const s = decodeVersioned(ConsumerProtocolSubscription, buf, 'subscription');
  return { topics: s.topics, userData: s.userData, ownedPartitions: flatten(s.ownedPartitions), generationId: s.generationId, rackId: s.rackId };
}

export function encodeAssignment(a: ConsumerAssignment, version = ConsumerProtocolAssignment.maxVersion): Buffer {
  return encodeVersioned(ConsumerProtocolAssignment, { assignedPartitions: byTopic(a.partitions), userData: a.userData }, version);
}

/**
 * An empty buffer is an empty assignment: some clients' leaders send that to a member they give
 * nothing, and the coordinator itself answers SyncGroup with empty bytes outside a stable group.
 * Throws DecodeError on other malformed bytes.
 */
export function decodeAssignment(buf: Buffer): ConsumerAssignment {
  if (buf.length === 0) return { partitions: [], userData: null };
  const a = decodeVersioned(ConsumerProtocolAssignment, buf, 'assignment');
  return { partitions: flatten(a.assignedPartitions), userData: a.userData };
}

function encodeVersioned<T>(descriptor: MessageDescriptor<T>, message: T, version: number): Buffer {
  assert(Number.isInteger(version) && version >= descriptor.minVersion && version <= descriptor.maxVersion, `${descriptor.name}: no version ${version}`);
  const w = new Writer(2 + descriptor.size(message, version));
  w.int16(version);
  descriptor.write(w, message, version);
  return w.buf;
}

function decodeVersioned<T>(descriptor: MessageDescriptor<T>, buf: Buffer, what: string): T {
  const r = new Reader(buf);
  let version: number;
  try {
    version = r.int16();
  } catch (e) {
    throw wrapped(e, `consumer protocol ${what}: no version header (${buf.length} bytes)`);
  }
  if (version < descriptor.minVersion) throw new DecodeError(`consumer protocol ${what}: unsupported version ${version}`);
  const readAs = Math.min(version, descriptor.maxVersion);
  try {
    return descriptor.read(r, readAs);
  } catch (e) {
    throw wrapped(e, `consumer protocol ${what} v${version}: malformed`);
  }
}

/** A reader's DecodeError gets the message's name in front; anything else is a bug and passes through. */
function wrapped(e: unknown, context: string): unknown {
  return e instanceof DecodeError ? new DecodeError(`${context}: ${e.message}`) : e;
}

/** The wire groups partitions by topic: topics in first-seen order, partitions ascending. */
function byTopic(tps: readonly ConsumerTopicPartition[]): { topic: string; partitions: number[] }[] {
  const groups = new Map<string, number[]>();
  for (const tp of tps) {
    const list = groups.get(tp.topic);
    if (list === undefined) groups.set(tp.topic, [tp.partition]);
    else list.push(tp.partition);
  }
  return [...groups].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

function flatten(topics: readonly { topic: string; partitions: number[] }[]): ConsumerTopicPartition[] {
  return topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}
