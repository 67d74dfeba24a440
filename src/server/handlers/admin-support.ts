/**
 * What the admin handlers (Metadata, CreateTopics, DescribeConfigs, ...) share: the authorized-operations bitfields of an allow-all authorizer, the controller request
 * context, and the view of a partition and of the brokers through one listener, as Kafka's
 * KRaftMetadataCache computes them.
 */
import { ErrorCode } from '../../common/index.js';
import { BrokerConfig, brokerConfigSpec } from '../../config/index.js';
import { OP_APPEND, OP_DELETE, OP_SET, OP_SUBTRACT } from '../../metadata/index.js';
import type { BrokerRegistration, ControllerRequestContext, MetadataImage, PartitionRegistration } from '../../metadata/index.js';
import type { BrokerContext } from '../broker-context.js';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Kafka's Topic.isInternal: the topics the coordinators own. */
export function isInternalTopic(name: string): boolean {
  return name === GROUP_METADATA_TOPIC || name === TRANSACTION_STATE_TOPIC;
}

/** The schema default of authorized-operations fields: "not requested". */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** AclOperation wire codes (Kafka's org.apache.kafka.common.acl.AclOperation). */
const ACL = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

function bitfield(ops: readonly number[]): number {
  let bits = 0;
  for (const op of ops) bits |= 1 << op;
  return bits;
}

/**
 * With no authorizer Kafka reports every operation the resource type supports
 * (AclEntry.supportedOperations); there is no authorizer here yet, so everything is allowed.
 */
export const TOPIC_AUTHORIZED_OPERATIONS = bitfield([
  ACL.READ, ACL.WRITE, ACL.CREATE, ACL.DESCRIBE, ACL.DELETE, ACL.ALTER, ACL.DESCRIBE_CONFIGS, ACL.ALTER_CONFIGS,
]);
export const CLUSTER_AUTHORIZED_OPERATIONS = bitfield([
  ACL.CREATE, ACL.CLUSTER_ACTION, ACL.DESCRIBE_CONFIGS, ACL.ALTER_CONFIGS, ACL.IDEMPOTENT_WRITE, ACL.ALTER, ACL.DESCRIBE,
]);

/**
 * The context of a controller call: the deadline is on the monotonic clock (Kafka turns the
 * request's timeout into a deadline the same way, requestTimeoutMsToDeadlineNs).
 */
export function controllerContext(broker: BrokerContext, timeoutMs: number, requestVersion: number): ControllerRequestContext {
  return { deadlineMs: broker.clock.monotonicMs() + Math.max(0, timeoutMs), requestVersion };
}

/** Listener names compare as Kafka's ListenerName does: case-insensitively (it upper-cases them). */
function sameListener(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

export interface BrokerNode {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** A broker's endpoint on a listener (fenced or not), as BrokerRegistration.node does. */
export function brokerNode(broker: BrokerRegistration | undefined, listenerName: string): BrokerNode | undefined {
  if (broker === undefined) return undefined;
  const endpoint = broker.listeners.find((l) => sameListener(l.name, listenerName));
  if (endpoint === undefined) return undefined;
  return { id: broker.id, host: endpoint.host, port: endpoint.port, rack: broker.rack };
}

/** Unfenced brokers with an endpoint on the listener, by id (Kafka's getAliveBrokerNodes). */
export function aliveBrokerNodes(image: MetadataImage, listenerName: string): BrokerNode[] {
  const out: BrokerNode[] = [];
  for (const broker of image.brokers.values()) {
    if (broker.fenced) continue;
    const node = brokerNode(broker, listenerName);
    if (node !== undefined) out.push(node);
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * The controller id brokers report in KRaft: Kafka picks a random alive broker (clients only use it
 * to send admin requests, which any broker forwards). Deterministic here: this broker when alive,
 * else the lowest alive id, else -1.
 */
export function reportedControllerId(image: MetadataImage, nodeId: number): number {
  const self = image.brokers.get(nodeId);
  if (self !== undefined && !self.fenced) return nodeId;
  let lowest = -1;
  for (const b of image.brokers.values()) if (!b.fenced && (lowest < 0 || b.id < lowest)) lowest = b.id;
  return lowest;
}

export interface PartitionView {
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicaNodes: number[];
  readonly isrNodes: number[];
  readonly offlineReplicas: number[];
}

/**
 * One partition as clients on `listenerName` see it (KRaftMetadataCache.getPartitionMetadata):
 * the leader only if it has an endpoint on that listener; replicas and ISR filtered to live ones
 * only when `filterUnavailable` (Metadata v0); offline replicas are those unregistered, fenced or
 * without the listener.
 */
export function partitionView(
  image: MetadataImage,
  partition: PartitionRegistration,
  listenerName: string,
  filterUnavailable: boolean,
  listenerNotFoundError: boolean,
): PartitionView {
  const isLive = (id: number): boolean => {
    const b = image.brokers.get(id);
    return b !== undefined && !b.fenced && brokerNode(b, listenerName) !== undefined;
  };
  const replicaNodes = filterUnavailable ? partition.replicas.filter(isLive) : [...partition.replicas];
  const isrNodes = filterUnavailable ? partition.isr.filter(isLive) : [...partition.isr];
  const offlineReplicas = partition.replicas.filter((id) => !isLive(id));
  const leaderBroker = image.brokers.get(partition.leader);
  const leader = brokerNode(leaderBroker, listenerName);
  let errorCode: number = ErrorCode.NONE;
  if (leader === undefined) {
    errorCode = leaderBroker === undefined || !listenerNotFoundError ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.LISTENER_NOT_FOUND;
  } else if (replicaNodes.length < partition.replicas.length || isrNodes.length < partition.isr.length) {
    errorCode = ErrorCode.REPLICA_NOT_AVAILABLE;
  }
  return {
    errorCode,
    leaderId: leader === undefined ? -1 : leader.id,
    leaderEpoch: partition.leaderEpoch,
    replicaNodes,
    isrNodes,
    offlineReplicas,
  };
}

/** Partitions of a topic in index order. */
export function sortedPartitions(partitions: ReadonlyMap<number, PartitionRegistration>): Array<[number, PartitionRegistration]> {
  return [...partitions.entries()].sort((a, b) => a[0] - b[0]);
}

/** A refusal of one config resource (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs), found on this broker. */
export class ConfigResourceError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Kafka's ConfigAdminManager.validateResourceNameIsCurrentNodeId: the error message when a BROKER
 * resource names another node (or no number), else undefined.
 */
export function brokerIdProblem(resourceName: string, nodeId: number, noun = 'Node id', orEmpty = false): string | undefined {
  const id = /^-?\d+$/.test(resourceName.trim()) ? Number(resourceName.trim()) : Number.NaN;
  if (!Number.isSafeInteger(id)) return `${noun} must be an integer, but it is: ${resourceName}`;
  if (id !== nodeId) return `Unexpected broker id, expected ${nodeId}${orEmpty ? ' or empty string' : ''}, but received ${resourceName}`;
  return undefined;
}

/** Log levels Kafka accepts for BROKER_LOGGER resources (LogLevelConfig.VALID_LOG_LEVELS). */
export const VALID_LOG_LEVELS = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export const ROOT_LOGGER = 'root';

/**
 * BROKER_LOGGER levels per broker. Kafka changes log4j levels at run time (KIP-412); the Logger
 * interface here has no levels yet, so the levels are recorded (and described back) but do not
 * change what is logged. Not persisted, as in Kafka.
 */
const loggerLevels = new WeakMap<object, Map<string, string>>();

export function brokerLoggerLevels(broker: BrokerContext): Map<string, string> {
  let levels = loggerLevels.get(broker);
  if (levels === undefined) {
    levels = new Map([[ROOT_LOGGER, 'INFO']]);
    loggerLevels.set(broker, levels);
  }
  return levels;
}

/** Configs Kafka gives the internal topics it auto-creates (AutoTopicCreationManager.creatableTopic). */
export function internalTopicSettings(
  name: string,
  config: BrokerConfig,
): { numPartitions: number; replicationFactor: number; configs: Array<[string, string]> } | undefined {
  if (name === GROUP_METADATA_TOPIC) {
    return {
      numPartitions: config.get('offsets.topic.num.partitions'),
      replicationFactor: config.get('offsets.topic.replication.factor'),
      configs: [
        ['cleanup.policy', 'compact'],
        ['compression.type', 'producer'],
        ['segment.bytes', String(config.get('offsets.topic.segment.bytes'))],
      ],
    };
  }
  if (name === TRANSACTION_STATE_TOPIC) {
    return {
      numPartitions: config.get('transaction.state.log.num.partitions'),
      replicationFactor: config.get('transaction.state.log.replication.factor'),
      configs: [
        ['cleanup.policy', 'compact'],
        ['compression.type', 'uncompressed'],
        ['min.insync.replicas', String(config.get('transaction.state.log.min.isr'))],
        ['segment.bytes', String(config.get('transaction.state.log.segment.bytes'))],
        ['unclean.leader.election.enable', 'false'],
      ],
    };
  }
  return undefined;
}

/**
 * Kafka's DynamicBrokerConfig.validate as ConfigAdminManager applies it to a BROKER resource's
 * dynamic configs after a change (`props`, the whole resulting set): read-only configs cannot be
 * set dynamically, per-broker ones not at the cluster default level ('' name), and every value must
 * parse and pass its validator together with the other layers. Returns Kafka's message (the client
 * gets INVALID_REQUEST), or undefined when the change is acceptable.
 */
export function brokerChangeProblem(config: BrokerConfig, resourceName: string, props: ReadonlyMap<string, string>): string | undefined {
  const perBroker = resourceName !== '';
  const readOnly = [...props.keys()].filter((k) => brokerConfigSpec(k)?.dynamic === 'read-only');
  if (readOnly.length > 0) return `Cannot update these configs dynamically: Set(${readOnly.join(', ')})`;
  if (!perBroker) {
    const onlyPerBroker = [...props.keys()].filter((k) => brokerConfigSpec(k)?.dynamic === 'per-broker');
    if (onlyPerBroker.length > 0) {
      return `Cannot update these configs at default cluster level, broker id must be specified: Set(${onlyPerBroker.join(', ')})`;
    }
  }
  const layers = perBroker
    ? { static: config.layers.static, clusterDefault: config.layers.clusterDefault, perBroker: props }
    : { static: config.layers.static, clusterDefault: props, perBroker: config.layers.perBroker };
  const problems = BrokerConfig.validate(layers);
  return problems.length === 0 ? undefined : problems.join('\n');
}

/** Kafka's prepareIncrementalConfigs for a BROKER resource: the dynamic configs after the operations. */
export function applyIncrementalBrokerOps(
  current: ReadonlyMap<string, string>,
  ops: ReadonlyArray<{ name: string; op: number; value: string | null }>,
): Map<string, string> | { errorCode: number; message: string } {
  const props = new Map(current);
  for (const { name, op, value } of ops) {
    switch (op) {
      case OP_SET:
        props.set(name, value ?? '');
        break;
      case OP_DELETE:
        props.delete(name);
        break;
      case OP_APPEND:
      case OP_SUBTRACT: {
        const spec = brokerConfigSpec(name);
        if (spec?.type !== 'list') {
          const verb = op === OP_APPEND ? 'append' : 'subtract';
          return { errorCode: ErrorCode.INVALID_CONFIG, message: `Config value ${verb} is not allowed for config key: ${name}` };
        }
        const fallback = Array.isArray(spec.default) ? (spec.default as string[]).join(',') : '';
        const old = (props.get(name) ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');
        const given = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        const next = op === OP_APPEND ? [...new Set([...old, ...given])] : old.filter((s) => !given.includes(s));
        props.set(name, next.join(','));
        break;
      }
      default:
        return { errorCode: ErrorCode.INVALID_REQUEST, message: `Unknown operations type ${op}` };
    }
  }
  return props;
}
