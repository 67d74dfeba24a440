import { ErrorCode, NOOP_LOGGER } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { WriteTxnMarkersResponse } from '../protocol/index.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponseWritableTxnMarkerResult } from '../protocol/index.js';
import type { ReplicaManager, TxnMarkerEntry } from '../replication/index.js';

/** Called once a marker is committed (the high watermark covers it) on a partition, e.g. for `__consumer_offsets`. */
export type TxnMarkerCommittedListener = (topic: string, partition: number, producerId: number, producerEpoch: number, committed: boolean) => void;

/** Kafka's request.timeout.ms default: how long a marker may wait for the high watermark. */
const DEFAULT_MARKER_TIMEOUT_MS = 30_000;

export interface TxnMarkerWriterParams {
  readonly replicaManager: ReplicaManager;
  readonly logger?: Logger;
  readonly onMarkerCommitted?: TxnMarkerCommittedListener;
  /** request.timeout.ms, read per request (Kafka bounds the markers' acks=-1 append by it). */
  readonly timeoutMs?: () => number;
}

/**
 * The partition side of WriteTxnMarkers (Kafka's handleWriteTxnMarkersRequest): every marker ×
 * partition becomes a COMMIT/ABORT control batch appended as the leader with acks=-1; a partition's
 * result is its error once the high watermark covers the marker (or the append failed, or timed
 * out). Appends happen synchronously inside `write` (callers keep order by calling it before any
 * await); the listener hears of each committed marker before the answer resolves.
 */
export class TxnMarkerWriter {
  private readonly rm: ReplicaManager;
  private readonly logger: Logger;
  private readonly timeoutMs: () => number;
  /** Settable after construction (the broker wires the group coordinator once both exist). */
  onMarkerCommitted: TxnMarkerCommittedListener | undefined;

  constructor(p: TxnMarkerWriterParams) {
    this.rm = p.replicaManager;
    this.logger = p.logger ?? NOOP_LOGGER;
    this.onMarkerCommitted = p.onMarkerCommitted;
    this.timeoutMs = p.timeoutMs ?? (() => DEFAULT_MARKER_TIMEOUT_MS);
  }

  write(request: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse> {
    const entries: TxnMarkerEntry[] = [];
    for (const m of request.markers) {
      for (const t of m.topics) {
        for (const partition of t.partitionIndexes) {
          entries.push({
            topic: t.name,
            partition,
            producerId: m.producerId,
            producerEpoch: m.producerEpoch,
            coordinatorEpoch: m.coordinatorEpoch,
            committed: m.transactionResult,
          });
        }
      }
    }
    const outcome = this.rm.appendTxnMarkers(entries, this.timeoutMs());
    const build = (): WriteTxnMarkersResponse => {
      let i = 0;
      const markers = request.markers.map((m): WriteTxnMarkersResponseWritableTxnMarkerResult => ({
        producerId: m.producerId,
        topics: m.topics.map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => {
            const errorCode = outcome.results[i++]!.errorCode;
            if (errorCode === ErrorCode.NONE) this.notify(t.name, partitionIndex, m.producerId, m.producerEpoch, m.transactionResult);
            return { partitionIndex, errorCode };
          }),
        })),
      }));
      return WriteTxnMarkersResponse.create({ markers });
    };
    return outcome.done === null ? Promise.resolve(build()) : outcome.done.then(build);
  }

  private notify(topic: string, partition: number, producerId: number, producerEpoch: number, committed: boolean): void {
    const listener = this.onMarkerCommitted;
    if (listener === undefined) return;
    try {
      listener(topic, partition, producerId, producerEpoch, committed);
    } catch (err) {
      this.logger.error(`marker listener failed for ${topic}-${partition}: ${String(err)}`, { producerId });
    }
  }
}
