import type { MessageDescriptor } from '../protocol/index.js';
import {
  AlterConfigsRequest,
  AlterConfigsResponse,
  ApiVersionsRequest,
  ApiVersionsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeClusterRequest,
  DescribeClusterResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  FetchRequest,
  FetchResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
} from '../protocol/index.js';

/** One API as the client calls it: key, request and response codecs, typed. */
export interface Api<Req, Res> {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageDescriptor<Req>;
  readonly response: MessageDescriptor<Res>;
  /**
   * Lowest version this client speaks. The codec covers every version, but the client writes only
   * record format v2 (Produce >= 3, Fetch >= 4) and reads ListOffsets' single-offset answer (>= 1).
   */
  readonly clientMinVersion: number;
}

function api<Req, Res>(name: string, request: MessageDescriptor<Req>, response: MessageDescriptor<Res>, clientMinVersion = request.minVersion): Api<Req, Res> {
  return Object.freeze({ apiKey: request.apiKey, name, request, response, clientMinVersion });
}

export const Apis = Object.freeze({
  Produce: api('Produce', ProduceRequest, ProduceResponse, 3),
  Fetch: api('Fetch', FetchRequest, FetchResponse, 4),
  ListOffsets: api('ListOffsets', ListOffsetsRequest, ListOffsetsResponse, 1),
  Metadata: api('Metadata', MetadataRequest, MetadataResponse, 1),
  ApiVersions: api('ApiVersions', ApiVersionsRequest, ApiVersionsResponse),
  CreateTopics: api('CreateTopics', CreateTopicsRequest, CreateTopicsResponse),
  DeleteTopics: api('DeleteTopics', DeleteTopicsRequest, DeleteTopicsResponse),
  DeleteRecords: api('DeleteRecords', DeleteRecordsRequest, DeleteRecordsResponse),
  InitProducerId: api('InitProducerId', InitProducerIdRequest, InitProducerIdResponse),
  DescribeConfigs: api('DescribeConfigs', DescribeConfigsRequest, DescribeConfigsResponse),
  AlterConfigs: api('AlterConfigs', AlterConfigsRequest, AlterConfigsResponse),
  DescribeLogDirs: api('DescribeLogDirs', DescribeLogDirsRequest, DescribeLogDirsResponse),
  CreatePartitions: api('CreatePartitions', CreatePartitionsRequest, CreatePartitionsResponse),
  IncrementalAlterConfigs: api('IncrementalAlterConfigs', IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse),
  DescribeCluster: api('DescribeCluster', DescribeClusterRequest, DescribeClusterResponse),
});
