import { ErrorCode, ZERO_UUID, hasCollisionChars, invalidTopicReason, unifyCollisionChars } from '../common/index.js';
import { CONFIG_SOURCE_ID } from '../config/index.js';
import {
  BrokerRegistrationChangeRecord,
  FenceBrokerRecord,
  RemoveTopicRecord,
  TopicRecord,
  UnfenceBrokerRecord,
  type CreatePartitionsRequestCreatePartitionsTopic,
  type CreatePartitionsResponseCreatePartitionsTopicResult,
  type CreateTopicsRequest,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
  type ElectLeadersRequest,
  type ElectLeadersResponse,
  type ElectLeadersResponsePartitionResult,
} from '../protocol/index.js';
import type { ClusterControlManager } from './cluster-control-manager.js';
import { OP_SET, type ApiError, type IncrementalConfigChange } from './controller-api.js';
import { ControllerApiException, apiError, type ControllerResult, type ControllerView } from './controller-result.js';
import { toApiError, type ConfigurationControlManager } from './configuration-control-manager.js';
import { CONFIG_RESOURCE_TOPIC, type MetadataImage, type PartitionRegistration, type TopicImage } from './image.js';
import { partitionRecord } from './image-records.js';
import { FENCING_CHANGE_FENCE, FENCING_CHANGE_UNFENCE, NO_LEADER } from './metadata-delta.js';
import { mv } from './metadata-version.js';
import { buildPartitionChange, type Election } from './partition-change-builder.js';
import { record, type ApiMessageAndVersion } from './records.js';

/** Kafka's limit on records one user operation may produce (QuorumController.MAX_RECORDS_PER_USER_OP). */
export const MAX_RECORDS_PER_USER_OP = 10_000;

/** ElectLeaders election types on the wire. */
export const ELECTION_PREFERRED = 0;
export const ELECTION_UNCLEAN = 1;

/** A CreateTopics result for a topic that was not created. */
export function failedTopicResult(name: string, error: ApiError): CreateTopicsResponseCreatableTopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode: error.errorCode,
    errorMessage: error.errorMessage,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

/**
 * Topics and partitions (Kafka's ReplicationControlManager): CreateTopics, DeleteTopics,
 * CreatePartitions, ElectLeaders, and the partition changes that follow brokers being fenced and
 * unfenced. Validation reads the controller's latest state; results carry Kafka's errors and messages.
 */
export class ReplicationControlManager {
  readonly #view: ControllerView;
  readonly #cluster: ClusterControlManager;
  readonly #configs: ConfigurationControlManager;
  readonly #newUuid: () => string;

  constructor(view: ControllerView, cluster: ClusterControlManager, configs: ConfigurationControlManager, newUuid: () => string) {
    this.#view = view;
    this.#cluster = cluster;
    this.#configs = configs;
    this.#newUuid = newUuid;
  }

  createTopics(request: CreateTopicsRequest): ControllerResult<CreateTopicsResponse> {
    const image = this.#view.latest();
    const errors = new Map<string, ApiError>();
    const seen = new Set<string>();
    for (const t of request.topics) {
      if (seen.has(t.name)) errors.set(t.name, apiError('INVALID_REQUEST', 'Duplicate topic name.'));
      seen.add(t.name);
    }
    // Names, then collisions with existing topics, then existence (Kafka's order: later checks win).
    const collisions = new Map<string, string>();
    for (const name of image.topics.byName.keys()) if (hasCollisionChars(name)) collisions.set(unifyCollisionChars(name), name);
    for (const t of request.topics) {
      if (errors.has(t.name)) continue;
      const reason = invalidTopicReason(t.name);
      if (reason !== undefined) errors.set(t.name, apiError('INVALID_TOPIC_EXCEPTION', reason));
      if (hasCollisionChars(t.name)) {
        const other = collisions.get(unifyCollisionChars(t.name));
        if (other !== undefined) errors.set(t.name, apiError('INVALID_TOPIC_EXCEPTION', `Topic '${t.name}' collides with existing topic: ${other}`));
      }
      if (image.topics.byName.has(t.name)) errors.set(t.name, apiError('TOPIC_ALREADY_EXISTS', `Topic '${t.name}' already exists.`));
    }
    const records: ApiMessageAndVersion[] = [];
    const successes = new Map<string, CreateTopicsResponseCreatableTopicResult>();
    for (const t of request.topics) {
      if (errors.has(t.name)) continue;
      try {
        const created = this.#createTopic(t);
        records.push(...created.records);
        successes.set(t.name, created.response);
      } catch (e) {
        errors.set(t.name, toApiError(e));
      }
    }
    const topics = request.topics.map((t): CreateTopicsResponseCreatableTopicResult => {
      const error = errors.get(t.name);
      if (error !== undefined) return failedTopicResult(t.name, error);
      return successes.get(t.name) as CreateTopicsResponseCreatableTopicResult;
    });
    if (records.length > MAX_RECORDS_PER_USER_OP) {
      throw new ControllerApiException('POLICY_VIOLATION', `Unable to create ${records.length} records in one operation (limit ${MAX_RECORDS_PER_USER_OP}).`);
    }
    return { records: request.validateOnly ? [] : records, response: { throttleTimeMs: 0, topics } };
  }

  #createTopic(t: CreateTopicsRequestCreatableTopic): ControllerResult<CreateTopicsResponseCreatableTopicResult> {
    const level = this.#view.latest().features.metadataVersion;
    const resource = { type: CONFIG_RESOURCE_TOPIC, name: t.name };
    const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
    if (nullConfigs.length > 0) throw new ControllerApiException('INVALID_CONFIG', `Null value not supported for topic configs: ${nullConfigs.join(',')}`);
    const overrides = new Map<string, string>();
    const ops = new Map<string, IncrementalConfigChange>();
    for (const c of t.configs) {
      overrides.set(c.name, c.value as string);
      ops.set(c.name, { op: OP_SET, value: c.value });
    }
    const configRecords = ops.size > 0 ? this.#configs.incrementalAlterConfig(resource, ops, true) : [];
    const parts = new Map<number, PartitionRegistration>();
    if (t.assignments.length > 0) {
      if (t.replicationFactor !== -1) {
        throw new ControllerApiException('INVALID_REQUEST', 'A manual partition assignment was specified, but replication factor was not set to -1.');
      }
      if (t.numPartitions !== -1) {
        throw new ControllerApiException('INVALID_REQUEST', 'A manual partition assignment was specified, but numPartitions was not set to -1.');
      }
      let rf: number | undefined;
      for (const a of t.assignments) {
        if (parts.has(a.partitionIndex)) {
          throw new ControllerApiException('INVALID_REPLICA_ASSIGNMENT', `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
        }
        this.#validateManualAssignment(a.brokerIds, rf);
        rf = a.brokerIds.length;
        const isr = a.brokerIds.filter((b) => this.#cluster.isActive(b));
        if (isr.length === 0) {
          throw new ControllerApiException(
            'INVALID_REPLICA_ASSIGNMENT',
            `All brokers specified in the manual partition assignment for partition ${a.partitionIndex} are fenced or in controlled shutdown.`,
          );
        }
        parts.set(a.partitionIndex, this.#newPartition(a.brokerIds, isr));
      }
      for (let i = 0; i < parts.size; i++) {
        if (!parts.has(i)) throw new ControllerApiException('INVALID_REPLICA_ASSIGNMENT', 'partitions should be a consecutive 0-based integer sequence');
      }
    } else if (t.replicationFactor < -1 || t.replicationFactor === 0) {
      throw new ControllerApiException('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0, or -1 to use the default value.');
    } else if (t.numPartitions < -1 || t.numPartitions === 0) {
      throw new ControllerApiException('INVALID_PARTITIONS', 'Number of partitions was set to an invalid non-positive value.');
    } else {
      const config = this.#configs.effectiveBrokerConfig(this.#view.latest());
      const numPartitions = t.numPartitions === -1 ? config.get('num.partitions') : t.numPartitions;
      const rf = t.replicationFactor === -1 ? config.get('default.replication.factor') : t.replicationFactor;
      let placement: number[][];
      try {
        placement = this.#cluster.placeReplicas(0, numPartitions, rf);
      } catch (e) {
        if (e instanceof ControllerApiException) {
          throw new ControllerApiException('INVALID_REPLICATION_FACTOR', `Unable to replicate the partition ${rf} time(s): ${e.error.errorMessage}`);
        }
        throw e;
      }
      placement.forEach((replicas, i) => parts.set(i, this.#newPartition(replicas, this.#placedIsr(replicas, rf))));
    }
    const topicId = this.#newUuid();
    const records: ApiMessageAndVersion[] = [record(TopicRecord, TopicRecord.create({ name: t.name, topicId }))];
    // ConfigRecords go after the TopicRecord, before the PartitionRecords (as Kafka writes them).
    records.push(...configRecords);
    for (const [id, p] of [...parts].sort((a, b) => a[0] - b[0])) records.push(partitionRecord(topicId, id, p, level));
    const first = parts.get(0) as PartitionRegistration;
    const configs = this.#configs.effectiveTopicConfigs(overrides).map((e) => ({
      name: e.name,
      value: e.sensitive ? null : e.value,
      readOnly: e.readOnly,
      configSource: CONFIG_SOURCE_ID[e.source],
      isSensitive: e.sensitive,
    }));
    return {
      records,
      response: {
        name: t.name,
        topicId,
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: parts.size,
        replicationFactor: first.replicas.length,
        configs,
      },
    };
  }

  /** The initial ISR of a new partition placed on `replicas`: its active brokers, at least one. */
  #placedIsr(replicas: readonly number[], rf: number): number[] {
    const isr = replicas.filter((b) => this.#cluster.isActive(b));
    if (isr.length === 0) {
      throw new ControllerApiException(
        'INVALID_REPLICATION_FACTOR',
        `Unable to replicate the partition ${rf} time(s): All brokers are currently fenced or in controlled shutdown.`,
      );
    }
    return isr;
  }

  #newPartition(replicas: readonly number[], isr: readonly number[]): PartitionRegistration {
    return {
      replicas: [...replicas],
      directories: replicas.map((r) => this.#cluster.defaultDir(r)),
      isr: [...isr],
      removingReplicas: [],
      addingReplicas: [],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      leader: isr[0] as number,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
    };
  }

  #validateManualAssignment(brokerIds: readonly number[], rf: number | undefined): void {
    if (brokerIds.length === 0) throw new ControllerApiException('INVALID_REPLICA_ASSIGNMENT', 'The manual partition assignment includes an empty replica list.');
    const sorted = [...brokerIds].sort((a, b) => a - b);
    let prev: number | undefined;
    for (const id of sorted) {
      if (this.#cluster.registration(id) === undefined) {
        throw new ControllerApiException('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes broker ${id}, but no such broker is registered.`);
      }
      if (id === prev) throw new ControllerApiException('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes the broker ${prev} more than once.`);
      prev = id;
    }
    if (rf !== undefined && sorted.length !== rf) {
      throw new ControllerApiException(
        'INVALID_REPLICA_ASSIGNMENT',
        `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`,
      );
    }
  }

  findTopicIds(image: MetadataImage, names: readonly string[]): Map<string, { topicId: string } | ApiError> {
    const out = new Map<string, { topicId: string } | ApiError>();
    for (const name of names) {
      const t = image.topics.byName.get(name);
      out.set(name, t === undefined ? apiError('UNKNOWN_TOPIC_OR_PARTITION', null) : { topicId: t.topicId });
    }
    return out;
  }

  findTopicNames(image: MetadataImage, ids: readonly string[]): Map<string, { name: string } | ApiError> {
    const out = new Map<string, { name: string } | ApiError>();
    for (const id of ids) {
      if (id === ZERO_UUID) {
        out.set(id, apiError('INVALID_REQUEST', `Attempt to find topic with invalid topicId ${id}`));
        continue;
      }
      const t = image.topics.byId.get(id);
      out.set(id, t === undefined ? apiError('UNKNOWN_TOPIC_ID', null) : { name: t.name });
    }
    return out;
  }

  deleteTopics(topicIds: readonly string[]): ControllerResult<Map<string, ApiError>> {
    const image = this.#view.latest();
    const records: ApiMessageAndVersion[] = [];
    const results = new Map<string, ApiError>();
    const deleted = new Set<string>();
    for (const id of topicIds) {
      if (!image.topics.byId.has(id)) {
        results.set(id, apiError('UNKNOWN_TOPIC_ID', 'This server does not host this topic ID.'));
        continue;
      }
      if (!deleted.has(id)) records.push(record(RemoveTopicRecord, RemoveTopicRecord.create({ topicId: id })));
      deleted.add(id);
      results.set(id, apiError('NONE'));
    }
    return { records, response: results };
  }

  createPartitions(
    topics: readonly CreatePartitionsRequestCreatePartitionsTopic[],
    validateOnly: boolean,
  ): ControllerResult<CreatePartitionsResponseCreatePartitionsTopicResult[]> {
    const records: ApiMessageAndVersion[] = [];
    const results = topics.map((t): CreatePartitionsResponseCreatePartitionsTopicResult => {
      try {
        records.push(...this.#createPartitions(t));
        return { name: t.name, errorCode: 0, errorMessage: null };
      } catch (e) {
        const error = toApiError(e);
        return { name: t.name, errorCode: error.errorCode, errorMessage: error.errorMessage };
      }
    });
    return { records: validateOnly ? [] : records, response: results };
  }

  #createPartitions(t: CreatePartitionsRequestCreatePartitionsTopic): ApiMessageAndVersion[] {
    const image = this.#view.latest();
    const topic = image.topics.byName.get(t.name);
    if (topic === undefined) throw new ControllerApiException('UNKNOWN_TOPIC_OR_PARTITION', 'This server does not host this topic-partition.');
    const current = topic.partitions.size;
    if (t.count === current) throw new ControllerApiException('INVALID_PARTITIONS', `Topic already has ${current} partition(s).`);
    if (t.count < current) {
      throw new ControllerApiException('INVALID_PARTITIONS', `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
    }
    const additional = t.count - current;
    if (t.assignments !== null && t.assignments.length !== additional) {
      throw new ControllerApiException(
        'INVALID_REPLICA_ASSIGNMENT',
        `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
      );
    }
    const first = topic.partitions.values().next().value as PartitionRegistration | undefined;
    if (first === undefined) throw new ControllerApiException('UNKNOWN_SERVER_ERROR', `Invalid state: topic ${t.name} appears to have no partitions.`);
    const rf = first.replicas.length;
    let placement: number[][];
    if (t.assignments !== null) {
      placement = t.assignments.map((a, i) => {
        this.#validateManualAssignment(a.brokerIds, rf);
        if (!a.brokerIds.some((b) => this.#cluster.isActive(b))) {
          throw new ControllerApiException(
            'INVALID_REPLICA_ASSIGNMENT',
            `All brokers specified in the manual partition assignment for partition ${current + i} are fenced or in controlled shutdown.`,
          );
        }
        return [...a.brokerIds];
      });
    } else {
      placement = this.#cluster.placeReplicas(current, additional, rf);
    }
    const level = image.features.metadataVersion;
    return placement.map((replicas, i) => partitionRecord(topic.topicId, current + i, this.#newPartition(replicas, this.#placedIsr(replicas, rf)), level));
  }

  electLeaders(request: ElectLeadersRequest): ControllerResult<ElectLeadersResponse> {
    const image = this.#view.latest();
    const election: Election = request.electionType === ELECTION_UNCLEAN ? 'unclean' : 'preferred';
    if (request.electionType !== ELECTION_PREFERRED && request.electionType !== ELECTION_UNCLEAN) {
      return { records: [], response: { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] } };
    }
    const records: ApiMessageAndVersion[] = [];
    const wanted: { topic: string; partitions: number[] }[] =
      request.topicPartitions === null
        ? [...image.topics.byName.values()].map((t) => ({ topic: t.name, partitions: [...t.partitions.keys()] }))
        : request.topicPartitions.map((t) => ({ topic: t.topic, partitions: t.partitions }));
    const replicaElectionResults = wanted.map(({ topic, partitions }) => ({
      topic,
      partitionResult: partitions.map((partitionId): ElectLeadersResponsePartitionResult => {
        const error = this.#electLeader(image.topics.byName.get(topic), topic, partitionId, election, records);
        return { partitionId, errorCode: error.errorCode, errorMessage: error.errorMessage };
      }),
    }));
    return { records, response: { throttleTimeMs: 0, errorCode: 0, replicaElectionResults } };
  }

  #electLeader(topic: TopicImage | undefined, name: string, partitionId: number, election: Election, records: ApiMessageAndVersion[]): ApiError {
    if (topic === undefined) return apiError('UNKNOWN_TOPIC_OR_PARTITION', `No such topic as ${name}`);
    const p = topic.partitions.get(partitionId);
    if (p === undefined) return apiError('UNKNOWN_TOPIC_OR_PARTITION', `No such partition as ${name}-${partitionId}`);
    const hasLeader = p.leader !== NO_LEADER;
    if ((election === 'preferred' && hasLeader && p.leader === p.replicas[0]) || (election === 'unclean' && hasLeader)) {
      return apiError('ELECTION_NOT_NEEDED');
    }
    const change = buildPartitionChange(p, {
      topicId: topic.topicId,
      partitionId,
      metadataVersion: this.#view.latest().features.metadataVersion,
      isAcceptableLeader: (r) => this.#cluster.isActive(r),
      election,
    });
    if (change === undefined) return election === 'preferred' ? apiError('PREFERRED_LEADER_NOT_AVAILABLE') : apiError('ELIGIBLE_LEADERS_NOT_AVAILABLE');
    records.push(change);
    return apiError('NONE');
  }

  /** Records that fence a broker: it leaves every ISR it can leave and every leadership, then the fence record. */
  brokerFencedRecords(brokerId: number): ApiMessageAndVersion[] {
    const image = this.#view.latest();
    const b = image.brokers.get(brokerId);
    if (b === undefined) return [];
    const records = this.#leaderAndIsrUpdates((r) => r !== brokerId && this.#cluster.isActive(r), brokerId, (p) => p.isr.includes(brokerId));
    const level = image.features.metadataVersion;
    records.push(
      mv.isBrokerRegistrationChangeRecordSupported(level)
        ? record(BrokerRegistrationChangeRecord, BrokerRegistrationChangeRecord.create({ brokerId, brokerEpoch: b.epoch, fenced: FENCING_CHANGE_FENCE }))
        : record(FenceBrokerRecord, FenceBrokerRecord.create({ id: brokerId, epoch: b.epoch })),
    );
    return records;
  }

  /** Records that unfence a broker, then elect it where partitions have no leader and it is in the ISR. */
  brokerUnfencedRecords(brokerId: number, brokerEpoch: number): ApiMessageAndVersion[] {
    const level = this.#view.latest().features.metadataVersion;
    const records = [
      mv.isBrokerRegistrationChangeRecordSupported(level)
        ? record(BrokerRegistrationChangeRecord, BrokerRegistrationChangeRecord.create({ brokerId, brokerEpoch, fenced: FENCING_CHANGE_UNFENCE }))
        : record(UnfenceBrokerRecord, UnfenceBrokerRecord.create({ id: brokerId, epoch: brokerEpoch })),
    ];
    records.push(...this.#leaderAndIsrUpdates((r) => r === brokerId || this.#cluster.isActive(r), undefined, (p) => p.leader === NO_LEADER));
    return records;
  }

  /** Controlled shutdown: mark the broker, then move its leaderships and ISR memberships away. */
  brokerControlledShutdownRecords(brokerId: number, brokerEpoch: number): ApiMessageAndVersion[] {
    const image = this.#view.latest();
    const level = image.features.metadataVersion;
    const records: ApiMessageAndVersion[] = [];
    const b = image.brokers.get(brokerId);
    if (mv.isInControlledShutdownStateSupported(level) && b !== undefined && !b.inControlledShutdown) {
      records.push(record(BrokerRegistrationChangeRecord, BrokerRegistrationChangeRecord.create({ brokerId, brokerEpoch, inControlledShutdown: 1 }), 1));
    }
    records.push(...this.#leaderAndIsrUpdates((r) => r !== brokerId && this.#cluster.isActive(r), brokerId, (p) => p.isr.includes(brokerId)));
    return records;
  }

  /** Whether a broker leads any partition (controlled shutdown waits for this to be false). */
  hasLeaderships(brokerId: number): boolean {
    for (const t of this.#view.latest().topics.byId.values()) for (const p of t.partitions.values()) if (p.leader === brokerId) return true;
    return false;
  }

  #leaderAndIsrUpdates(
    acceptable: (r: number) => boolean,
    brokerToRemove: number | undefined,
    affected: (p: PartitionRegistration) => boolean,
  ): ApiMessageAndVersion[] {
    const image = this.#view.latest();
    const level = image.features.metadataVersion;
    const records: ApiMessageAndVersion[] = [];
    for (const t of image.topics.byId.values()) {
      for (const [partitionId, p] of t.partitions) {
        if (!affected(p)) continue;
        const targetIsr = brokerToRemove === undefined ? p.isr : p.isr.filter((r) => r !== brokerToRemove);
        const change = buildPartitionChange(p, { topicId: t.topicId, partitionId, metadataVersion: level, isAcceptableLeader: acceptable, targetIsr });
        if (change !== undefined) records.push(change);
      }
    }
    return records;
  }
}
