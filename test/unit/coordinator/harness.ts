/** A GroupCoordinator on a SimClock with an in-memory writer, for state-machine tests. */
import { GroupCoordinator, NEW_MEMBER_JOIN_TIMEOUT_MS } from '../../../src/coordinator/index.js';
import type { CoordinatorRecord, GroupCoordinatorConfig, RequestInfo, WriteOptions } from '../../../src/coordinator/index.js';
import { encodeSubscription } from '../../../src/protocol/index.js';
import type { JoinGroupRequest, JoinGroupResponse, SyncGroupResponse } from '../../../src/protocol/index.js';
import { SimClock } from '../../../src/testkit/index.js';

export const DEFAULT_CONFIG: GroupCoordinatorConfig = {
  numPartitions: 1,
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 60_000,
  maxSize: 1000,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  commitTimeoutMs: 5000,
  compressionCodec: 0,
  newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
};

export interface Written {
  readonly partition: number;
  readonly records: readonly CoordinatorRecord[];
  /** Set for transactional appends (TxnOffsetCommit). */
  readonly options?: WriteOptions;
}

export class Harness {
  readonly clock = new SimClock();
  readonly written: Written[] = [];
  /** What the next appends answer (an error code, or a promise of one). */
  outcome: () => number | Promise<number> = () => 0;
  readonly gc: GroupCoordinator;
  private uuid = 0;

  constructor(config: Partial<GroupCoordinatorConfig> = {}, load = true) {
    const full = { ...DEFAULT_CONFIG, ...config };
    this.gc = new GroupCoordinator({
      config: full,
      nowMs: () => this.clock.nowMs(),
      monoMs: () => this.clock.monotonicMs(),
      newUuid: () => `uuid${++this.uuid}`,
      writerFor: (partition) => (records, options) => {
        this.written.push(options === undefined ? { partition, records } : { partition, records, options });
        return this.outcome();
      },
    });
    if (load) {
      for (let p = 0; p < full.numPartitions; p++) {
        this.gc.beginLoad(p);
        this.gc.completeLoad(p);
      }
    }
  }

  /** Advances time and runs due timers. */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.gc.poll(this.clock.monotonicMs());
  }

  allRecords(): CoordinatorRecord[] {
    return this.written.flatMap((w) => w.records);
  }
}

export const info = (apiVersion = 5, clientId = 'client'): RequestInfo => ({ apiVersion, clientId, clientHost: '/127.0.0.1' });

export function subscription(topics: string[], version = 1): Buffer {
  return encodeSubscription({ topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, version);
}

export function joinReq(init: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
    ...init,
  };
}

/** A promise whose settlement can be observed synchronously after `flush()`. */
export class Tracked<T> {
  value: T | undefined;
  done = false;
  constructor(p: Promise<T> | T) {
    void Promise.resolve(p).then((v) => {
      this.value = v;
      this.done = true;
    });
  }
  get(): T {
    if (!this.done) throw new Error('not settled');
    return this.value as T;
  }
}

/** Lets settled promises' callbacks run (no time passes). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function join(h: Harness, init: Partial<JoinGroupRequest> = {}, version = 5): Tracked<JoinGroupResponse> {
  return new Tracked(h.gc.joinGroup(joinReq(init), info(version)));
}

export function sync(
  h: Harness,
  memberId: string,
  generationId: number,
  assignments: Array<{ memberId: string; assignment: Buffer }> = [],
  extra: { groupInstanceId?: string | null; groupId?: string } = {},
): Tracked<SyncGroupResponse> {
  return new Tracked(
    h.gc.syncGroup({
      groupId: extra.groupId ?? 'g',
      generationId,
      memberId,
      groupInstanceId: extra.groupInstanceId ?? null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    }),
  );
}

export function heartbeat(h: Harness, memberId: string, generationId: number, groupInstanceId: string | null = null): number {
  return h.gc.heartbeat({ groupId: 'g', generationId, memberId, groupInstanceId });
}

/** Joins a dynamic member the v4+ way (MEMBER_ID_REQUIRED, then again with the id). Returns the parked second join. */
export async function joinDynamic(h: Harness, init: Partial<JoinGroupRequest> = {}): Promise<Tracked<JoinGroupResponse>> {
  const first = join(h, init);
  await flush();
  const id = first.get().memberId;
  return join(h, { ...init, memberId: id });
}
