import { ErrorCode, KafkaError, ZERO_UUID } from '../common/index.js';
import { Apis } from './apis.js';
import type { Cluster, PartitionInfo } from './cluster.js';
import type { Connection } from './connection.js';
import { ClientClosedError, responseError } from './errors.js';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  groupByLeader,
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

export interface TopicDescription {
  readonly name: string;
  readonly topicId: string;
  readonly isInternal: boolean;
  readonly partitions: readonly PartitionInfo[];
}

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

  constructor(private readonly cluster: Cluster) {}

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
        return { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions: t.partitions };
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
          const byTopic = new Map<string, { partitionIndex: number; offset: number }[]>();
          for (const r of list) {
            let l = byTopic.get(r.topic);
            if (l === undefined) byTopic.set(r.topic, (l = []));
            l.push({ partitionIndex: r.partition, offset: r.offset });
          }
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
