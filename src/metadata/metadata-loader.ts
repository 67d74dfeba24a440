import { NOOP_LOGGER, type Logger } from '../common/index.js';
import type { Batch, LeaderAndEpoch, RaftClient, RaftClientListener, SnapshotReader } from '../raft/index.js';
import type { MetadataImage } from './image.js';
import { imageToRecords } from './image-records.js';
import { MetadataDelta, emptyImage } from './metadata-delta.js';
import type { ApiMessageAndVersion } from './records.js';

/** Receives every new committed image, in order, synchronously (Kafka's MetadataPublisher). */
export interface MetadataPublisher {
  readonly name: string;
  /**
   * `image` is the new image, `previous` the one before. Unchanged parts are the same objects
   * in both (e.g. `previous.topics.byId.get(id) === image.topics.byId.get(id)` when that topic did
   * not change), so a publisher finds what changed cheaply. Must not throw.
   */
  onMetadataUpdate(image: MetadataImage, previous: MetadataImage): void;
}

export interface SnapshotPolicy {
  readonly raft: Pick<RaftClient<ApiMessageAndVersion>, 'createSnapshot'>;
  /** metadata.log.max.record.bytes.between.snapshots */
  readonly maxBytesBetweenSnapshots: number;
  /** metadata.log.max.snapshot.interval.ms; 0 disables time-based snapshots. */
  readonly maxIntervalMs: number;
  /** Records per snapshot batch. */
  readonly recordsPerBatch?: number;
}

export interface MetadataLoaderOptions {
  /** From meta.properties: the image carries it for DescribeCluster and Metadata responses. */
  readonly clusterId: string;
  readonly logger?: Logger;
  readonly snapshots?: SnapshotPolicy;
}

const BEGIN_TRANSACTION = 23;
const END_TRANSACTION = 24;
const ABORT_TRANSACTION = 25;

/**
 * Replays committed metadata batches and snapshots into images and hands each new image to the
 * publishers before handleCommit returns (Kafka's MetadataLoader, minus its event queue): so when
 * the controller — registered with raft after the loader — resolves a write, the broker's image
 * already shows it. Records inside a metadata transaction (BeginTransactionRecord .. End) are
 * published together when it ends; an aborted transaction is dropped.
 */
export class MetadataLoader implements RaftClientListener<ApiMessageAndVersion> {
  readonly #clusterId: string;
  readonly #logger: Logger;
  readonly #snapshots: SnapshotPolicy | undefined;
  readonly #publishers: MetadataPublisher[] = [];
  #image: MetadataImage;
  /** Open transaction: the delta so far, over the image before it began. */
  #txn: MetadataDelta | undefined;
  #leader: LeaderAndEpoch = { leaderId: -1, epoch: -1 };
  #bytesSinceSnapshot = 0;
  #lastSnapshotOffset = -1;
  #lastSnapshotMs: number | undefined;
  #closed = false;

  constructor(options: MetadataLoaderOptions) {
    this.#clusterId = options.clusterId;
    this.#logger = options.logger ?? NOOP_LOGGER;
    this.#snapshots = options.snapshots;
    this.#image = emptyImage(options.clusterId);
  }

  /** The latest published image. */
  image(): MetadataImage {
    return this.#image;
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return this.#leader;
  }

  /** Adds a publisher; it is called at once with the current image (previous = the empty image). */
  registerPublisher(publisher: MetadataPublisher): void {
    if (this.#publishers.some((p) => p.name === publisher.name)) throw new Error(`publisher ${publisher.name} already registered`);
    this.#publishers.push(publisher);
    if (this.#image.provenance.lastContainedOffset >= 0) this.#notify(publisher, this.#image, emptyImage(this.#clusterId));
  }

  unregisterPublisher(name: string): void {
    const i = this.#publishers.findIndex((p) => p.name === name);
    if (i >= 0) this.#publishers.splice(i, 1);
  }

  handleCommit(batch: Batch<ApiMessageAndVersion>): void {
    if (this.#closed) return;
    let delta = this.#txn ?? new MetadataDelta(this.#image);
    for (const r of batch.records) {
      if (r.apiKey === BEGIN_TRANSACTION) {
        this.#txn = delta;
      } else if (r.apiKey === END_TRANSACTION) {
        this.#txn = undefined;
      } else if (r.apiKey === ABORT_TRANSACTION) {
        this.#logger.warn('metadata transaction aborted', { offset: batch.lastOffset });
        this.#txn = undefined;
        delta = new MetadataDelta(this.#image);
      } else {
        delta.replay(r);
      }
    }
    this.#bytesSinceSnapshot += batch.sizeInBytes;
    if (this.#txn !== undefined) {
      this.#txn = delta;
      return;
    }
    this.#publish(
      delta.apply({ lastContainedOffset: batch.lastOffset, lastContainedEpoch: batch.epoch, lastContainedLogTimeMs: batch.appendTimestamp }),
    );
    this.#maybeSnapshotBySize();
  }

  handleLoadSnapshot(snapshot: SnapshotReader<ApiMessageAndVersion>): void {
    if (this.#closed) return;
    const delta = new MetadataDelta(emptyImage(this.#clusterId));
    for (const batch of snapshot.batches) for (const r of batch.records) delta.replay(r);
    this.#txn = undefined;
    this.#bytesSinceSnapshot = 0;
    this.#lastSnapshotOffset = snapshot.offset - 1;
    this.#publish(
      delta.apply({
        lastContainedOffset: snapshot.offset - 1,
        lastContainedEpoch: snapshot.epoch,
        lastContainedLogTimeMs: snapshot.lastContainedLogTimestamp,
      }),
    );
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.#leader = leader;
  }

  beginShutdown(): void {
    this.#closed = true;
  }

  /**
   * Writes a snapshot of the current image when enough bytes were committed since the last one,
   * or (with `nowMs`) when the interval passed and anything changed. Returns whether it wrote one.
   */
  snapshotIfDue(nowMs?: number): boolean {
    const policy = this.#snapshots;
    if (policy === undefined || this.#txn !== undefined) return false;
    const offset = this.#image.provenance.lastContainedOffset;
    if (offset <= this.#lastSnapshotOffset) return false;
    if (nowMs !== undefined && this.#lastSnapshotMs === undefined) this.#lastSnapshotMs = nowMs;
    const bySize = this.#bytesSinceSnapshot >= policy.maxBytesBetweenSnapshots;
    const byTime =
      nowMs !== undefined && policy.maxIntervalMs > 0 && this.#lastSnapshotMs !== undefined && nowMs - this.#lastSnapshotMs >= policy.maxIntervalMs;
    if (!bySize && !byTime) return false;
    if (nowMs !== undefined) this.#lastSnapshotMs = nowMs;
    return this.writeSnapshot();
  }

  /** Writes a snapshot of the current image now (if raft has none at that offset). */
  writeSnapshot(): boolean {
    const policy = this.#snapshots;
    if (policy === undefined) return false;
    const image = this.#image;
    const p = image.provenance;
    if (p.lastContainedOffset < 0) return false;
    const written = policy.raft.createSnapshot(p.lastContainedOffset + 1, p.lastContainedEpoch, p.lastContainedLogTimeMs, chunks(imageToRecords(image), policy.recordsPerBatch ?? 500));
    this.#lastSnapshotOffset = p.lastContainedOffset;
    this.#bytesSinceSnapshot = 0;
    this.#logger.info('metadata snapshot', { offset: p.lastContainedOffset + 1, written });
    return written;
  }

  #maybeSnapshotBySize(): void {
    if (this.#snapshots !== undefined && this.#bytesSinceSnapshot >= this.#snapshots.maxBytesBetweenSnapshots) this.snapshotIfDue();
  }

  #publish(image: MetadataImage): void {
    const previous = this.#image;
    this.#image = image;
    for (const p of this.#publishers) this.#notify(p, image, previous);
  }

  #notify(p: MetadataPublisher, image: MetadataImage, previous: MetadataImage): void {
    try {
      p.onMetadataUpdate(image, previous);
    } catch (e) {
      this.#logger.error('metadata publisher failed', { publisher: p.name, error: String(e) });
    }
  }
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
