import {
  ConfigRecord,
  FeatureLevelRecord,
  PartitionRecord,
  ProducerIdsRecord,
  RegisterBrokerRecord,
  TopicRecord,
  ZkMigrationStateRecord,
} from '../protocol/index.js';
import type { MetadataImage, PartitionRegistration } from './image.js';
import { METADATA_VERSION_FEATURE, mv } from './metadata-version.js';
import { record, type ApiMessageAndVersion } from './records.js';

/**
 * The records that rebuild `image` from nothing (Kafka's MetadataImage.write into a snapshot):
 * features first (metadata.version before anything else, since it decides record versions),
 * then brokers, topics with their partitions, configs and the producer id block. Replaying them
 * into an empty delta reproduces the image (tested).
 */
export function* imageToRecords(image: MetadataImage): Generator<ApiMessageAndVersion> {
  const level = image.features.metadataVersion;
  if (level > 0) yield record(FeatureLevelRecord, FeatureLevelRecord.create({ name: METADATA_VERSION_FEATURE, featureLevel: level }));
  for (const [name, featureLevel] of image.features.finalized) {
    if (name !== METADATA_VERSION_FEATURE) yield record(FeatureLevelRecord, FeatureLevelRecord.create({ name, featureLevel }));
  }
  if (mv.isMigrationSupported(level)) yield record(ZkMigrationStateRecord, ZkMigrationStateRecord.create({ zkMigrationState: 0 }));
  for (const b of image.brokers.values()) {
    yield record(
      RegisterBrokerRecord,
      RegisterBrokerRecord.create({
        brokerId: b.id,
        isMigratingZkBroker: b.isMigratingZkBroker,
        incarnationId: b.incarnationId,
        brokerEpoch: b.epoch,
        endPoints: b.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
        features: [...b.supportedFeatures].map(([name, r]) => ({ name, minSupportedVersion: r.minVersion, maxSupportedVersion: r.maxVersion })),
        rack: b.rack,
        fenced: b.fenced,
        inControlledShutdown: b.inControlledShutdown,
        logDirs: [...b.logDirs],
      }),
      // v3 carries logDirs; an image always round-trips them.
      RegisterBrokerRecord.maxVersion,
    );
  }
  for (const t of image.topics.byId.values()) {
    yield record(TopicRecord, TopicRecord.create({ name: t.name, topicId: t.topicId }));
    for (const [partitionId, p] of t.partitions) yield partitionRecord(t.topicId, partitionId, p, level);
  }
  for (const [key, values] of image.configs) {
    const colon = key.indexOf(':');
    const resourceType = Number(key.slice(0, colon));
    const resourceName = key.slice(colon + 1);
    for (const [name, value] of values) yield record(ConfigRecord, ConfigRecord.create({ resourceType, resourceName, name, value }));
  }
  if (image.nextProducerId > 0) {
    yield record(ProducerIdsRecord, ProducerIdsRecord.create({ brokerId: -1, brokerEpoch: -1, nextProducerId: image.nextProducerId }));
  }
}

/** A PartitionRecord for a registration at the record version `level` calls for (directories from v1). */
export function partitionRecord(topicId: string, partitionId: number, p: PartitionRegistration, level: number): ApiMessageAndVersion {
  const version = Math.max(mv.partitionRecordVersion(level), p.eligibleLeaderReplicas.length > 0 || p.lastKnownElr.length > 0 ? 2 : 0);
  return record(
    PartitionRecord,
    PartitionRecord.create({
      partitionId,
      topicId,
      replicas: [...p.replicas],
      isr: [...p.isr],
      removingReplicas: [...p.removingReplicas],
      addingReplicas: [...p.addingReplicas],
      leader: p.leader,
      leaderRecoveryState: p.leaderRecoveryState,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      directories: version >= 1 ? [...p.directories] : [],
      eligibleLeaderReplicas: version >= 2 ? [...p.eligibleLeaderReplicas] : null,
      lastKnownElr: version >= 2 ? [...p.lastKnownElr] : null,
    }),
    version,
  );
}
