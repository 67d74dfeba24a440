/**
 * The metadata image: an immutable snapshot of the cluster as of a committed offset of the
 * metadata log, built only by replaying records (TopicRecord, PartitionRecord, ConfigRecord,
 * RegisterBrokerRecord, FeatureLevelRecord, ...). Brokers read it; nothing mutates it.
 * (Types only here; the builder/delta/loader implement them.)
 */

/** ConfigResource types as on the wire (DescribeConfigs / ConfigRecord.resourceType). */
export const CONFIG_RESOURCE_TOPIC = 2;
export const CONFIG_RESOURCE_BROKER = 4;
export const CONFIG_RESOURCE_BROKER_LOGGER = 8;
export const CONFIG_RESOURCE_CLIENT_METRICS = 16;
export const CONFIG_RESOURCE_GROUP = 32;

export interface ConfigResource {
  readonly type: number;
  /** Topic name; broker id as a string, or '' for the cluster-wide broker default. */
  readonly name: string;
}

export interface PartitionRegistration {
  readonly replicas: readonly number[];
  readonly directories: readonly string[];
  readonly isr: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly eligibleLeaderReplicas: readonly number[];
  readonly lastKnownElr: readonly number[];
  /** -1 when the partition has no leader. */
  readonly leader: number;
  readonly leaderRecoveryState: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  /** 22-char base64url, as uuids are everywhere in this code base. */
  readonly topicId: string;
  readonly partitions: ReadonlyMap<number, PartitionRegistration>;
}

export interface TopicsImage {
  readonly byName: ReadonlyMap<string, TopicImage>;
  readonly byId: ReadonlyMap<string, TopicImage>;
}

export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: number;
}

export interface BrokerRegistration {
  readonly id: number;
  readonly epoch: number;
  readonly incarnationId: string;
  readonly listeners: readonly BrokerEndpoint[];
  readonly supportedFeatures: ReadonlyMap<string, { readonly minVersion: number; readonly maxVersion: number }>;
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
  readonly isMigratingZkBroker: boolean;
  readonly logDirs: readonly string[];
}

export interface FeaturesImage {
  /** metadata.version feature level (e.g. 21 for 3.9-IV0). */
  readonly metadataVersion: number;
  /** Every finalized feature level, metadata.version included. */
  readonly finalized: ReadonlyMap<string, number>;
}

export interface MetadataProvenance {
  /** Offset of the last record replayed; -1 for the empty image. */
  readonly lastContainedOffset: number;
  readonly lastContainedEpoch: number;
  readonly lastContainedLogTimeMs: number;
}

export interface MetadataImage {
  readonly provenance: MetadataProvenance;
  readonly clusterId: string;
  readonly features: FeaturesImage;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly topics: TopicsImage;
  /** Keyed by `configResourceKey(resource)`; each map holds explicitly set values only. */
  readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Next producer id block start (ProducerIdsRecord.nextProducerId). */
  readonly nextProducerId: number;
}

export function configResourceKey(r: ConfigResource): string {
  return `${r.type}:${r.name}`;
}
