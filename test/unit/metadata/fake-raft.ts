import { BrokerConfig } from '../../../src/config/index.js';
import {
  METADATA_RECORD_SERDE,
  MetadataLoader,
  QuorumController,
  type ApiMessageAndVersion,
  type ControllerRequestContext,
} from '../../../src/metadata/index.js';
import { createBrokerRegistrationRequest, createBrokerHeartbeatRequest } from '../../../src/protocol/index.js';
import { NotLeaderError, type Batch, type LeaderAndEpoch, type QuorumInfo, type RaftClient, type RaftClientListener, type SnapshotReader } from '../../../src/raft/index.js';
import { Prng, SimClock } from '../../../src/testkit/index.js';

interface StoredSnapshot {
  offset: number;
  epoch: number;
  lastContainedLogTimestamp: number;
  batches: Batch<ApiMessageAndVersion>[];
}

/**
 * A tiny in-memory RaftClient: one voter, appends go to a log, `commit()` hands everything appended
 * to the listeners in registration order. Every record crosses METADATA_RECORD_SERDE on the way, as
 * it would through the real log.
 */
export class FakeRaft implements RaftClient<ApiMessageAndVersion> {
  readonly listeners: RaftClientListener<ApiMessageAndVersion>[] = [];
  readonly log: Batch<ApiMessageAndVersion>[] = [];
  snapshots: StoredSnapshot[] = [];
  committed = 0; // batches delivered
  leader: LeaderAndEpoch = { leaderId: -1, epoch: 0 };
  failNextAppend = false;
  autoCommit = false;
  time = 1_700_000_000_000;

  constructor(readonly nodeId = 1) {}

  register(listener: RaftClientListener<ApiMessageAndVersion>): void {
    this.listeners.push(listener);
  }
  unregister(listener: RaftClientListener<ApiMessageAndVersion>): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }
  leaderAndEpoch(): LeaderAndEpoch {
    return this.leader;
  }
  endOffset(): number {
    const last = this.log[this.log.length - 1];
    return last === undefined ? (this.snapshots[this.snapshots.length - 1]?.offset ?? 0) : last.lastOffset + 1;
  }
  /** Makes this node leader of a new epoch; an empty control batch marks the epoch start, as raft's LeaderChangeMessage does. */
  elect(): void {
    this.leader = { leaderId: this.nodeId, epoch: this.leader.epoch + 1 };
    this.#appendBatch([]);
    for (const l of this.listeners) l.handleLeaderChange(this.leader);
  }
  resign(newLeader = -1): void {
    this.leader = { leaderId: newLeader, epoch: this.leader.epoch + 1 };
    // Uncommitted entries of the old epoch are lost.
    this.log.splice(this.committed);
    for (const l of this.listeners) l.handleLeaderChange(this.leader);
  }
  scheduleAtomicAppend(epoch: number, records: readonly ApiMessageAndVersion[]): number {
    if (this.leader.leaderId !== this.nodeId || epoch !== this.leader.epoch) throw new NotLeaderError('not leader', this.leader);
    if (this.failNextAppend) {
      this.failNextAppend = false;
      throw new Error('disk full');
    }
    const batch = this.#appendBatch(records.map(roundTrip));
    if (this.autoCommit) queueMicrotask(() => this.commit());
    return batch.lastOffset;
  }
  #appendBatch(records: ApiMessageAndVersion[]): Batch<ApiMessageAndVersion> {
    const baseOffset = this.endOffset();
    const batch: Batch<ApiMessageAndVersion> = {
      baseOffset,
      lastOffset: baseOffset + Math.max(records.length, 1) - 1,
      epoch: this.leader.epoch,
      appendTimestamp: this.time++,
      sizeInBytes: 61 + records.reduce((n, r) => n + METADATA_RECORD_SERDE.size(r) + 8, 0),
      records,
    };
    this.log.push(batch);
    return batch;
  }
  /** Delivers every appended batch to the listeners. */
  commit(): void {
    while (this.committed < this.log.length) {
      const batch = this.log[this.committed++] as Batch<ApiMessageAndVersion>;
      for (const l of this.listeners) l.handleCommit(batch);
    }
  }
  highWatermark(): number {
    const b = this.log[this.committed - 1];
    return b === undefined ? 0 : b.lastOffset + 1;
  }
  createSnapshot(offset: number, epoch: number, lastContainedLogTimestamp: number, records: Iterable<readonly ApiMessageAndVersion[]>): boolean {
    if (this.snapshots.some((s) => s.offset === offset)) return false;
    const batches = [...records].map((rs, i) => ({
      baseOffset: offset - 1,
      lastOffset: offset - 1,
      epoch,
      appendTimestamp: lastContainedLogTimestamp,
      sizeInBytes: i,
      records: rs.map(roundTrip),
    }));
    this.snapshots.push({ offset, epoch, lastContainedLogTimestamp, batches });
    return true;
  }
  snapshotReader(s: StoredSnapshot): SnapshotReader<ApiMessageAndVersion> {
    return { offset: s.offset, epoch: s.epoch, lastContainedLogTimestamp: s.lastContainedLogTimestamp, batches: s.batches };
  }
  quorumInfo(): QuorumInfo {
    return { leaderId: this.leader.leaderId, leaderEpoch: this.leader.epoch, highWatermark: this.highWatermark(), currentVoters: [], observers: [] };
  }
}

export function roundTrip(r: ApiMessageAndVersion): ApiMessageAndVersion {
  const buf = Buffer.alloc(METADATA_RECORD_SERDE.size(r));
  const end = METADATA_RECORD_SERDE.write(r, buf, 0);
  if (end !== buf.length) throw new Error(`serde wrote ${end} of ${buf.length} bytes`);
  return METADATA_RECORD_SERDE.read(buf);
}

export const CLUSTER_ID = 'q1Sh-9_ISia_zwGINzRvyQ';

export function brokerConfig(extra: Record<string, string> = {}): BrokerConfig {
  return BrokerConfig.from(
    new Map(
      Object.entries({
        'process.roles': 'broker,controller',
        'node.id': '1',
        'controller.quorum.voters': '1@localhost:9093',
        listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        'controller.listener.names': 'CONTROLLER',
        'log.dirs': '/tmp/gregor-test',
        ...extra,
      }),
    ),
  );
}

/** A seeded uuid source (22-char base64url). */
export function uuidSource(seed = 1): () => string {
  const prng = new Prng(seed);
  return () => {
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) b[i] = prng.nextInt(256);
    return b.toString('base64url');
  };
}

export function ctx(version = 7, deadlineMs = 1e12): ControllerRequestContext {
  return { deadlineMs, requestVersion: version };
}

/** A combined node: raft, loader (registered first), controller. */
export class Harness {
  readonly clock = new SimClock();
  readonly raft = new FakeRaft(1);
  readonly loader: MetadataLoader;
  readonly controller: QuorumController;
  readonly published: number[] = [];

  constructor(extra: Record<string, string> = {}, options: { bootstrapMetadataVersion?: number; snapshotBytes?: number } = {}) {
    this.loader = new MetadataLoader({
      clusterId: CLUSTER_ID,
      ...(options.snapshotBytes === undefined ? {} : { snapshots: { raft: this.raft, maxBytesBetweenSnapshots: options.snapshotBytes, maxIntervalMs: 0 } }),
    });
    this.loader.registerPublisher({ name: 'test', onMetadataUpdate: (img) => this.published.push(img.provenance.lastContainedOffset) });
    this.controller = new QuorumController({
      nodeId: 1,
      clusterId: CLUSTER_ID,
      raft: this.raft,
      config: brokerConfig(extra),
      clock: this.clock,
      newUuid: uuidSource(),
      ...(options.bootstrapMetadataVersion === undefined ? {} : { bootstrapMetadataVersion: options.bootstrapMetadataVersion }),
    });
    this.raft.register(this.loader);
    this.raft.register(this.controller);
  }

  /** Elects, commits the bootstrap records. */
  start(): this {
    this.raft.elect();
    this.raft.commit();
    return this;
  }

  /** Runs a controller call, committing what it appended; returns its answer. */
  async run<T>(f: () => Promise<T>): Promise<T> {
    const p = f();
    this.raft.commit();
    return p;
  }

  /** Registers broker `id` and heartbeats until unfenced. */
  async addBroker(id = 1, incarnationId = uuidSource(100 + id)()): Promise<number> {
    const reg = await this.run(() =>
      this.controller.registerBroker(
        ctx(4),
        createBrokerRegistrationRequest({
          brokerId: id,
          clusterId: CLUSTER_ID,
          incarnationId,
          listeners: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 + id, securityProtocol: 0 }],
          features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: 21 }],
          logDirs: [uuidSource(200 + id)()],
        }),
      ),
    );
    if (reg.errorCode !== 0) throw new Error(`registration failed: ${reg.errorCode}`);
    const hb = await this.heartbeat(id, reg.brokerEpoch);
    if (hb.isFenced) throw new Error('still fenced');
    return reg.brokerEpoch;
  }

  heartbeat(id: number, brokerEpoch: number, extra: { wantFence?: boolean; wantShutDown?: boolean; offset?: number } = {}) {
    return this.run(() =>
      this.controller.brokerHeartbeat(
        ctx(1),
        createBrokerHeartbeatRequest({
          brokerId: id,
          brokerEpoch,
          currentMetadataOffset: extra.offset ?? this.loader.image().provenance.lastContainedOffset,
          wantFence: extra.wantFence ?? false,
          wantShutDown: extra.wantShutDown ?? false,
        }),
      ),
    );
  }
}
