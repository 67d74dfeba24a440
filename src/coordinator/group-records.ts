import {
  GroupMetadataKey,
  GroupMetadataValue,
  OffsetCommitKey,
  OffsetCommitValue,
  Reader,
  Writer,
} from '../protocol/index.js';
import type { MessageDescriptor } from '../protocol/index.js';

/**
 * The records of __consumer_offsets in Kafka's framing, so Kafka's tools can read our logs and we
 * can read theirs: key = int16 key version + struct, value = int16 value version + struct, a null
 * value is a tombstone. Key versions 0 and 1 are offset commits (same schema), 2 is group metadata
 * (the classic group); 3 and up belong to the new consumer-group protocol and are skipped here.
 */

/** The key version Kafka writes for offset commits (0 is the legacy ZooKeeper-era key). */
export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
/** Kafka 3.9 writes v3 (v1 only when the commit carries an expire timestamp). */
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
/** Kafka 3.9 (metadata.version >= 2.3) writes group metadata v3. */
export const GROUP_METADATA_VALUE_VERSION = 3;

/** One record as the coordinator writes it: framed key and value bytes. */
export interface CoordinatorRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export type DecodedRecord =
  | { readonly type: 'offset'; readonly key: OffsetCommitKey; readonly value: OffsetCommitValue | null }
  | { readonly type: 'group'; readonly key: GroupMetadataKey; readonly value: GroupMetadataValue | null }
  | { readonly type: 'other'; readonly keyVersion: number };

/** `message` framed as the coordinator topics frame keys and values: int16 version, then the struct. */
export function frame<T>(descriptor: MessageDescriptor<T>, message: T, version: number): Buffer {
  const w = new Writer(2 + descriptor.size(message, version));
  w.int16(version);
  descriptor.write(w, message, version);
  return w.buf;
}

/** Reads a framed struct (from after its int16 version); newer versions read as the newest known. */
export function unframe<T>(descriptor: MessageDescriptor<T>, buf: Buffer, version: number, from = 2): T {
  const r = new Reader(buf, from);
  return descriptor.read(r, Math.min(version, descriptor.maxVersion));
}

export function offsetCommitRecord(key: OffsetCommitKey, value: OffsetCommitValue | null): CoordinatorRecord {
  const valueVersion = value !== null && value.expireTimestamp >= 0 ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
  return {
    key: frame(OffsetCommitKey, key, OFFSET_COMMIT_KEY_VERSION),
    value: value === null ? null : frame(OffsetCommitValue, value, valueVersion),
  };
}

export function groupMetadataRecord(group: string, value: GroupMetadataValue | null): CoordinatorRecord {
  return {
    key: frame(GroupMetadataKey, { group }, GROUP_METADATA_KEY_VERSION),
    value: value === null ? null : frame(GroupMetadataValue, value, GROUP_METADATA_VALUE_VERSION),
  };
}

/** Decodes a framed record; throws a DecodeError on malformed bytes (the loader skips such records). */
export function decodeRecord(key: Buffer, value: Buffer | null): DecodedRecord {
  const keyVersion = key.readInt16BE(0);
  if (keyVersion === 0 || keyVersion === 1) {
    const k = unframe(OffsetCommitKey, key, keyVersion);
    return { type: 'offset', key: k, value: value === null ? null : unframe(OffsetCommitValue, value, value.readInt16BE(0)) };
  }
  if (keyVersion === GROUP_METADATA_KEY_VERSION) {
    const k = unframe(GroupMetadataKey, key, keyVersion);
    return { type: 'group', key: k, value: value === null ? null : unframe(GroupMetadataValue, value, value.readInt16BE(0)) };
  }
  return { type: 'other', keyVersion };
}
