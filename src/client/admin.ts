import { ErrorCode, KafkaError, ZERO_UUID } from '../common/index.js';
import { decodeAssignment, decodeSubscription } from '../protocol/index.js';
import { Apis } from './apis.js';
import type { Cluster, TopicInfo } from './cluster.js';
import type { Connection } from './connection.js';
import { CoordinatorCache, isCoordinatorMoved, type CoordinatorNode } from './coordinator.js';
import { delay } from './env.js';
import { ClientClosedError, responseError } from './errors.js';
import { fetchOffsets, offsetCommitTopics, type CommittedOffset, type OffsetAndMetadata } from './group.js';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  groupByLeader,
  groupByTopic,
  listOffsets,
  tpKey,
  type IsolationLevelName,
  type OffsetAnswer,
  type TopicPartition,
} from './offsets.js';

export interface NewTopic {
  readonly name: string;
  /** Default: the broker's num.partitions. */
  readonly numPartitions?: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** partition -> broker ids; excludes numPartitions/replicationFactor. */
  readonly assignments?: Readonly<Record<number, readonly number[]>>;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreatedTopic {
  readonly name: string;
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** false when the topic existed already and `ifNotExists` was set. */
  readonly created: boolean;
}

/** A topic as describeTopics reports it: the cluster metadata's picture of it. */
export type TopicDescription = TopicInfo;

export type ConfigResourceType = 'topic' | 'broker' | 'broker_logger' | 'client_metrics' | 'group';
/** Kafka's ConfigResource.Type codes. */
const RESOURCE_TYPE: Readonly<Record<ConfigResourceType, number>> = { topic: 2, broker: 4, broker_logger: 8, client_metrics: 16, group: 32 };
const RESOURCE_NAME = new Map(Object.entries(RESOURCE_TYPE).map(([k, v]) => [v, k as ConfigResourceType]));

/** Kafka's ConfigEntry.ConfigSource, by code. */
const CONFIG_SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

/** Kafka's ConfigEntry.ConfigType, by code. */
const CONFIG_TYPES = ['UNKNOWN', 'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

export interface ConfigResource {
  readonly type: ConfigResourceType;
  /** Topic name, broker id ('' for the cluster-wide broker default), ... */
  readonly name: string;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly isDefault: boolean;
  readonly readOnly: boolean;
  readonly isSensitive: boolean;
  readonly type: ConfigType;
  readonly documentation: string | null;
  readonly synonyms: readonly { readonly name: string; readonly value: string | null; readonly source: ConfigSource }[];
}

export interface ConfigDescription extends ConfigResource {
  readonly configs: readonly ConfigEntry[];
}

export type AlterConfigOp =
  | { readonly op: 'set'; readonly name: string; readonly value: string }
  | { readonly op: 'delete'; readonly name: string }
  | { readonly op: 'append' | 'subtract'; readonly name: string; readonly value: string };
const OP_CODE = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface ClusterDescription {
  readonly clusterId: string;
  readonly controllerId: number;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number; readonly rack: string | null }[];
}

export type OffsetSpec = number | 'earliest' | 'latest' | 'max-timestamp';

export interface LogDirDescription {
  readonly broker: number;
  readonly logDir: string;
  /** null when the directory is healthy. */
  readonly error: KafkaError | null;
  readonly totalBytes: number;
  readonly usableBytes: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly sizeBytes: number; readonly offsetLag: number; readonly isFuture: boolean }[];
}


/** A group as ListGroups reports it. `protocolType` is 'consumer' for consumer groups, '' for simple (commit-only) ones. */
export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable, Dead ('' from brokers before ListGroups v4). */
  readonly state: string;
  /** classic or consumer (KIP-848); '' from brokers before ListGroups v5. */
  readonly type: string;
}

export interface MemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly host: string;
  /** Subscribed topics (consumer groups; empty when the metadata is not the consumer protocol's). */
  readonly topics: readonly string[];
  readonly assignment: readonly TopicPartition[];
}

/** A group as DescribeGroups reports it; `error` is set (and the rest empty) when it could not be described. */
export interface ConsumerGroupDescription {
  readonly groupId: string;
  /** No members and no protocol: a group that only holds committed offsets. */
  readonly isSimpleConsumerGroup: boolean;
  readonly state: string;
  readonly protocolType: string;
  /** The assignor the group chose (the protocol name). */
  readonly partitionAssignor: string;
  readonly coordinator: CoordinatorNode | null;
  readonly members: readonly MemberDescription[];
  readonly error?: KafkaError;
}

/** The outcome for one item of a call that answers per item (groups, partitions, features). */
export interface ItemResult {
  readonly error?: KafkaError;
}

export interface ReplicaState {
  readonly replicaId: number;
  /** The replica's log directory id (DescribeQuorum v2+; the zero uuid when the broker does not say). */
  readonly replicaDirectoryId: string;
  readonly logEndOffset: number;
  readonly lastFetchTimestamp: number;
  readonly lastCaughtUpTimestamp: number;
}

/** The KRaft metadata quorum (DescribeQuorum, as kafka-metadata-quorum shows it). */
export interface QuorumInfo {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly voters: readonly ReplicaState[];
  readonly observers: readonly ReplicaState[];
  readonly nodes: readonly { readonly nodeId: number; readonly listeners: readonly { readonly name: string; readonly host: string; readonly port: number }[] }[];
}

export interface FeatureMetadata {
  readonly finalizedFeatures: readonly { readonly name: string; readonly minVersionLevel: number; readonly maxVersionLevel: number }[];
  /** -1 when the broker does not know it. */
  readonly finalizedFeaturesEpoch: number;
  readonly supportedFeatures: readonly { readonly name: string; readonly minVersion: number; readonly maxVersion: number }[];
}

export type FeatureUpgradeType = 'upgrade' | 'safe-downgrade' | 'unsafe-downgrade';

export interface FeatureUpdate {
  readonly feature: string;
  /** 0 removes the feature. */
  readonly maxVersionLevel: number;
  readonly upgradeType?: FeatureUpgradeType;
}

export interface ProducerState {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  readonly coordinatorEpoch: number;
  /** -1 when the producer has no open transaction on the partition. */
  readonly currentTransactionStartOffset: number;
}

export interface TransactionListing {
  readonly transactionalId: string;
  /** The broker whose transaction coordinator listed it. */
  readonly coordinatorId: number;
  readonly producerId: number;
  readonly state: string;
}

export interface TransactionDescription {
  readonly transactionalId: string;
  readonly coordinatorId: number;
  readonly state: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly transactionTimeoutMs: number;
  /** -1 when no transaction is open. */
  readonly transactionStartTimeMs: number;
  readonly topicPartitions: readonly TopicPartition[];
  readonly error?: KafkaError;
}

const UPGRADE_TYPES: Record<FeatureUpgradeType, number> = { upgrade: 1, 'safe-downgrade': 2, 'unsafe-downgrade': 3 };

export interface AdminOptions {
  /** Validates without changing anything (CreateTopics, CreatePartitions, AlterConfigs...). */
  readonly validateOnly?: boolean;
  /** How long the controller may take; default request.timeout.ms. */
  readonly timeoutMs?: number;
}

/**
 * The admin API over the cluster's brokers. Each call retries retriable failures (NOT_CONTROLLER,
 * lost connections, ...) after refreshing metadata, and throws a KafkaError named as Kafka's for
 * the first item that failed for good (its message names the item).
 */
export class Admin {
  private closed = false;
  private readonly groupCoordinators: CoordinatorCache;
  private readonly txnCoordinators: CoordinatorCache;

  constructor(private readonly cluster: Cluster) {
    this.groupCoordinators = new CoordinatorCache(cluster, 'group');
    this.txnCoordinators = new CoordinatorCache(cluster, 'transaction');
  }

  async createTopics(topics: readonly NewTopic[], options: AdminOptions & { ifNotExists?: boolean } = {}): Promise<CreatedTopic[]> {
    const done = new Map<string, CreatedTopic>();
    await this.retrying(async () => {
      const todo = topics.filter((t) => !done.has(t.name));
      if (todo.length === 0) return;
      const conn = await this.cluster.controllerConnection();
      const response = await conn.send(Apis.CreateTopics, {
        topics: todo.map((t) => ({
          name: t.name,
          numPartitions: t.assignments !== undefined ? -1 : (t.numPartitions ?? -1),
          replicationFactor: t.assignments !== undefined ? -1 : (t.replicationFactor ?? -1),
          assignments: Object.entries(t.assignments ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds: [...brokerIds] })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
        validateOnly: options.validateOnly ?? false,
      });
      let failure: KafkaError | undefined;
      for (const r of response.topics) {
        const exists = r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists === true;
        if (r.errorCode === 0 || exists) {
          done.set(r.name, { name: r.name, topicId: r.topicId, numPartitions: r.numPartitions, replicationFactor: r.replicationFactor, created: !exists });
          this.cluster.invalidate(r.name);
        } else {
          failure ??= responseError(r.errorCode, `creating topic ${r.name}`, r.errorMessage);
        }
      }
      if (failure !== undefined) throw failure;
    });
    return topics.map((t) => done.get(t.name)!);
  }

  async deleteTopics(names: readonly string[], options: { timeoutMs?: number; ifExists?: boolean } = {}): Promise<void> {
    const done = new Set<string>();
    await this.retrying(async () => {
      const todo = names.filter((n) => !done.has(n));
      if (todo.length === 0) return;
      const conn = await this.cluster.controllerConnection();
      const response = await conn.send(Apis.DeleteTopics, {
        topics: todo.map((name) => ({ name, topicId: ZERO_UUID })),
        topicNames: todo,
        timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
      });
      let failure: KafkaError | undefined;
      for (const r of response.responses) {
        const name = r.name ?? '';
        const gone = r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && options.ifExists === true;
        if (r.errorCode === 0 || gone) {
          done.add(name);
          this.cluster.invalidate(name);
        } else {
          failure ??= responseError(r.errorCode, `deleting topic ${name}`, r.errorMessage);
        }
      }
      if (failure !== undefined) throw failure;
    });
  }

  /** Topic names, sorted; internal topics only when asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const topics = await this.retrying(() => this.cluster.allTopics());
    return topics
      .filter((t) => options.includeInternal === true || !t.isInternal)
      .map((t) => t.name)
      .sort();
  }

  /** Partitions, leaders, replicas and ISR of each topic; UNKNOWN_TOPIC_OR_PARTITION for a missing one. */
  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    return this.retrying(async () => {
      const found = await this.cluster.topics(names, { force: true });
      const byName = new Map(found.map((t) => [t.name, t]));
      return names.map((n) => {
        const t = byName.get(n);
        if (t === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${n} does not exist`);
        return t;
      });
    }, 0);
  }

  /** Raises topics' partition counts to `count` (optionally placing the new ones). */
  async createPartitions(
    requests: readonly { topic: string; count: number; assignments?: readonly (readonly number[])[] }[],
    options: AdminOptions = {},
  ): Promise<void> {
    await this.retrying(async () => {
      const conn = await this.cluster.controllerConnection();
      const response = await conn.send(Apis.CreatePartitions, {
        topics: requests.map((r) => ({
          name: r.topic,
          count: r.count,
          assignments: r.assignments === undefined ? null : r.assignments.map((brokerIds) => ({ brokerIds: [...brokerIds] })),
        })),
        timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
        validateOnly: options.validateOnly ?? false,
      });
      for (const r of response.results) {
        this.cluster.invalidate(r.name);
        if (r.errorCode !== 0) throw responseError(r.errorCode, `creating partitions of ${r.name}`, r.errorMessage);
      }
    });
  }

  /** Every config of each resource (or just `keys`), with value, source and (optionally) synonyms. */
  async describeConfigs(
    resources: readonly (ConfigResource & { keys?: readonly string[] })[],
    options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
  ): Promise<ConfigDescription[]> {
    const results = new Map<string, ConfigDescription>();
    await this.retrying(async () => {
      for (const [conn, group] of await this.routeConfigResources(resources)) {
        const response = await conn.send(Apis.DescribeConfigs, {
          resources: group.map((r) => ({ resourceType: RESOURCE_TYPE[r.type], resourceName: r.name, configurationKeys: r.keys === undefined ? null : [...r.keys] })),
          includeSynonyms: options.includeSynonyms ?? false,
          includeDocumentation: options.includeDocumentation ?? false,
        });
        for (const r of response.results) {
          const type = RESOURCE_NAME.get(r.resourceType) ?? 'topic';
          if (r.errorCode !== 0) throw responseError(r.errorCode, `describing configs of ${type} ${r.resourceName}`, r.errorMessage);
          results.set(`${type}:${r.resourceName}`, {
            type,
            name: r.resourceName,
            configs: r.configs.map((c) => ({
              name: c.name,
              value: c.value,
              source: CONFIG_SOURCES[c.configSource] ?? 'UNKNOWN',
              isDefault: c.isDefault || c.configSource === 5,
              readOnly: c.readOnly,
              isSensitive: c.isSensitive,
              type: CONFIG_TYPES[c.configType] ?? 'UNKNOWN',
              documentation: c.documentation,
              synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: CONFIG_SOURCES[s.source] ?? 'UNKNOWN' })),
            })),
          });
        }
      }
    });
    return resources.map((r) => results.get(`${r.type}:${r.name}`)!);
  }

  /** The legacy AlterConfigs: replaces each resource's dynamic configs with exactly these. */
  async alterConfigs(resources: readonly (ConfigResource & { configs: Readonly<Record<string, string>> })[], options: AdminOptions = {}): Promise<void> {
    await this.retrying(async () => {
      for (const [conn, group] of await this.routeConfigResources(resources)) {
        const response = await conn.send(Apis.AlterConfigs, {
          resources: group.map((r) => ({
            resourceType: RESOURCE_TYPE[r.type],
            resourceName: r.name,
            configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })),
          })),
          validateOnly: options.validateOnly ?? false,
        });
        for (const r of response.responses) {
          if (r.errorCode !== 0) throw responseError(r.errorCode, `altering configs of ${RESOURCE_NAME.get(r.resourceType)} ${r.resourceName}`, r.errorMessage);
        }
      }
    });
  }

  /** Sets, deletes, appends to or subtracts from individual configs (KIP-339). */
  async incrementalAlterConfigs(resources: readonly (ConfigResource & { ops: readonly AlterConfigOp[] })[], options: AdminOptions = {}): Promise<void> {
    await this.retrying(async () => {
      for (const [conn, group] of await this.routeConfigResources(resources)) {
        const response = await conn.send(Apis.IncrementalAlterConfigs, {
          resources: group.map((r) => ({
            resourceType: RESOURCE_TYPE[r.type],
            resourceName: r.name,
            configs: r.ops.map((o) => ({ name: o.name, configOperation: OP_CODE[o.op], value: o.op === 'delete' ? null : o.value })),
          })),
          validateOnly: options.validateOnly ?? false,
        });
        for (const r of response.responses) {
          if (r.errorCode !== 0) throw responseError(r.errorCode, `altering configs of ${RESOURCE_NAME.get(r.resourceType)} ${r.resourceName}`, r.errorMessage);
        }
      }
    });
  }

  async describeCluster(): Promise<ClusterDescription> {
    return this.retrying(async () => {
      const conn = await this.cluster.anyConnection();
      if (!conn.supports(Apis.DescribeCluster)) {
        // Older brokers: the same facts from Metadata.
        await this.cluster.refresh([]);
        return {
          clusterId: this.cluster.clusterId ?? '',
          controllerId: this.cluster.controllerId,
          brokers: [...this.cluster.brokers.values()],
        };
      }
      const r = await conn.send(Apis.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      if (r.errorCode !== 0) throw responseError(r.errorCode, 'DescribeCluster', r.errorMessage);
      return {
        clusterId: r.clusterId,
        controllerId: r.controllerId,
        brokers: r.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
      };
    });
  }

  /** Offsets by time, or the earliest/latest/max-timestamp offset, of partitions. */
  async listOffsets(queries: readonly (TopicPartition & { spec: OffsetSpec })[], options: { isolationLevel?: IsolationLevelName } = {}): Promise<OffsetAnswer[]> {
    this.assertOpen();
    return listOffsets(
      this.cluster,
      queries.map((q) => ({
        topic: q.topic,
        partition: q.partition,
        timestamp: q.spec === 'earliest' ? EARLIEST_TIMESTAMP : q.spec === 'latest' ? LATEST_TIMESTAMP : q.spec === 'max-timestamp' ? MAX_TIMESTAMP : q.spec,
      })),
      options.isolationLevel,
    );
  }

  /** Deletes records before `offset` (-1: the high watermark); resolves with each partition's new low watermark. */
  async deleteRecords(requests: readonly (TopicPartition & { offset: number })[], options: { timeoutMs?: number } = {}): Promise<(TopicPartition & { lowWatermark: number })[]> {
    const answers = new Map<string, number>();
    await this.retrying(async () => {
      const todo = requests.filter((r) => !answers.has(tpKey(r.topic, r.partition)));
      const groups = await groupByLeader(this.cluster, todo);
      await Promise.all(
        [...groups].map(async ([leader, list]) => {
          const conn = await this.cluster.connection(leader);
          const byTopic = groupByTopic(list, (r) => ({ partitionIndex: r.partition, offset: r.offset }));
          const response = await conn.send(Apis.DeleteRecords, {
            topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
            timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
          });
          for (const t of response.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0) throw responseError(p.errorCode, `deleting records of ${t.name}-${p.partitionIndex}`);
              answers.set(tpKey(t.name, p.partitionIndex), p.lowWatermark);
            }
          }
        }),
      );
    });
    return requests.map((r) => ({ topic: r.topic, partition: r.partition, lowWatermark: answers.get(tpKey(r.topic, r.partition))! }));
  }

  /** Log directories of the given brokers (default: all), with the partitions each holds. */
  async describeLogDirs(brokerIds?: readonly number[]): Promise<LogDirDescription[]> {
    return this.retrying(async () => {
      await this.cluster.refresh([]);
      const ids = brokerIds ?? [...this.cluster.brokers.keys()].sort((a, b) => a - b);
      const out: LogDirDescription[] = [];
      for (const broker of ids) {
        const conn = await this.cluster.connection(broker);
        const r = await conn.send(Apis.DescribeLogDirs, { topics: null });
        if (r.errorCode !== 0) throw responseError(r.errorCode, `DescribeLogDirs on broker ${broker}`);
        for (const d of r.results) {
          out.push({
            broker,
            logDir: d.logDir,
            error: d.errorCode === 0 ? null : responseError(d.errorCode, `log dir ${d.logDir}`),
            totalBytes: d.totalBytes,
            usableBytes: d.usableBytes,
            partitions: d.topics.flatMap((t) =>
              t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, sizeBytes: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey })),
            ),
          });
        }
      }
      return out;
    });
  }


  // ---- groups ----

  /** Every group on every broker (ListGroups to each), optionally filtered by state and type. */
  async listGroups(options: { states?: readonly string[]; types?: readonly string[] } = {}): Promise<GroupListing[]> {
    return this.retrying(async () => {
      await this.cluster.refresh([]);
      const out = new Map<string, GroupListing>();
      await Promise.all(
        [...this.cluster.brokers.keys()].map(async (id) => {
          const conn = await this.cluster.connection(id);
          const version = conn.versionOf(Apis.ListGroups);
          const r = await conn.send(Apis.ListGroups, { statesFilter: [...(options.states ?? [])], typesFilter: [...(options.types ?? [])] }, { version });
          if (r.errorCode !== 0) throw responseError(r.errorCode, `ListGroups on broker ${id}`);
          for (const g of r.groups) {
            // Filters a broker before v4/v5 could not apply are applied here where it told the state.
            if (version < 4 && options.states !== undefined && options.states.length > 0 && g.groupState !== '' && !options.states.includes(g.groupState)) continue;
            out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
          }
        }),
      );
      return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    });
  }

  /** Consumer groups (protocol type 'consumer', or '' for groups that only hold offsets), as Kafka's Admin lists them. */
  async listConsumerGroups(options: { states?: readonly string[] } = {}): Promise<GroupListing[]> {
    const all = await this.listGroups(options);
    return all.filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
  }

  /** Members, assignments, state and assignor of groups; a group that does not exist has error GROUP_ID_NOT_FOUND. */
  async describeConsumerGroups(groupIds: readonly string[]): Promise<ConsumerGroupDescription[]> {
    const results = await this.perGroup(groupIds, async (conn, ids, coordinator) => {
      const r = await conn.send(Apis.DescribeGroups, { groups: [...ids], includeAuthorizedOperations: false });
      const out = new Map<string, ConsumerGroupDescription | KafkaError>();
      for (const g of r.groups) {
        if (g.errorCode !== 0) {
          out.set(g.groupId, responseError(g.errorCode, `describing group ${g.groupId}`));
          continue;
        }
        if (g.groupState === 'Dead') {
          out.set(g.groupId, new KafkaError('GROUP_ID_NOT_FOUND', `group ${g.groupId} does not exist`));
          continue;
        }
        const consumer = g.protocolType === 'consumer' || g.protocolType === '';
        out.set(g.groupId, {
          groupId: g.groupId,
          isSimpleConsumerGroup: g.protocolType === '',
          state: g.groupState,
          protocolType: g.protocolType,
          partitionAssignor: g.protocolData,
          coordinator,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            host: m.clientHost,
            topics: consumer ? safely(() => [...decodeSubscription(m.memberMetadata).topics], []) : [],
            assignment: consumer ? safely(() => [...decodeAssignment(m.memberAssignment).partitions], []) : [],
          })),
        });
      }
      return out;
    });
    return groupIds.map((groupId) => {
      const r = results.get(groupId)!;
      if (!(r instanceof KafkaError)) return r;
      return { groupId, isSimpleConsumerGroup: false, state: '', protocolType: '', partitionAssignor: '', coordinator: null, members: [], error: r };
    });
  }

  /** Deletes groups (they must be empty); the outcome per group (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, ...). */
  async deleteConsumerGroups(groupIds: readonly string[]): Promise<({ groupId: string } & ItemResult)[]> {
    const results = await this.perGroup(groupIds, async (conn, ids) => {
      const r = await conn.send(Apis.DeleteGroups, { groupsNames: [...ids] });
      const out = new Map<string, true | KafkaError>();
      for (const g of r.results) out.set(g.groupId, g.errorCode === 0 ? true : responseError(g.errorCode, `deleting group ${g.groupId}`));
      return out;
    });
    return groupIds.map((groupId) => {
      const r = results.get(groupId)!;
      return r instanceof KafkaError ? { groupId, error: r } : { groupId };
    });
  }

  /** A group's committed offsets (all partitions, or those asked); partitions without one are left out. */
  async listConsumerGroupOffsets(groupId: string, options: { partitions?: readonly TopicPartition[]; requireStable?: boolean } = {}): Promise<CommittedOffset[]> {
    const r = await this.oneGroup(groupId, (conn) => fetchOffsets(conn, groupId, options.partitions ?? null, options.requireStable ?? false));
    return [...r.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /**
   * Sets a group's committed offsets, as a standalone commit (generation -1): Kafka accepts it only
   * while the group has no members (else UNKNOWN_MEMBER_ID). The outcome per partition.
   */
  async alterConsumerGroupOffsets(groupId: string, offsets: readonly OffsetAndMetadata[]): Promise<(TopicPartition & ItemResult)[]> {
    const topics = offsetCommitTopics(offsets);
    const r = await this.oneGroup(groupId, async (conn) => {
      const response = await conn.send(Apis.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics,
      });
      return this.partitionErrors(response.topics, groupId, 'committing');
    });
    return offsets.map((o) => withError({ topic: o.topic, partition: o.partition }, r.get(tpKey(o.topic, o.partition))));
  }

  /** Deletes a group's committed offsets for partitions (OffsetDelete; not for topics the group's members subscribe to). */
  async deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<(TopicPartition & ItemResult)[]> {
    const byTopic = groupByTopic(partitions, (tp) => tp.partition);
    const r = await this.oneGroup(groupId, async (conn) => {
      const response = await conn.send(Apis.OffsetDelete, {
        groupId,
        topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })),
      });
      if (response.errorCode !== 0) throw responseError(response.errorCode, `deleting offsets of group ${groupId}`);
      return this.partitionErrors(response.topics, groupId, 'deleting the offset of');
    });
    return partitions.map((tp) => withError({ topic: tp.topic, partition: tp.partition }, r.get(tpKey(tp.topic, tp.partition))));
  }

  // ---- cluster ----

  /** The KRaft quorum of __cluster_metadata: leader, epoch, high watermark, voters and observers. */
  async describeQuorum(): Promise<QuorumInfo> {
    return this.retrying(async () => {
      const r = await this.cluster.sendAny(Apis.DescribeQuorum, () => ({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }));
      if (r.errorCode !== 0) throw responseError(r.errorCode, 'DescribeQuorum', r.errorMessage);
      const p = r.topics[0]?.partitions[0];
      if (p === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', 'DescribeQuorum: no partition in the answer');
      if (p.errorCode !== 0) throw responseError(p.errorCode, 'DescribeQuorum', p.errorMessage);
      const replica = (v: { replicaId: number; replicaDirectoryId: string; logEndOffset: number; lastFetchTimestamp: number; lastCaughtUpTimestamp: number }): ReplicaState => ({
        replicaId: v.replicaId,
        replicaDirectoryId: v.replicaDirectoryId,
        logEndOffset: v.logEndOffset,
        lastFetchTimestamp: v.lastFetchTimestamp,
        lastCaughtUpTimestamp: v.lastCaughtUpTimestamp,
      });
      return {
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        highWatermark: p.highWatermark,
        voters: p.currentVoters.map(replica),
        observers: p.observers.map(replica),
        nodes: r.nodes.map((n) => ({ nodeId: n.nodeId, listeners: n.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })) })),
      };
    });
  }

  /**
   * Elects leaders: 'preferred' (the first replica, if in sync) or 'unclean' (any live replica) for
   * the partitions (null: all). The outcome per partition; ELECTION_NOT_NEEDED when the leader is already the one.
   */
  async electLeaders(electionType: 'preferred' | 'unclean', partitions: readonly TopicPartition[] | null, options: { timeoutMs?: number } = {}): Promise<(TopicPartition & ItemResult)[]> {
    return this.retrying(async () => {
      const topicPartitions = partitions === null ? null : [...groupByTopic(partitions, (tp) => tp.partition)].map(([topic, ps]) => ({ topic, partitions: ps }));
      const conn = await this.cluster.controllerConnection();
      const r = await conn.send(Apis.ElectLeaders, {
        electionType: electionType === 'preferred' ? 0 : 1,
        topicPartitions,
        timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
      });
      if (r.errorCode !== 0) throw responseError(r.errorCode, 'ElectLeaders');
      const out: (TopicPartition & ItemResult)[] = [];
      for (const t of r.replicaElectionResults) {
        for (const p of t.partitionResult) {
          const tp = { topic: t.topic, partition: p.partitionId };
          out.push(p.errorCode === 0 ? tp : { ...tp, error: responseError(p.errorCode, `electing a leader for ${t.topic}-${p.partitionId}`, p.errorMessage) });
        }
      }
      return out;
    });
  }

  /** Finalized and supported features (KIP-584), from a broker's ApiVersions answer. */
  async describeFeatures(): Promise<FeatureMetadata> {
    return this.retrying(async () => {
      const r = await this.cluster.sendAny(Apis.ApiVersions, () => ({ clientSoftwareName: this.cluster.options.softwareName, clientSoftwareVersion: this.cluster.options.softwareVersion }));
      if (r.errorCode !== 0) throw responseError(r.errorCode, 'ApiVersions');
      return {
        finalizedFeatures: r.finalizedFeatures.map((f) => ({ name: f.name, minVersionLevel: f.minVersionLevel, maxVersionLevel: f.maxVersionLevel })),
        finalizedFeaturesEpoch: r.finalizedFeaturesEpoch,
        supportedFeatures: r.supportedFeatures.map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
      };
    });
  }

  /** Changes finalized feature levels (e.g. metadata.version); the outcome per feature. */
  async updateFeatures(updates: readonly FeatureUpdate[], options: AdminOptions = {}): Promise<({ feature: string } & ItemResult)[]> {
    return this.retrying(async () => {
      const conn = await this.cluster.controllerConnection();
      const r = await conn.send(Apis.UpdateFeatures, {
        timeoutMs: options.timeoutMs ?? this.cluster.options.requestTimeoutMs,
        featureUpdates: updates.map((u) => {
          const type = u.upgradeType ?? 'upgrade';
          return { feature: u.feature, maxVersionLevel: u.maxVersionLevel, allowDowngrade: type !== 'upgrade', upgradeType: UPGRADE_TYPES[type] };
        }),
        validateOnly: options.validateOnly ?? false,
      });
      if (r.errorCode !== 0) {
        const e = responseError(r.errorCode, 'UpdateFeatures', r.errorMessage);
        if (e.retriable) throw e;
        return updates.map((u) => ({ feature: u.feature, error: e }));
      }
      const byName = new Map(r.results.map((x) => [x.feature, x]));
      return updates.map((u) => {
        const x = byName.get(u.feature);
        if (x === undefined || x.errorCode === 0) return { feature: u.feature };
        return { feature: u.feature, error: responseError(x.errorCode, `updating feature ${u.feature}`, x.errorMessage) };
      });
    });
  }

  // ---- transactions ----

  /** Producers with state on partitions (DescribeProducers to each leader), as kafka-transactions describe-producers shows. */
  async describeProducers(
    partitions: readonly TopicPartition[],
    options: { brokerId?: number } = {},
  ): Promise<(TopicPartition & ItemResult & { activeProducers: readonly ProducerState[] })[]> {
    const answers = new Map<string, { activeProducers: ProducerState[]; error?: KafkaError }>();
    const brokerId = options.brokerId;
    await this.retrying(async () => {
      const pending = partitions.filter((tp) => !answers.has(tpKey(tp.topic, tp.partition)));
      await this.cluster.topics([...new Set(pending.map((tp) => tp.topic))]);
      // A partition the metadata does not have is that partition's error, not the whole call's.
      const todo = pending.filter((tp) => {
        if (this.cluster.topic(tp.topic)?.partitions[tp.partition] !== undefined) return true;
        answers.set(tpKey(tp.topic, tp.partition), { activeProducers: [], error: new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${tp.topic}-${tp.partition} does not exist`) });
        return false;
      });
      // With a broker id (Kafka's DescribeProducersOptions.brokerId) that replica answers, and a
      // NOT_LEADER_OR_FOLLOWER from it is final.
      const groups = brokerId === undefined ? await groupByLeader(this.cluster, todo) : new Map(todo.length === 0 ? [] : [[brokerId, todo]]);
      await Promise.all(
        [...groups].map(async ([leader, list]) => {
          const conn = await this.cluster.connection(leader);
          const byTopic = groupByTopic(list, (tp) => tp.partition);
          const r = await conn.send(Apis.DescribeProducers, { topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
          let retry: KafkaError | undefined;
          for (const t of r.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0) {
                const e = responseError(p.errorCode, `describing producers of ${t.name}-${p.partitionIndex}${brokerId === undefined ? '' : ` on broker ${brokerId}`}`, p.errorMessage);
                if (e.retriable && (brokerId === undefined || e.name !== 'NOT_LEADER_OR_FOLLOWER')) {
                  retry = e;
                  this.cluster.invalidate(t.name);
                  continue;
                }
                answers.set(tpKey(t.name, p.partitionIndex), { activeProducers: [], error: e });
                continue;
              }
              answers.set(tpKey(t.name, p.partitionIndex), {
                activeProducers: p.activeProducers.map((a) => ({
                  producerId: a.producerId,
                  producerEpoch: a.producerEpoch,
                  lastSequence: a.lastSequence,
                  lastTimestamp: a.lastTimestamp,
                  coordinatorEpoch: a.coordinatorEpoch,
                  currentTransactionStartOffset: a.currentTxnStartOffset,
                })),
              });
            }
          }
          if (retry !== undefined) throw retry;
        }),
      );
    });
    return partitions.map((tp) => {
      const a = answers.get(tpKey(tp.topic, tp.partition)) ?? { activeProducers: [], error: new KafkaError('UNKNOWN_SERVER_ERROR', `no answer for ${tp.topic}-${tp.partition}`) };
      return { topic: tp.topic, partition: tp.partition, ...a };
    });
  }

  /**
   * Aborts an open transaction on one partition by writing an ABORT marker for its producer
   * (WriteTxnMarkers to the partition's leader), as Kafka's Admin.abortTransaction does for
   * hanging transactions. A coordinator epoch of -1 (never written) is sent as 0.
   */
  async abortTransaction(spec: TopicPartition & { producerId: number; producerEpoch: number; coordinatorEpoch: number }): Promise<void> {
    const what = `abort of ${spec.topic}-${spec.partition} (producer id ${spec.producerId}, epoch ${spec.producerEpoch}, coordinator epoch ${spec.coordinatorEpoch})`;
    await this.retrying(async () => {
      const groups = await groupByLeader(this.cluster, [spec]);
      const [leader] = [...groups.keys()];
      const conn = await this.cluster.connection(leader as number);
      const r = await conn.send(Apis.WriteTxnMarkers, {
        markers: [
          {
            producerId: spec.producerId,
            producerEpoch: spec.producerEpoch,
            transactionResult: false,
            coordinatorEpoch: Math.max(0, spec.coordinatorEpoch),
            topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }],
          },
        ],
      });
      const p = r.markers.find((m) => m.producerId === spec.producerId)?.topics.find((t) => t.name === spec.topic)?.partitions.find((x) => x.partitionIndex === spec.partition);
      if (p === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', `WriteTxnMarkers: no answer for the ${what}`);
      if (p.errorCode !== 0) {
        const e = responseError(p.errorCode, `WriteTxnMarkers for the ${what}`);
        if (e.retriable) this.cluster.invalidate(spec.topic);
        throw e;
      }
    });
  }

  /** Transactional ids known to the transaction coordinators of every broker, optionally filtered. */
  async listTransactions(options: { states?: readonly string[]; producerIds?: readonly number[]; durationFilterMs?: number } = {}): Promise<TransactionListing[]> {
    return this.retrying(async () => {
      await this.cluster.refresh([]);
      const out = new Map<string, TransactionListing>();
      await Promise.all(
        [...this.cluster.brokers.keys()].map(async (id) => {
          const conn = await this.cluster.connection(id);
          const r = await conn.send(Apis.ListTransactions, {
            stateFilters: [...(options.states ?? [])],
            producerIdFilters: [...(options.producerIds ?? [])],
            durationFilter: options.durationFilterMs ?? -1,
          });
          if (r.errorCode !== 0) throw responseError(r.errorCode, `ListTransactions on broker ${id}`);
          for (const t of r.transactionStates) out.set(t.transactionalId, { transactionalId: t.transactionalId, coordinatorId: id, producerId: t.producerId, state: t.transactionState });
        }),
      );
      return [...out.values()].sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
    });
  }

  /** State, producer id/epoch, timeout and partitions of transactions (DescribeTransactions to their coordinators). */
  async describeTransactions(transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
    const results = await this.perKey(this.txnCoordinators, transactionalIds, async (conn, ids, coordinator) => {
      const r = await conn.send(Apis.DescribeTransactions, { transactionalIds: [...ids] });
      const out = new Map<string, TransactionDescription | KafkaError>();
      for (const t of r.transactionStates) {
        if (t.errorCode !== 0) {
          out.set(t.transactionalId, responseError(t.errorCode, `describing transaction ${t.transactionalId}`));
          continue;
        }
        out.set(t.transactionalId, {
          transactionalId: t.transactionalId,
          coordinatorId: coordinator.nodeId,
          state: t.transactionState,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          transactionTimeoutMs: t.transactionTimeoutMs,
          transactionStartTimeMs: t.transactionStartTimeMs,
          topicPartitions: t.topics.flatMap((x) => x.partitions.map((partition) => ({ topic: x.topic, partition }))),
        });
      }
      return out;
    });
    return transactionalIds.map((transactionalId) => {
      const r = results.get(transactionalId)!;
      if (!(r instanceof KafkaError)) return r;
      return { transactionalId, coordinatorId: -1, state: '', producerId: -1, producerEpoch: -1, transactionTimeoutMs: 0, transactionStartTimeMs: -1, topicPartitions: [], error: r };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cluster.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('the admin client is closed');
  }

  private retrying<T>(op: () => Promise<T>, retries?: number): Promise<T> {
    this.assertOpen();
    return this.cluster.withRetries(op, retries);
  }

  private perGroup<R>(groupIds: readonly string[], op: (conn: Connection, ids: readonly string[], coordinator: CoordinatorNode) => Promise<Map<string, R | KafkaError>>): Promise<Map<string, R | KafkaError>> {
    return this.perKey(this.groupCoordinators, groupIds, op);
  }

  /**
   * Runs `op` against each key's coordinator (keys batched per coordinator), retrying keys whose
   * error is retriable (coordinator moved or loading, lost connection) up to `retries` times.
   * Every key ends with its result or its error.
   */
  private async perKey<R>(
    cache: CoordinatorCache,
    keys: readonly string[],
    op: (conn: Connection, keys: readonly string[], coordinator: CoordinatorNode) => Promise<Map<string, R | KafkaError>>,
  ): Promise<Map<string, R | KafkaError>> {
    this.assertOpen();
    const done = new Map<string, R | KafkaError>();
    let pending = [...new Set(keys)];
    for (let attempt = 0; pending.length > 0; attempt++) {
      const last = attempt >= this.cluster.options.retries;
      const retry: string[] = [];
      const settle = (key: string, r: R | KafkaError) => {
        if (r instanceof KafkaError && r.retriable && !last) {
          cache.check(key, r);
          retry.push(key);
        } else {
          if (r instanceof KafkaError) cache.check(key, r);
          done.set(key, r);
        }
      };
      let nodes: Map<string, CoordinatorNode | KafkaError>;
      try {
        nodes = await cache.nodes(pending);
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        nodes = new Map(pending.map((k) => [k, e]));
      }
      const byNode = new Map<number, { node: CoordinatorNode; keys: string[] }>();
      for (const k of pending) {
        const n = nodes.get(k)!;
        if (n instanceof KafkaError) {
          settle(k, n);
          continue;
        }
        let entry = byNode.get(n.nodeId);
        if (entry === undefined) byNode.set(n.nodeId, (entry = { node: n, keys: [] }));
        entry.keys.push(k);
      }
      await Promise.all(
        [...byNode.values()].map(async ({ node, keys: ks }) => {
          let answers: Map<string, R | KafkaError>;
          try {
            answers = await op(await this.cluster.coordinatorConnection(node), ks, node);
          } catch (e) {
            if (!(e instanceof KafkaError)) throw e;
            answers = new Map(ks.map((k) => [k, e]));
          }
          for (const k of ks) settle(k, answers.get(k) ?? new KafkaError('UNKNOWN_SERVER_ERROR', `no answer for ${k}`));
        }),
      );
      pending = retry;
      if (pending.length > 0) await delay(this.cluster.env, this.cluster.options.retryBackoffMs);
    }
    return done;
  }

  /** `op` against one group's coordinator, retrying retriable errors; throws the final error. */
  private async oneGroup<T>(groupId: string, op: (conn: Connection) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      try {
        return await op(await this.groupCoordinators.connection(groupId));
      } catch (e) {
        throw this.groupCoordinators.check(groupId, e);
      }
    });
  }

  /**
   * Per-partition errors of an OffsetCommit/OffsetDelete answer. Coordinator errors (retriable)
   * throw so the whole call is retried; the others are the partitions' outcomes.
   */
  private partitionErrors(topics: readonly { name: string; partitions: readonly { partitionIndex: number; errorCode: number }[] }[], groupId: string, what: string): Map<string, KafkaError | undefined> {
    const out = new Map<string, KafkaError | undefined>();
    for (const t of topics) {
      for (const p of t.partitions) {
        if (p.errorCode === 0) {
          out.set(tpKey(t.name, p.partitionIndex), undefined);
          continue;
        }
        const e = responseError(p.errorCode, `${what} ${t.name}-${p.partitionIndex} for group ${groupId}`);
        if (isCoordinatorMoved(e) || p.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw e;
        out.set(tpKey(t.name, p.partitionIndex), e);
      }
    }
    return out;
  }

  /** Broker-specific resources go to that broker (as Kafka's admin routes them); the rest to any broker. */
  private async routeConfigResources<R extends ConfigResource>(resources: readonly R[]): Promise<Map<Connection, R[]>> {
    const out = new Map<Connection, R[]>();
    for (const r of resources) {
      const specific = (r.type === 'broker' || r.type === 'broker_logger') && /^\d+$/.test(r.name);
      if (specific && !this.cluster.brokers.has(Number(r.name))) await this.cluster.refresh([]);
      const conn = specific ? await this.cluster.connection(Number(r.name)) : await this.cluster.anyConnection();
      let l = out.get(conn);
      if (l === undefined) out.set(conn, (l = []));
      l.push(r);
    }
    return out;
  }
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function withError<T extends object>(item: T, error: KafkaError | undefined): T & ItemResult {
  return error === undefined ? item : { ...item, error };
}
