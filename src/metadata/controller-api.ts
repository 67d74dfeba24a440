import type {
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponseCreatePartitionsTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
  ElectLeadersRequest,
  ElectLeadersResponse,
  UpdateFeaturesRequest,
  UpdateFeaturesResponse,
} from '../protocol/index.js';
import type { ConfigResource } from './image.js';

/**
 * What a broker asks of the active controller, after Kafka's `Controller` interface. In combined
 * mode (this issue) handlers call it in process; with a remote controller the same calls travel
 * as forwarded requests. Every write resolves only once its records are committed AND replayed
 * into the broker's published image (so a created topic is visible in Metadata right away).
 * Results carry Kafka error codes; a promise rejects only on a bug or shutdown.
 */
export interface ControllerRequestContext {
  /** Absolute deadline (clock ms); past it, the call answers REQUEST_TIMED_OUT. */
  readonly deadlineMs: number;
  /** The API version the client used (some validations differ by version). */
  readonly requestVersion: number;
}

export interface ApiError {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export const NO_ERROR: ApiError = Object.freeze({ errorCode: 0, errorMessage: null });

/** IncrementalAlterConfigs operations (wire values). */
export const OP_SET = 0;
export const OP_DELETE = 1;
export const OP_APPEND = 2;
export const OP_SUBTRACT = 3;

export interface IncrementalConfigChange {
  readonly op: number;
  readonly value: string | null;
}

export interface ControllerApi {
  /** Validates (names, partition counts, replication factors, assignments, configs) and creates. */
  createTopics(ctx: ControllerRequestContext, request: CreateTopicsRequest): Promise<CreateTopicsResponse>;
  /** Resolves topic names to ids (UNKNOWN_TOPIC_OR_PARTITION per missing name). */
  findTopicIds(names: readonly string[]): Map<string, { topicId: string } | ApiError>;
  findTopicNames(ids: readonly string[]): Map<string, { name: string } | ApiError>;
  deleteTopics(ctx: ControllerRequestContext, topicIds: readonly string[]): Promise<Map<string, ApiError>>;
  createPartitions(
    ctx: ControllerRequestContext,
    topics: readonly CreatePartitionsRequestCreatePartitionsTopic[],
    validateOnly: boolean,
  ): Promise<CreatePartitionsResponseCreatePartitionsTopicResult[]>;
  incrementalAlterConfigs(
    ctx: ControllerRequestContext,
    changes: ReadonlyMap<ConfigResource, ReadonlyMap<string, IncrementalConfigChange>>,
    validateOnly: boolean,
  ): Promise<Map<ConfigResource, ApiError>>;
  /** AlterConfigs: replaces the whole set of a resource's dynamic configs. */
  legacyAlterConfigs(
    ctx: ControllerRequestContext,
    configs: ReadonlyMap<ConfigResource, ReadonlyMap<string, string | null>>,
    validateOnly: boolean,
  ): Promise<Map<ConfigResource, ApiError>>;
  electLeaders(ctx: ControllerRequestContext, request: ElectLeadersRequest): Promise<ElectLeadersResponse>;
  updateFeatures(ctx: ControllerRequestContext, request: UpdateFeaturesRequest): Promise<UpdateFeaturesResponse>;
  allocateProducerIds(ctx: ControllerRequestContext, request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse>;
  /** DeleteRecords needs no controller; DescribeQuorum is answered from the raft client. */
}
