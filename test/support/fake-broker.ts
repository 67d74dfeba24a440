/**
 * A minimal single-node "broker" for tests that need a real client to talk to us: it answers just
 * enough of the protocol (ApiVersions, Metadata, Produce, Fetch, ListOffsets, FindCoordinator, the
 * classic group APIs, offsets, InitProducerId) for a producer to produce and a group consumer to
 * join and read back what was produced. Every request frame is captured byte for byte, so golden
 * tests can check that our codec decodes and re-encodes exactly what real clients send.
 *
 * It is written only with our codec (requests decoded, responses encoded by it), so a client
 * that gets through a session has also accepted our responses. It is NOT a broker: one partition
 * per topic, topics auto-created on first mention, one member per group, no error paths.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import {
  API_BY_KEY,
  ApiVersionsRequest,
  ApiVersionsResponse,
  FetchRequest,
  FetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  FrameDecoder,
  HeartbeatResponse,
  InitProducerIdResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  ProduceRequest,
  ProduceResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  createFindCoordinatorResponseCoordinator,
  createJoinGroupResponseMember,
  createLeaveGroupResponseMemberResponse,
  createListOffsetsResponseListOffsetsPartitionResponse,
  createListOffsetsResponseListOffsetsTopicResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  createOffsetCommitResponsePartition,
  createOffsetCommitResponseTopic,
  createOffsetFetchResponseGroup,
  createOffsetFetchResponsePartition,
  createOffsetFetchResponsePartitions,
  createOffsetFetchResponseTopic,
  createOffsetFetchResponseTopics,
  createProduceResponsePartitionProduceResponse,
  createProduceResponseTopicProduceResponse,
  decodeBody,
  encodeResponseFrame,
  encodeUnsupportedApiVersionsResponse,
  parseRequestHeader,
} from '../../src/protocol/index.js';
import type { ApiVersionsResponseApiVersion, MessageDescriptor, RequestHeader } from '../../src/protocol/index.js';
import { iterateBatches } from '../../src/protocol/records/index.js';

export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
} as const;

/** The node id of the fake, as seen in Metadata and FindCoordinator. */
export const FAKE_NODE_ID = 1;
const FAKE_CLUSTER_ID = 'gregor-fake-cluster-0';
/** An empty fetch is held at most this long (bounded below the client's maxWaitMs) so consumers do not spin. */
const EMPTY_FETCH_HOLD_MS = 50;
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Bounds on what a test may make the fake hold. */
const MAX_CAPTURED_REQUESTS = 5000;
const MAX_CONNECTIONS = 64;

export interface FakeBrokerOptions {
  /**
   * 'all': every version our schemas define, as Kafka 3.9 advertises them (unstable latest ones
   * left out); 'non-flexible': only versions below each API's first flexible version (a broker
   * from before KIP-482).
   */
  versions?: VersionMode;
  /**
   * Raises the advertised minimum of some apis (by api key). Note that librdkafka up to 2.11
   * stops compressing with gzip, snappy and lz4 when Produce v0 is not advertised.
   */
  minVersions?: Readonly<Record<number, number>>;
}

export type VersionMode = 'all' | 'non-flexible';

export interface CapturedRequest {
  /** The frame as received, without its 4-byte size prefix (a private copy). */
  frame: Buffer;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Which connection it came on, numbered from 0 in accept order. */
  connection: number;
}

interface PartitionLog {
  topicId: string;
  /** Stored batches (copies, base offsets assigned). */
  batches: Buffer[];
  logEndOffset: number;
}

interface Waiter {
  predicate: () => boolean;
  resolve: () => void;
}

export function topicIdFor(name: string): string {
  // Deterministic and never the zero uuid: the first 16 bytes of a hash of the name.
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[0] = bytes[0]! | 1;
  return bytes.toString('base64url');
}

export class FakeBroker {
  readonly host = '127.0.0.1';
  readonly requests: CapturedRequest[] = [];
  /** Anything that went wrong inside the fake (a decode error is a codec bug the test must see). */
  readonly errors: Error[] = [];
  readonly topics = new Map<string, PartitionLog>();
  private readonly committed = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<Waiter>();
  private readonly supported: ApiVersionsResponseApiVersion[];
  private connectionCount = 0;
  private memberCount = 0;
  private closed = false;

  private constructor(private readonly server: Server, readonly port: number, options: FakeBrokerOptions) {
    this.supported = supportedVersions(options.versions ?? 'all', options.minVersions ?? {});
  }

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const broker = new FakeBroker(server, address.port, options);
    server.on('connection', (s) => broker.accept(s));
    return broker;
  }

  get bootstrap(): string {
    return `${this.host}:${this.port}`;
  }

  /** The advertised range of an api key, or undefined when the fake does not answer it. */
  advertised(apiKey: number): ApiVersionsResponseApiVersion | undefined {
    return this.supported.find((v) => v.apiKey === apiKey);
  }

  /** Resolves once `predicate` holds (checked after every handled request); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.requests.map((r) => `${API_BY_KEY.get(r.apiKey)?.name ?? r.apiKey}v${r.apiVersion}`).join(' ');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; requests seen: ${seen}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** How many records were produced to a topic (its log end offset). */
  producedRecordCount(topic: string): number {
    return this.topics.get(topic)?.logEndOffset ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const w of [...this.waiters]) if (w.predicate()) w.resolve();
  }

  private accept(socket: Socket): void {
    if (this.closed || this.sockets.size >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    const connection = this.connectionCount++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    // Kafka answers the requests of one connection in order; a chain keeps that even when a
    // handler waits (an empty Fetch is held for a while).
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        this.fail(e, socket);
        return;
      }
      for (const f of frames) {
        const frame = Buffer.from(f);
        chain = chain
          .then(() => this.handle(frame, connection))
          .then((out) => {
            if (out !== null && !socket.destroyed) {
              socket.cork();
              for (const b of out) socket.write(b);
              socket.uncork();
            }
            this.notify();
          })
          .catch((e: unknown) => this.fail(e, socket));
      }
    });
  }

  private fail(e: unknown, socket: Socket): void {
    if (!this.closed) this.errors.push(e instanceof Error ? e : new Error(String(e)));
    socket.destroy();
    this.notify();
  }

  private async handle(frame: Buffer, connection: number): Promise<Buffer[] | null> {
    const parsed = parseRequestHeader(frame);
    const h = parsed.header;
    if (this.requests.length < MAX_CAPTURED_REQUESTS) {
      this.requests.push({
        frame,
        apiKey: h.requestApiKey,
        apiVersion: h.requestApiVersion,
        correlationId: h.correlationId,
        clientId: h.clientId,
        connection,
      });
    }
    if (h.requestApiKey === API.ApiVersions) return this.apiVersions(frame, parsed.bodyOffset, h);
    const range = this.advertised(h.requestApiKey);
    if (range === undefined || h.requestApiVersion < range.minVersion || h.requestApiVersion > range.maxVersion) {
      throw new Error(`client sent api ${h.requestApiKey} v${h.requestApiVersion}, which the fake does not advertise`);
    }
    const api = parsed.api!;
    const body: unknown = decodeBody(api.request, frame, parsed.bodyOffset, h.requestApiVersion);
    const response = await this.respond(h, body);
    if (response === null) return null;
    return encodeResponseFrame(h.correlationId, h.requestApiKey, h.requestApiVersion, api.response as MessageDescriptor<unknown>, response);
  }

  private apiVersions(frame: Buffer, bodyOffset: number, h: RequestHeader): Buffer[] {
    const v = h.requestApiVersion;
    const ours = this.advertised(API.ApiVersions)!;
    // A version we do not speak gets the v0 error answer with our ranges, so the client can retry.
    if (v > ours.maxVersion) return encodeUnsupportedApiVersionsResponse(h.correlationId, this.supported);
    decodeBody(ApiVersionsRequest, frame, bodyOffset, v);
    const body = ApiVersionsResponse.create({ apiKeys: this.supported.map((s) => ({ ...s })) });
    return encodeResponseFrame(h.correlationId, API.ApiVersions, v, ApiVersionsResponse, body);
  }

  private respond(h: RequestHeader, body: unknown): Promise<unknown> | unknown {
    const v = h.requestApiVersion;
    switch (h.requestApiKey) {
      case API.Metadata: return this.metadata(body as MetadataRequest, v);
      case API.Produce: return this.produce(body as ProduceRequest);
      case API.Fetch: return this.fetch(body as FetchRequest, v);
      case API.ListOffsets: return this.listOffsets(body as ListOffsetsRequest);
      case API.FindCoordinator: return this.findCoordinator(body as FindCoordinatorRequest);
      case API.JoinGroup: return this.joinGroup(body as JoinGroupRequest, h);
      case API.SyncGroup: return this.syncGroup(body as SyncGroupRequest);
      case API.Heartbeat: return HeartbeatResponse.create();
      case API.LeaveGroup: return this.leaveGroup(body as LeaveGroupRequest);
      case API.OffsetFetch: return this.offsetFetch(body as OffsetFetchRequest, v);
      case API.OffsetCommit: return this.offsetCommit(body as OffsetCommitRequest);
      case API.InitProducerId: return InitProducerIdResponse.create({ producerId: 4242, producerEpoch: 0 });
      default: throw new Error(`no handler for api ${h.requestApiKey}`);
    }
  }

  private topic(name: string): PartitionLog {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = { topicId: topicIdFor(name), batches: [], logEndOffset: 0 };
      this.topics.set(name, t);
    }
    return t;
  }

  private topicNameById(id: string): string | undefined {
    for (const [name, t] of this.topics) if (t.topicId === id) return name;
    return undefined;
  }

  private metadata(req: MetadataRequest, v: number): MetadataResponse {
    // v0: an empty list means all topics; v1+: null means all. Named topics are auto-created.
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    const names = all ? [...this.topics.keys()] : req.topics!.map((t) => t.name ?? this.topicNameById(t.topicId) ?? '');
    return MetadataResponse.create({
      brokers: [createMetadataResponseBroker({ nodeId: FAKE_NODE_ID, host: this.host, port: this.port, rack: null })],
      clusterId: FAKE_CLUSTER_ID,
      controllerId: FAKE_NODE_ID,
      topics: names.map((name) => {
        const t = this.topic(name);
        return createMetadataResponseTopic({
          name,
          topicId: t.topicId,
          partitions: [
            createMetadataResponsePartition({
              partitionIndex: 0,
              leaderId: FAKE_NODE_ID,
              leaderEpoch: 0,
              replicaNodes: [FAKE_NODE_ID],
              isrNodes: [FAKE_NODE_ID],
            }),
          ],
        });
      }),
    });
  }

  private produce(req: ProduceRequest): ProduceResponse | null {
    const responses = req.topicData.map((td) => {
      const t = this.topic(td.name);
      return createProduceResponseTopicProduceResponse({
        name: td.name,
        partitionResponses: td.partitionData.map((pd) => {
          const baseOffset = t.logEndOffset;
          // Copy: the captured frame must keep the client's bytes, and we patch offsets in place.
          for (const batch of iterateBatches(Buffer.from(pd.records ?? Buffer.alloc(0)))) {
            batch.baseOffset = t.logEndOffset;
            batch.partitionLeaderEpoch = 0;
            t.logEndOffset = batch.nextOffset;
            t.batches.push(batch.buf);
          }
          return createProduceResponsePartitionProduceResponse({ index: pd.index, baseOffset, logStartOffset: 0 });
        }),
      });
    });
    // acks=0: Kafka sends no response at all.
    return req.acks === 0 ? null : ProduceResponse.create({ responses });
  }

  private async fetch(req: FetchRequest, v: number): Promise<FetchResponse> {
    const build = (): { response: FetchResponse; bytes: number } => {
      let bytes = 0;
      const responses = req.topics.map((ft) => {
        const name = v >= 13 ? (this.topicNameById(ft.topicId) ?? '') : ft.topic;
        const t = this.topic(name);
        return createFetchResponseFetchableTopicResponse({
          topic: name,
          topicId: t.topicId,
          partitions: ft.partitions.map((fp) => {
            const chosen: Buffer[] = [];
            let size = 0;
            for (const b of t.batches) {
              const first = Number(b.readBigInt64BE(0));
              const last = first + b.readInt32BE(23);
              if (last < fp.fetchOffset) continue;
              // At least one batch, then up to the partition's byte limit, as Kafka does.
              if (chosen.length > 0 && size + b.length > fp.partitionMaxBytes) break;
              chosen.push(b);
              size += b.length;
            }
            bytes += size;
            return createFetchResponsePartitionData({
              partitionIndex: fp.partition,
              highWatermark: t.logEndOffset,
              lastStableOffset: t.logEndOffset,
              logStartOffset: 0,
              abortedTransactions: [],
              records: Buffer.concat(chosen),
            });
          }),
        });
      });
      return { response: FetchResponse.create({ responses }), bytes };
    };
    const first = build();
    if (first.bytes > 0 || req.maxWaitMs <= 0) return first.response;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, Math.min(req.maxWaitMs, EMPTY_FETCH_HOLD_MS));
      this.timers.add(timer);
    });
    return build().response;
  }

  private listOffsets(req: ListOffsetsRequest): ListOffsetsResponse {
    return ListOffsetsResponse.create({
      topics: req.topics.map((lt) => {
        const t = this.topic(lt.name);
        return createListOffsetsResponseListOffsetsTopicResponse({
          name: lt.name,
          partitions: lt.partitions.map((lp) => {
            // -2 earliest, anything else answered with the log end (latest): enough for consumers.
            const offset = lp.timestamp === -2 ? 0 : t.logEndOffset;
            return createListOffsetsResponseListOffsetsPartitionResponse({
              partitionIndex: lp.partitionIndex,
              oldStyleOffsets: [offset],
              timestamp: -1,
              offset,
              leaderEpoch: 0,
            });
          }),
        });
      }),
    });
  }

  private findCoordinator(req: FindCoordinatorRequest): FindCoordinatorResponse {
    const keys = req.coordinatorKeys.length > 0 ? req.coordinatorKeys : [req.key];
    return FindCoordinatorResponse.create({
      nodeId: FAKE_NODE_ID,
      host: this.host,
      port: this.port,
      coordinators: keys.map((key) => createFindCoordinatorResponseCoordinator({ key, nodeId: FAKE_NODE_ID, host: this.host, port: this.port })),
    });
  }

  private joinGroup(req: JoinGroupRequest, h: RequestHeader): JoinGroupResponse {
    // One member per group: whoever joins is accepted at once and made the leader.
    const memberId = req.memberId !== '' ? req.memberId : `${h.clientId ?? 'member'}-${++this.memberCount}`;
    const protocol = req.protocols[0];
    return JoinGroupResponse.create({
      generationId: 1,
      protocolType: req.protocolType,
      protocolName: protocol?.name ?? '',
      leader: memberId,
      memberId,
      members: [createJoinGroupResponseMember({ memberId, groupInstanceId: req.groupInstanceId, metadata: protocol?.metadata ?? Buffer.alloc(0) })],
    });
  }

  private syncGroup(req: SyncGroupRequest): SyncGroupResponse {
    // The leader computed the assignment; a single-member group hands it straight back.
    const own = req.assignments.find((a) => a.memberId === req.memberId);
    return SyncGroupResponse.create({
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignment: own?.assignment ?? Buffer.alloc(0),
    });
  }

  private leaveGroup(req: LeaveGroupRequest): LeaveGroupResponse {
    return LeaveGroupResponse.create({
      members: req.members.map((m) => createLeaveGroupResponseMemberResponse({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })),
    });
  }

  private committedOffset(group: string, topic: string, partition: number): number {
    return this.committed.get(`${group}\u0000${topic}\u0000${partition}`) ?? -1;
  }

  private offsetFetch(req: OffsetFetchRequest, v: number): OffsetFetchResponse {
    if (v >= 8) {
      return OffsetFetchResponse.create({
        groups: req.groups.map((g) =>
          createOffsetFetchResponseGroup({
            groupId: g.groupId,
            topics: (g.topics ?? []).map((t) =>
              createOffsetFetchResponseTopics({
                name: t.name,
                partitions: t.partitionIndexes.map((p) =>
                  createOffsetFetchResponsePartitions({ partitionIndex: p, committedOffset: this.committedOffset(g.groupId, t.name, p), metadata: '' }),
                ),
              }),
            ),
          }),
        ),
      });
    }
    return OffsetFetchResponse.create({
      topics: (req.topics ?? []).map((t) =>
        createOffsetFetchResponseTopic({
          name: t.name,
          partitions: t.partitionIndexes.map((p) =>
            createOffsetFetchResponsePartition({ partitionIndex: p, committedOffset: this.committedOffset(req.groupId, t.name, p), metadata: '' }),
          ),
        }),
      ),
    });
  }

  private offsetCommit(req: OffsetCommitRequest): OffsetCommitResponse {
    for (const t of req.topics) {
      for (const p of t.partitions) this.committed.set(`${req.groupId}\u0000${t.name}\u0000${p.partitionIndex}`, p.committedOffset);
    }
    return OffsetCommitResponse.create({
      topics: req.topics.map((t) =>
        createOffsetCommitResponseTopic({
          name: t.name,
          partitions: t.partitions.map((p) => createOffsetCommitResponsePartition({ partitionIndex: p.partitionIndex })),
        }),
      ),
    });
  }
}

/** The ranges the fake advertises in a mode: what it answers, per api key. */
export function supportedVersions(mode: VersionMode, minVersions: Readonly<Record<number, number>> = {}): ApiVersionsResponseApiVersion[] {
  const out: ApiVersionsResponseApiVersion[] = [];
  for (const apiKey of Object.values(API)) {
    const req = API_BY_KEY.get(apiKey)!.request;
    const minVersion = minVersions[apiKey] ?? req.minVersion;
    let maxVersion = req.latestVersionUnstable ? req.maxVersion - 1 : req.maxVersion;
    if (mode === 'non-flexible') maxVersion = Math.min(maxVersion, req.flexibleMinVersion - 1);
    out.push({ apiKey, minVersion, maxVersion });
  }
  return out;
}
