import {
  AbortTransactionRecord,
  AccessControlEntryRecord,
  BeginTransactionRecord,
  BrokerRegistrationChangeRecord,
  ClientQuotaRecord,
  ConfigRecord,
  DecodeError,
  DelegationTokenRecord,
  EndTransactionRecord,
  FeatureLevelRecord,
  FenceBrokerRecord,
  NoOpRecord,
  PartitionChangeRecord,
  PartitionRecord,
  ProducerIdsRecord,
  Reader,
  RegisterBrokerRecord,
  RegisterControllerRecord,
  RemoveAccessControlEntryRecord,
  RemoveDelegationTokenRecord,
  RemoveTopicRecord,
  RemoveUserScramCredentialRecord,
  TopicRecord,
  UnfenceBrokerRecord,
  UnregisterBrokerRecord,
  UserScramCredentialRecord,
  Writer,
  ZkMigrationStateRecord,
  sizeOfUvarint,
  type MessageDescriptor,
} from '../protocol/index.js';
import type { RecordSerde } from '../raft/index.js';

/**
 * Metadata record types by api key, as Kafka's MetadataRecordType numbers them. Keys 6, 13 and 16
 * were retired by Kafka and are not reused.
 */
export const METADATA_RECORD_TYPES = {
  RegisterBrokerRecord,
  UnregisterBrokerRecord,
  TopicRecord,
  PartitionRecord,
  ConfigRecord,
  PartitionChangeRecord,
  FenceBrokerRecord,
  UnfenceBrokerRecord,
  RemoveTopicRecord,
  DelegationTokenRecord,
  UserScramCredentialRecord,
  FeatureLevelRecord,
  ClientQuotaRecord,
  ProducerIdsRecord,
  BrokerRegistrationChangeRecord,
  AccessControlEntryRecord,
  RemoveAccessControlEntryRecord,
  NoOpRecord,
  ZkMigrationStateRecord,
  RemoveUserScramCredentialRecord,
  BeginTransactionRecord,
  EndTransactionRecord,
  AbortTransactionRecord,
  RemoveDelegationTokenRecord,
  RegisterControllerRecord,
} as const;

type Types = typeof METADATA_RECORD_TYPES;
type MessageOf<D> = D extends MessageDescriptor<infer T> ? T : never;

interface Rec<K extends number, M> {
  readonly apiKey: K;
  readonly version: number;
  readonly message: M;
}

/** A metadata record with the version it is (or was) serialized at, after Kafka's class of that name. */
export type ApiMessageAndVersion =
  | Rec<0, RegisterBrokerRecord>
  | Rec<1, UnregisterBrokerRecord>
  | Rec<2, TopicRecord>
  | Rec<3, PartitionRecord>
  | Rec<4, ConfigRecord>
  | Rec<5, PartitionChangeRecord>
  | Rec<7, FenceBrokerRecord>
  | Rec<8, UnfenceBrokerRecord>
  | Rec<9, RemoveTopicRecord>
  | Rec<10, DelegationTokenRecord>
  | Rec<11, UserScramCredentialRecord>
  | Rec<12, FeatureLevelRecord>
  | Rec<14, ClientQuotaRecord>
  | Rec<15, ProducerIdsRecord>
  | Rec<17, BrokerRegistrationChangeRecord>
  | Rec<18, AccessControlEntryRecord>
  | Rec<19, RemoveAccessControlEntryRecord>
  | Rec<20, NoOpRecord>
  | Rec<21, ZkMigrationStateRecord>
  | Rec<22, RemoveUserScramCredentialRecord>
  | Rec<23, BeginTransactionRecord>
  | Rec<24, EndTransactionRecord>
  | Rec<25, AbortTransactionRecord>
  | Rec<26, RemoveDelegationTokenRecord>
  | Rec<27, RegisterControllerRecord>;

/** The record type of one api key, e.g. `RecordOfKey<2>` is a TopicRecord. */
export type RecordOfKey<K extends ApiMessageAndVersion['apiKey']> = Extract<ApiMessageAndVersion, { apiKey: K }>;

const BY_KEY = new Map<number, MessageDescriptor<object>>();
for (const d of Object.values(METADATA_RECORD_TYPES) as MessageDescriptor<object>[]) {
  if (BY_KEY.has(d.apiKey)) throw new Error(`duplicate metadata record api key ${d.apiKey}`);
  BY_KEY.set(d.apiKey, d);
}

/** The descriptor for a metadata record api key, or undefined for one we do not know. */
export function metadataRecordDescriptor(apiKey: number): MessageDescriptor<object> | undefined {
  return BY_KEY.get(apiKey);
}

/**
 * Wraps a message with its descriptor's api key. `version` defaults to 0, which is what Kafka
 * writes for most record types; callers pick higher versions where the metadata.version asks.
 */
export function record<D extends Types[keyof Types]>(
  descriptor: D,
  message: MessageOf<D>,
  version = 0,
): ApiMessageAndVersion {
  return { apiKey: descriptor.apiKey, version, message } as ApiMessageAndVersion;
}

/** Kafka's AbstractApiMessageSerde frame version. */
export const METADATA_FRAME_VERSION = 1;

/**
 * Kafka's MetadataRecordSerde: each record value is `uvarint frameVersion (1)`, `uvarint apiKey`,
 * `uvarint version`, then the message at that version. A Kafka tool (kafka-metadata-shell,
 * kafka-dump-log --cluster-metadata-decoder) reads our metadata log with it.
 */
export const METADATA_RECORD_SERDE: RecordSerde<ApiMessageAndVersion> = {
  size(r: ApiMessageAndVersion): number {
    const d = descriptorFor(r);
    return sizeOfUvarint(METADATA_FRAME_VERSION) + sizeOfUvarint(r.apiKey) + sizeOfUvarint(r.version) + d.size(r.message, r.version);
  },
  write(r: ApiMessageAndVersion, target: Buffer, offset: number): number {
    const d = descriptorFor(r);
    const w = new Writer(0);
    w.buf = target;
    w.pos = offset;
    w.uvarint(METADATA_FRAME_VERSION);
    w.uvarint(r.apiKey);
    w.uvarint(r.version);
    d.write(w, r.message, r.version);
    return w.pos;
  },
  read(source: Buffer): ApiMessageAndVersion {
    const r = new Reader(source);
    const frame = r.uvarint();
    if (frame !== METADATA_FRAME_VERSION) throw new DecodeError(`unsupported metadata record frame version ${frame}`);
    const apiKey = r.uvarint();
    const version = r.uvarint();
    const d = BY_KEY.get(apiKey);
    if (d === undefined) throw new DecodeError(`unknown metadata record api key ${apiKey}`);
    if (version < d.minVersion || version > d.maxVersion) {
      throw new DecodeError(`unsupported ${d.name} version ${version}`);
    }
    const message = d.read(r, version);
    r.expectEnd(d.name);
    return { apiKey, version, message } as ApiMessageAndVersion;
  },
};

function descriptorFor(r: ApiMessageAndVersion): MessageDescriptor<object> {
  const d = BY_KEY.get(r.apiKey);
  if (d === undefined) throw new Error(`unknown metadata record api key ${r.apiKey}`);
  return d;
}
