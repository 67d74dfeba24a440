/**
 * The null broker: the cheapest Kafka-protocol server we can write with our own codec, used as the
 * ceiling every macro-benchmark figure is divided by. It stores nothing:
 * - ApiVersions, Metadata (every topic asked for exists with `partitions` partitions led by us),
 *   ListOffsets (earliest 0, latest = what was "produced" so far);
 * - Produce: success with increasing offsets per partition (count from each batch header's
 *   lastOffsetDelta), no validation, no copy; acks=0 gets no answer;
 * - Fetch: one pre-built batch of `fetchRecordBytes` records (≈ partitionMaxBytes) served again
 *   and again at whatever offset is asked for, its baseOffset patched in place (outside the CRC).
 *   A small ring of copies per connection keeps a buffer the socket still holds from being patched.
 * - a lone consumer group (kafka-consumer-perf-test subscribes, as Kafka's does): FindCoordinator
 *   (us), JoinGroup (every joiner leads a group of itself, generation 1), SyncGroup (hands the
 *   leader its own assignment back), Heartbeat/LeaveGroup/OffsetCommit (success, nothing kept),
 *   OffsetFetch (no committed offsets);
 * Anything else closes the connection (and is counted), so a client needing more shows up loudly.
 *
 * Run alone: `node dist/bench/macro/null-broker.js [--port N] [--partitions N] [--fetch-record-bytes N]`
 * prints `null broker listening on HOST:PORT` and serves until killed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  FetchRequest,
  FetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  FrameDecoder,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  buildRecordBatch,
  createFetchResponsePartitionData,
  createListOffsetsResponseListOffsetsPartitionResponse,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  createProduceResponsePartitionProduceResponse,
  decodeBody,
  encodeResponseFrame,
  encodeUnsupportedApiVersionsResponse,
  parseRequestHeader,
} from '../../src/protocol/index.js';
import type { MessageDescriptor } from '../../src/protocol/index.js';

const API = {
  produce: 0,
  fetch: 1,
  listOffsets: 2,
  metadata: 3,
  offsetCommit: 8,
  offsetFetch: 9,
  findCoordinator: 10,
  joinGroup: 11,
  heartbeat: 12,
  leaveGroup: 13,
  syncGroup: 14,
  apiVersions: 18,
} as const;
/** What we advertise: the ranges Gregor's handlers declare, so clients pick the same versions. */
export const NULL_BROKER_API_VERSIONS = [
  { apiKey: API.produce, minVersion: 0, maxVersion: 11 },
  { apiKey: API.fetch, minVersion: 0, maxVersion: 12 },
  { apiKey: API.listOffsets, minVersion: 0, maxVersion: 7 },
  { apiKey: API.metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: API.offsetCommit, minVersion: 0, maxVersion: 8 },
  { apiKey: API.offsetFetch, minVersion: 0, maxVersion: 7 },
  { apiKey: API.findCoordinator, minVersion: 0, maxVersion: 4 },
  { apiKey: API.joinGroup, minVersion: 0, maxVersion: 9 },
  { apiKey: API.heartbeat, minVersion: 0, maxVersion: 4 },
  { apiKey: API.leaveGroup, minVersion: 0, maxVersion: 5 },
  { apiKey: API.syncGroup, minVersion: 0, maxVersion: 5 },
  { apiKey: API.apiVersions, minVersion: 0, maxVersion: 3 },
] as const;

const EARLIEST = -2;
const LATEST = -1;
const BASE_OFFSET_POS = 0;
const LAST_OFFSET_DELTA_POS = 23;
const BATCH_LENGTH_POS = 8;
const LOG_OVERHEAD = 12;
const RING_MAX = 16;

export interface NullBrokerOptions {
  host?: string;
  port?: number;
  /** Partitions of every topic (Metadata). */
  partitions?: number;
  /** Value size of the records the Fetch template carries. */
  fetchRecordBytes?: number;
  /** Total size the Fetch template aims at (one batch), capped by the request's partitionMaxBytes. */
  fetchBatchBytes?: number;
}

export interface NullBroker {
  readonly host: string;
  readonly port: number;
  readonly stats: { requests: number; produced: number; fetched: number; unknownApis: number };
  close(): Promise<void>;
}

interface Template {
  buf: Buffer;
  count: number;
}

/** One batch of `count` records of `valueBytes` each, base offset 0. */
function buildTemplate(valueBytes: number, batchBytes: number): Template {
  const count = Math.max(1, Math.floor(batchBytes / (valueBytes + 12)));
  const value = Buffer.alloc(valueBytes, 0x61);
  const records = Array.from({ length: count }, () => ({ value, timestamp: 1_700_000_000_000 }));
  return { buf: buildRecordBatch({ records }), count };
}

export function startNullBroker(options: NullBrokerOptions = {}): Promise<NullBroker> {
  const host = options.host ?? '127.0.0.1';
  const partitions = options.partitions ?? 1;
  const template = buildTemplate(options.fetchRecordBytes ?? 1024, options.fetchBatchBytes ?? 1024 * 1024 - 4096);
  const nextOffset = new Map<string, number>();
  let memberSeq = 0;
  const stats = { requests: 0, produced: 0, fetched: 0, unknownApis: 0 };
  let port = 0;

  const send = (socket: Socket, slices: Buffer[], done?: () => void): void => {
    socket.cork();
    for (let i = 0; i < slices.length - 1; i++) socket.write(slices[i]!);
    socket.write(slices[slices.length - 1]!, done);
    socket.uncork();
  };

  function reply<T>(socket: Socket, correlationId: number, apiKey: number, version: number, desc: MessageDescriptor<T>, body: T, done?: () => void): void {
    send(socket, encodeResponseFrame(correlationId, apiKey, version, desc, body), done);
  }

  function onConnection(socket: Socket): void {
    socket.setNoDelay(true);
    const frames = new FrameDecoder(200 * 1024 * 1024);
    // Ring of template copies: one is patched only once the socket has let go of it.
    const ring: { buf: Buffer; busy: boolean }[] = [];
    const freeCopy = (): { buf: Buffer; busy: boolean } => {
      for (const c of ring) if (!c.busy) return c;
      const c = { buf: Buffer.from(template.buf), busy: false };
      if (ring.length < RING_MAX) ring.push(c);
      return c;
    };
    socket.on('data', (chunk: Buffer) => {
      let list: Buffer[];
      try {
        list = frames.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of list) if (!handle(socket, frame, freeCopy)) return;
    });
    socket.on('error', () => socket.destroy());
  }

  function handle(socket: Socket, frame: Buffer, freeCopy: () => { buf: Buffer; busy: boolean }): boolean {
    stats.requests++;
    const { header, api, bodyOffset } = parseRequestHeader(frame);
    const v = header.requestApiVersion;
    const cid = header.correlationId;
    switch (header.requestApiKey) {
      case API.apiVersions: {
        if (v > 3) {
          send(socket, encodeUnsupportedApiVersionsResponse(cid, [{ apiKey: API.apiVersions, minVersion: 0, maxVersion: 3 }]));
          return true;
        }
        decodeBody(ApiVersionsRequest, frame, bodyOffset, v);
        const body = ApiVersionsResponse.create({ apiKeys: NULL_BROKER_API_VERSIONS.map((a) => ({ ...a })) });
        reply(socket, cid, API.apiVersions, v, ApiVersionsResponse, body);
        return true;
      }
      case API.metadata: {
        const req = decodeBody(MetadataRequest, frame, bodyOffset, v);
        const names = req.topics === null ? [...new Set([...nextOffset.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))] : req.topics.map((t) => t.name ?? '');
        const topics = names.map((name) =>
          createMetadataResponseTopic({
            name,
            partitions: Array.from({ length: partitions }, (_, i) =>
              createMetadataResponsePartition({ partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }),
            ),
          }),
        );
        const body = MetadataResponse.create({ brokers: [{ nodeId: 1, host, port, rack: null }], clusterId: 'null-broker', controllerId: 1, topics });
        reply(socket, cid, API.metadata, v, MetadataResponse, body);
        return true;
      }
      case API.produce: {
        const req = decodeBody(ProduceRequest, frame, bodyOffset, v);
        const responses = req.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => {
            const key = `${t.name}:${p.index}`;
            const base = nextOffset.get(key) ?? 0;
            let n = 0;
            const recs = p.records;
            if (recs !== null) {
              for (let pos = 0; pos + LOG_OVERHEAD <= recs.length; pos += LOG_OVERHEAD + recs.readInt32BE(pos + BATCH_LENGTH_POS)) {
                n += recs.readInt32BE(pos + LAST_OFFSET_DELTA_POS) + 1;
              }
            }
            nextOffset.set(key, base + n);
            stats.produced += n;
            return createProduceResponsePartitionProduceResponse({ index: p.index, baseOffset: base, logAppendTimeMs: -1, logStartOffset: 0 });
          }),
        }));
        if (req.acks !== 0) reply(socket, cid, API.produce, v, ProduceResponse, ProduceResponse.create({ responses }));
        return true;
      }
      case API.listOffsets: {
        const req = decodeBody(ListOffsetsRequest, frame, bodyOffset, v);
        const topics = req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const end = nextOffset.get(`${t.name}:${p.partitionIndex}`) ?? 0;
            const offset = p.timestamp === EARLIEST ? 0 : p.timestamp === LATEST ? end : 0;
            return createListOffsetsResponseListOffsetsPartitionResponse({
              partitionIndex: p.partitionIndex,
              offset,
              oldStyleOffsets: [offset],
              timestamp: -1,
              leaderEpoch: 0,
            });
          }),
        }));
        reply(socket, cid, API.listOffsets, v, ListOffsetsResponse, ListOffsetsResponse.create({ topics }));
        return true;
      }
      case API.fetch: {
        const req = decodeBody(FetchRequest, frame, bodyOffset, v);
        const held: { buf: Buffer; busy: boolean }[] = [];
        const responses = req.topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => {
            const copy = freeCopy();
            copy.busy = true;
            held.push(copy);
            copy.buf.writeBigInt64BE(BigInt(p.fetchOffset), BASE_OFFSET_POS);
            stats.fetched += template.count;
            return createFetchResponsePartitionData({
              partitionIndex: p.partition,
              highWatermark: p.fetchOffset + template.count,
              lastStableOffset: p.fetchOffset + template.count,
              logStartOffset: 0,
              abortedTransactions: [],
              records: copy.buf,
            });
          }),
        }));
        const body = FetchResponse.create({ responses });
        reply(socket, cid, API.fetch, v, FetchResponse, body, () => {
          for (const c of held) c.busy = false;
        });
        return true;
      }
      case API.findCoordinator: {
        const req = decodeBody(FindCoordinatorRequest, frame, bodyOffset, v);
        const keys = v >= 4 ? req.coordinatorKeys : [req.key];
        const body = FindCoordinatorResponse.create({
          nodeId: 1,
          host,
          port,
          coordinators: keys.map((key) => ({ key, nodeId: 1, host, port, errorCode: 0, errorMessage: null })),
        });
        reply(socket, cid, API.findCoordinator, v, FindCoordinatorResponse, body);
        return true;
      }
      case API.joinGroup: {
        const req = decodeBody(JoinGroupRequest, frame, bodyOffset, v);
        const memberId = req.memberId !== '' ? req.memberId : `null-member-${++memberSeq}`;
        const protocol = req.protocols[0];
        const body = JoinGroupResponse.create({
          generationId: 1,
          protocolType: req.protocolType,
          protocolName: protocol?.name ?? null,
          leader: memberId,
          memberId,
          members: [{ memberId, groupInstanceId: req.groupInstanceId, metadata: protocol?.metadata ?? Buffer.alloc(0) }],
        });
        reply(socket, cid, API.joinGroup, v, JoinGroupResponse, body);
        return true;
      }
      case API.syncGroup: {
        const req = decodeBody(SyncGroupRequest, frame, bodyOffset, v);
        const own = req.assignments.find((a) => a.memberId === req.memberId);
        const body = SyncGroupResponse.create({ protocolType: req.protocolType, protocolName: req.protocolName, assignment: own?.assignment ?? Buffer.alloc(0) });
        reply(socket, cid, API.syncGroup, v, SyncGroupResponse, body);
        return true;
      }
      case API.heartbeat: {
        decodeBody(HeartbeatRequest, frame, bodyOffset, v);
        reply(socket, cid, API.heartbeat, v, HeartbeatResponse, HeartbeatResponse.create({}));
        return true;
      }
      case API.leaveGroup: {
        const req = decodeBody(LeaveGroupRequest, frame, bodyOffset, v);
        const members = req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 }));
        reply(socket, cid, API.leaveGroup, v, LeaveGroupResponse, LeaveGroupResponse.create({ members }));
        return true;
      }
      case API.offsetCommit: {
        const req = decodeBody(OffsetCommitRequest, frame, bodyOffset, v);
        const topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) }));
        reply(socket, cid, API.offsetCommit, v, OffsetCommitResponse, OffsetCommitResponse.create({ topics }));
        return true;
      }
      case API.offsetFetch: {
        const req = decodeBody(OffsetFetchRequest, frame, bodyOffset, v);
        const topics = (req.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: null, errorCode: 0 })),
        }));
        reply(socket, cid, API.offsetFetch, v, OffsetFetchResponse, OffsetFetchResponse.create({ topics }));
        return true;
      }
      default:
        stats.unknownApis++;
        process.stderr.write(`null broker: unsupported api ${header.requestApiKey} v${v} (${api?.name ?? '?'}); closing\n`);
        socket.destroy();
        return false;
    }
  }

  const server: Server = createServer(onConnection);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const a = server.address();
      port = typeof a === 'object' && a !== null ? a.port : 0;
      resolve({
        host,
        port,
        stats,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}

function argValue(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opts: NullBrokerOptions = {};
  const port = argValue('--port');
  const partitions = argValue('--partitions');
  const recordBytes = argValue('--fetch-record-bytes');
  if (port !== undefined) opts.port = port;
  if (partitions !== undefined) opts.partitions = partitions;
  if (recordBytes !== undefined) opts.fetchRecordBytes = recordBytes;
  const b = await startNullBroker(opts);
  process.stdout.write(`null broker listening on ${b.host}:${b.port}\n`);
  process.on('SIGTERM', () => void b.close().then(() => process.exit(0)));
}
