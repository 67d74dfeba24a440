import { assertNever } from '../common/index.js';
import type {
  BrokerRegistrationChangeRecord,
  PartitionChangeRecord,
  PartitionRecord,
  RegisterBrokerRecord,
} from '../protocol/index.js';
import {
  CONFIG_RESOURCE_TOPIC,
  configResourceKey,
  type BrokerRegistration,
  type FeaturesImage,
  type MetadataImage,
  type MetadataProvenance,
  type PartitionRegistration,
  type TopicImage,
  type TopicsImage,
} from './image.js';
import { DIRECTORY_MIGRATING, METADATA_VERSION_FEATURE } from './metadata-version.js';
import type { ApiMessageAndVersion } from './records.js';

/** Kafka's PartitionChangeRecord sentinel: leader field absent. */
export const NO_LEADER_CHANGE = -2;
export const NO_LEADER = -1;

/** BrokerRegistrationChangeRecord.fenced values (Kafka's BrokerRegistrationFencingChange). */
export const FENCING_CHANGE_FENCE = 1;
export const FENCING_CHANGE_NONE = 0;
export const FENCING_CHANGE_UNFENCE = -1;

/** LeaderRecoveryState values. */
export const LEADER_RECOVERY_RECOVERED = 0;
export const LEADER_RECOVERY_RECOVERING = 1;

const EMPTY_TOPICS: TopicsImage = Object.freeze({ byName: new Map(), byId: new Map() });
const EMPTY_FEATURES: FeaturesImage = Object.freeze({ metadataVersion: 0, finalized: new Map() });

/** The image before any record: nothing, at offset -1. */
export function emptyImage(clusterId = ''): MetadataImage {
  return Object.freeze({
    provenance: Object.freeze({ lastContainedOffset: -1, lastContainedEpoch: -1, lastContainedLogTimeMs: -1 }),
    clusterId,
    features: EMPTY_FEATURES,
    brokers: new Map(),
    topics: EMPTY_TOPICS,
    configs: new Map(),
    nextProducerId: 0,
  });
}

export const EMPTY_IMAGE: MetadataImage = emptyImage();

/** A record that cannot apply to the image: the log is inconsistent (a bug or corruption). */
export class MetadataReplayError extends Error {
  override name = 'MetadataReplayError';
}

interface TopicChange {
  readonly name: string;
  readonly topicId: string;
  /** The partitions before this delta (empty for a new topic). */
  readonly base: ReadonlyMap<number, PartitionRegistration>;
  readonly changed: Map<number, PartitionRegistration>;
}

/**
 * Changes to a MetadataImage accumulated by replaying records (Kafka's MetadataDelta). `apply()`
 * makes the next image; parts of the image nothing touched are shared with the previous one, so a
 * publisher can tell what changed by reference comparison (`prev.topics.byId.get(id) !== t`).
 * Replay follows Kafka's semantics exactly: e.g. a PartitionChangeRecord's absent (null) fields and
 * leader -2 mean "unchanged", any leader change bumps the leader epoch, every change the partition epoch.
 */
export class MetadataDelta {
  readonly image: MetadataImage;
  #features: Map<string, number> | undefined;
  #brokers: Map<number, BrokerRegistration | null> | undefined;
  #topics: Map<string, TopicChange> | undefined;
  #removedTopics: Map<string, string> | undefined; // id -> name
  #configs: Map<string, Map<string, string | null>> | undefined;
  #removedConfigResources: Set<string> | undefined;
  #nextProducerId: number | undefined;
  #records = 0;

  constructor(image: MetadataImage) {
    this.image = image;
  }

  /** How many records were replayed. */
  get recordCount(): number {
    return this.#records;
  }

  hasChanges(): boolean {
    return this.#records > 0;
  }

  /** The effective metadata.version level so far (0 when none was ever set). */
  metadataVersion(): number {
    return this.#features?.get(METADATA_VERSION_FEATURE) ?? this.image.features.metadataVersion;
  }

  /** Topic as it stands in this delta (undefined when absent or removed). */
  topicById(topicId: string): { name: string; partitions: ReadonlyMap<number, PartitionRegistration> } | undefined {
    const change = this.#topics?.get(topicId);
    if (change !== undefined) return { name: change.name, partitions: mergedPartitions(change) };
    if (this.#removedTopics?.has(topicId)) return undefined;
    const t = this.image.topics.byId.get(topicId);
    return t === undefined ? undefined : { name: t.name, partitions: t.partitions };
  }

  broker(id: number): BrokerRegistration | undefined {
    const b = this.#brokers?.get(id);
    if (b === null) return undefined;
    return b ?? this.image.brokers.get(id);
  }

  replay(r: ApiMessageAndVersion): void {
    this.#records++;
    switch (r.apiKey) {
      case 0:
        return this.#replayRegisterBroker(r.message);
      case 1: {
        const existing = this.#requireBroker(r.message.brokerId, 'UnregisterBrokerRecord');
        if (existing.epoch !== r.message.brokerEpoch) {
          throw new MetadataReplayError(`UnregisterBrokerRecord for broker ${r.message.brokerId} epoch ${r.message.brokerEpoch}, registered epoch ${existing.epoch}`);
        }
        (this.#brokers ??= new Map()).set(r.message.brokerId, null);
        return;
      }
      case 2: {
        const { name, topicId } = r.message;
        if (this.topicById(topicId) !== undefined) throw new MetadataReplayError(`duplicate TopicRecord for ${name} (${topicId})`);
        (this.#topics ??= new Map()).set(topicId, { name, topicId, base: new Map(), changed: new Map() });
        this.#removedTopics?.delete(topicId);
        return;
      }
      case 3:
        return this.#replayPartition(r.message);
      case 4: {
        const { resourceType, resourceName, name, value } = r.message;
        const key = configResourceKey({ type: resourceType, name: resourceName });
        let m = (this.#configs ??= new Map()).get(key);
        if (m === undefined) this.#configs.set(key, (m = new Map()));
        m.set(name, value);
        return;
      }
      case 5:
        return this.#replayPartitionChange(r.message);
      case 7:
        return this.#changeBroker(r.message.id, r.message.epoch, 'FenceBrokerRecord', (b) => ({ ...b, fenced: true }));
      case 8:
        return this.#changeBroker(r.message.id, r.message.epoch, 'UnfenceBrokerRecord', (b) => ({ ...b, fenced: false }));
      case 9:
        return this.#replayRemoveTopic(r.message.topicId);
      case 12: {
        (this.#features ??= new Map()).set(r.message.name, r.message.featureLevel);
        return;
      }
      case 15:
        this.#nextProducerId = r.message.nextProducerId;
        return;
      case 17:
        return this.#replayRegistrationChange(r.message);
      case 10:
      case 11:
      case 14:
      case 18:
      case 19:
      case 20:
      case 21:
      case 22:
      case 23:
      case 24:
      case 25:
      case 26:
      case 27:
        // Not part of this image yet (ACLs, quotas, SCRAM, tokens, controller registrations);
        // transactions markers need no state in a log that is only ever appended atomically.
        return;
      default:
        return assertNever(r, 'metadata record');
    }
  }

  #requireBroker(id: number, what: string): BrokerRegistration {
    const b = this.broker(id);
    if (b === undefined) throw new MetadataReplayError(`${what} for unknown broker ${id}`);
    return b;
  }

  #changeBroker(id: number, epoch: number, what: string, f: (b: BrokerRegistration) => BrokerRegistration): void {
    const b = this.#requireBroker(id, what);
    if (b.epoch !== epoch) throw new MetadataReplayError(`${what} for broker ${id} epoch ${epoch}, registered epoch ${b.epoch}`);
    (this.#brokers ??= new Map()).set(id, f(b));
  }

  #replayRegisterBroker(m: RegisterBrokerRecord): void {
    const supportedFeatures = new Map<string, { minVersion: number; maxVersion: number }>();
    for (const f of m.features) supportedFeatures.set(f.name, { minVersion: f.minSupportedVersion, maxVersion: f.maxSupportedVersion });
    const reg: BrokerRegistration = {
      id: m.brokerId,
      epoch: m.brokerEpoch,
      incarnationId: m.incarnationId,
      listeners: m.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
      supportedFeatures,
      rack: m.rack,
      fenced: m.fenced,
      inControlledShutdown: m.inControlledShutdown,
      isMigratingZkBroker: m.isMigratingZkBroker,
      logDirs: [...m.logDirs],
    };
    (this.#brokers ??= new Map()).set(m.brokerId, reg);
  }

  #replayRegistrationChange(m: BrokerRegistrationChangeRecord): void {
    this.#changeBroker(m.brokerId, m.brokerEpoch, 'BrokerRegistrationChangeRecord', (b) => {
      let fenced = b.fenced;
      if (m.fenced === FENCING_CHANGE_FENCE) fenced = true;
      else if (m.fenced === FENCING_CHANGE_UNFENCE) fenced = false;
      else if (m.fenced !== FENCING_CHANGE_NONE) throw new MetadataReplayError(`bad fencing change ${m.fenced}`);
      let inControlledShutdown = b.inControlledShutdown;
      if (m.inControlledShutdown === 1) inControlledShutdown = true;
      else if (m.inControlledShutdown !== 0) throw new MetadataReplayError(`bad controlled shutdown change ${m.inControlledShutdown}`);
      const logDirs = m.logDirs.length > 0 ? [...m.logDirs] : b.logDirs;
      return { ...b, fenced, inControlledShutdown, logDirs };
    });
  }

  #topicChange(topicId: string, what: string): TopicChange {
    let change = this.#topics?.get(topicId);
    if (change !== undefined) return change;
    const t = this.#removedTopics?.has(topicId) ? undefined : this.image.topics.byId.get(topicId);
    if (t === undefined) throw new MetadataReplayError(`${what} for unknown topic id ${topicId}`);
    change = { name: t.name, topicId, base: t.partitions, changed: new Map() };
    (this.#topics ??= new Map()).set(topicId, change);
    return change;
  }

  #replayPartition(m: PartitionRecord): void {
    const change = this.#topicChange(m.topicId, 'PartitionRecord');
    change.changed.set(m.partitionId, {
      replicas: [...m.replicas],
      directories: defaultToMigrating(m.directories, m.replicas.length),
      isr: [...m.isr],
      removingReplicas: [...m.removingReplicas],
      addingReplicas: [...m.addingReplicas],
      eligibleLeaderReplicas: m.eligibleLeaderReplicas === null ? [] : [...m.eligibleLeaderReplicas],
      lastKnownElr: m.lastKnownElr === null ? [] : [...m.lastKnownElr],
      leader: m.leader,
      leaderRecoveryState: m.leaderRecoveryState,
      leaderEpoch: m.leaderEpoch,
      partitionEpoch: m.partitionEpoch,
    });
  }

  #replayPartitionChange(m: PartitionChangeRecord): void {
    const change = this.#topicChange(m.topicId, 'PartitionChangeRecord');
    const p = change.changed.get(m.partitionId) ?? change.base.get(m.partitionId);
    if (p === undefined) throw new MetadataReplayError(`PartitionChangeRecord for unknown partition ${m.topicId}:${m.partitionId}`);
    change.changed.set(m.partitionId, mergePartitionChange(p, m));
  }

  #replayRemoveTopic(topicId: string): void {
    const t = this.topicById(topicId);
    if (t === undefined) throw new MetadataReplayError(`RemoveTopicRecord for unknown topic id ${topicId}`);
    this.#topics?.delete(topicId);
    if (this.image.topics.byId.has(topicId)) (this.#removedTopics ??= new Map()).set(topicId, t.name);
    // Kafka drops a deleted topic's configs with it.
    const key = configResourceKey({ type: CONFIG_RESOURCE_TOPIC, name: t.name });
    this.#configs?.delete(key);
    (this.#removedConfigResources ??= new Set()).add(key);
  }

  /** The next image, at `provenance`. */
  apply(provenance: MetadataProvenance): MetadataImage {
    const img = this.image;
    return Object.freeze({
      provenance: Object.freeze({ ...provenance }),
      clusterId: img.clusterId,
      features: this.#applyFeatures(),
      brokers: this.#applyBrokers(),
      topics: this.#applyTopics(),
      configs: this.#applyConfigs(),
      nextProducerId: this.#nextProducerId ?? img.nextProducerId,
    });
  }

  #applyFeatures(): FeaturesImage {
    if (this.#features === undefined) return this.image.features;
    const finalized = new Map(this.image.features.finalized);
    for (const [name, level] of this.#features) {
      // Level 0 removes a feature (metadata.version is never 0 once set).
      if (level === 0 && name !== METADATA_VERSION_FEATURE) finalized.delete(name);
      else finalized.set(name, level);
    }
    return Object.freeze({ metadataVersion: finalized.get(METADATA_VERSION_FEATURE) ?? 0, finalized });
  }

  #applyBrokers(): ReadonlyMap<number, BrokerRegistration> {
    if (this.#brokers === undefined) return this.image.brokers;
    const brokers = new Map(this.image.brokers);
    for (const [id, b] of this.#brokers) {
      if (b === null) brokers.delete(id);
      else brokers.set(id, b);
    }
    return sortedByKey(brokers);
  }

  #applyTopics(): TopicsImage {
    if (this.#topics === undefined && this.#removedTopics === undefined) return this.image.topics;
    const byId = new Map(this.image.topics.byId);
    const byName = new Map(this.image.topics.byName);
    for (const [id, name] of this.#removedTopics ?? []) {
      byId.delete(id);
      byName.delete(name);
    }
    for (const change of this.#topics?.values() ?? []) {
      const t: TopicImage = Object.freeze({ name: change.name, topicId: change.topicId, partitions: mergedPartitions(change) });
      byId.set(change.topicId, t);
      byName.set(change.name, t);
    }
    return Object.freeze({ byName, byId });
  }

  #applyConfigs(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    if (this.#configs === undefined && this.#removedConfigResources === undefined) return this.image.configs;
    const configs = new Map(this.image.configs);
    for (const key of this.#removedConfigResources ?? []) configs.delete(key);
    for (const [key, changes] of this.#configs ?? []) {
      const m = new Map(configs.get(key) ?? []);
      for (const [name, value] of changes) {
        if (value === null) m.delete(name);
        else m.set(name, value);
      }
      if (m.size === 0) configs.delete(key);
      else configs.set(key, m);
    }
    return configs;
  }
}

function mergedPartitions(change: TopicChange): ReadonlyMap<number, PartitionRegistration> {
  if (change.changed.size === 0) return change.base;
  return sortedByKey(new Map([...change.base, ...change.changed]));
}

function sortedByKey<V>(m: Map<number, V>): Map<number, V> {
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

function defaultToMigrating(directories: readonly string[] | null, n: number): string[] {
  if (directories !== null && directories.length === n) return [...directories];
  return new Array<string>(n).fill(DIRECTORY_MIGRATING);
}

/** Kafka's PartitionRegistration.merge. */
export function mergePartitionChange(p: PartitionRegistration, m: PartitionChangeRecord): PartitionRegistration {
  const replicas = m.replicas === null ? p.replicas : [...m.replicas];
  const directories = defaultToMigrating(m.directories === null ? (p.directories as string[]) : m.directories, replicas.length);
  const leaderChanged = m.leader !== NO_LEADER_CHANGE;
  return {
    replicas,
    directories,
    isr: m.isr === null ? p.isr : [...m.isr],
    removingReplicas: m.removingReplicas === null ? p.removingReplicas : [...m.removingReplicas],
    addingReplicas: m.addingReplicas === null ? p.addingReplicas : [...m.addingReplicas],
    eligibleLeaderReplicas: m.eligibleLeaderReplicas === null ? p.eligibleLeaderReplicas : [...m.eligibleLeaderReplicas],
    lastKnownElr: m.lastKnownElr === null ? p.lastKnownElr : [...m.lastKnownElr],
    leader: leaderChanged ? m.leader : p.leader,
    leaderEpoch: leaderChanged ? p.leaderEpoch + 1 : p.leaderEpoch,
    leaderRecoveryState: m.leaderRecoveryState === -1 ? p.leaderRecoveryState : m.leaderRecoveryState,
    partitionEpoch: p.partitionEpoch + 1,
  };
}
