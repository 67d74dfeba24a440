/** A TransactionCoordinator on a SimClock with an in-memory writer and a scripted marker sender. */
import { ErrorCode } from '../../../../src/common/index.js';
import { TopicPartitionSet, TransactionCoordinator, decodeTransactionRecord } from '../../../../src/coordinator/index.js';
import type { CoordinatorRecord, MaybePromise, TransactionCoordinatorConfig, TransactionMetadata } from '../../../../src/coordinator/index.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../../src/protocol/index.js';
import { SimClock } from '../../../../src/testkit/index.js';

export const DEFAULT_CONFIG: TransactionCoordinatorConfig = {
  numPartitions: 1,
  transactionalIdExpirationMs: 7 * 24 * 3600 * 1000,
  transactionMaxTimeoutMs: 900_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
  requestTimeoutMs: 30_000,
  markerRetryBackoffMs: 100,
};

export interface Written {
  readonly partition: number;
  readonly records: readonly CoordinatorRecord[];
}

/** Answers every marker of a request with `errorCode` (or per partition with `codeFor`). */
export function markerResponse(req: WriteTxnMarkersRequest, codeFor: (topic: string, partition: number) => number = () => ErrorCode.NONE): WriteTxnMarkersResponse {
  return {
    markers: req.markers.map((m) => ({
      producerId: m.producerId,
      topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: codeFor(t.name, p) })) })),
    })),
  };
}

export class Harness {
  readonly clock = new SimClock();
  readonly written: Written[] = [];
  readonly markerRequests: WriteTxnMarkersRequest[] = [];
  /** What the next appends answer (an error code, or a promise of one). */
  outcome: (records: readonly CoordinatorRecord[]) => MaybePromise<number> = () => ErrorCode.NONE;
  /** How marker requests are answered. */
  markers: (req: WriteTxnMarkersRequest) => Promise<WriteTxnMarkersResponse> = (req) => Promise.resolve(markerResponse(req));
  /** Producer ids handed out; `asyncIds` makes the generator answer with a promise. */
  nextProducerId = 1000;
  asyncIds = false;
  readonly deleted = new Set<string>();
  readonly tc: TransactionCoordinator;

  constructor(config: Partial<TransactionCoordinatorConfig> = {}, load = true, coordinatorEpoch = 0) {
    const full = { ...DEFAULT_CONFIG, ...config };
    this.tc = new TransactionCoordinator({
      config: full,
      nowMs: () => this.clock.nowMs(),
      monoMs: () => this.clock.monotonicMs(),
      generateProducerId: () => (this.asyncIds ? Promise.resolve(this.nextProducerId++) : this.nextProducerId++),
      writerFor: (partition) => (records) => {
        this.written.push({ partition, records });
        return this.outcome(records);
      },
      sendMarkers: (req) => {
        this.markerRequests.push(req);
        return this.markers(req);
      },
      partitionExists: (topic, partition) => !this.deleted.has(`${topic}-${partition}`),
    });
    if (load) {
      for (let p = 0; p < full.numPartitions; p++) {
        this.tc.beginLoad(p, coordinatorEpoch);
        this.tc.completeLoad(p);
      }
    }
  }

  /** Advances time and runs due timers. */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.tc.poll(this.clock.monotonicMs());
  }

  txn(id: string): TransactionMetadata {
    const t = this.tc.transaction(id);
    if (t === undefined) throw new Error(`no transaction ${id}`);
    return t;
  }

  allRecords(): CoordinatorRecord[] {
    return this.written.flatMap((w) => w.records);
  }

  /** The decoded states written, in order (null for tombstones). */
  statesWritten(id?: string): Array<string | null> {
    return this.allRecords()
      .map((r) => decodeTransactionRecord(r.key, r.value))
      .filter((d) => d.type === 'transaction' && (id === undefined || d.transactionalId === id))
      .map((d) => (d.type === 'transaction' && d.metadata !== null ? d.metadata.state : null));
  }

  /** Initializes `id` and returns its producer id and epoch (asserting success). */
  async init(id: string, timeoutMs = 60_000): Promise<{ producerId: number; producerEpoch: number }> {
    const r = await this.tc.initProducerId(id, timeoutMs);
    if (r.errorCode !== ErrorCode.NONE) throw new Error(`init ${id}: error ${r.errorCode}`);
    return r;
  }
}

export function tps(...entries: Array<[string, number]>): TopicPartitionSet {
  return new TopicPartitionSet(entries);
}

/** Lets pending promise callbacks run (several turns: chained thens). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
