import { ErrorCode, NOOP_LOGGER } from '../common/index.js';
import type { Clock, Logger } from '../common/index.js';
import type { ControllerApi } from '../metadata/index.js';

export interface ProducerIdManagerParams {
  readonly nodeId: number;
  readonly controller: Pick<ControllerApi, 'allocateProducerIds'>;
  /** This broker's registration epoch (the controller checks it). */
  readonly brokerEpoch: () => number;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Bound on one AllocateProducerIds call to the controller. */
  readonly requestTimeoutMs?: number;
}

/** A block's ids are handed out; the next is fetched once this fraction of it is used (Kafka's RPCProducerIdManager). */
const PREFETCH_FRACTION = 0.9;
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Calls to the controller one generateProducerId may wait for before giving up (retriable for the client). */
const MAX_BLOCK_REQUESTS = 3;

/** No producer id could be had now: clients get COORDINATOR_LOAD_IN_PROGRESS and retry, as with Kafka. */
export class ProducerIdsUnavailableError extends Error {
  override readonly name = 'ProducerIdsUnavailableError';
}

interface Block {
  next: number;
  readonly end: number;
  readonly prefetchAt: number;
}

/**
 * The broker side of producer id allocation (Kafka's RPCProducerIdManager): ids come from blocks
 * (1000 ids) the controller allocates through the metadata log (AllocateProducerIds →
 * ProducerIdsRecord), so no id is ever handed out twice in the cluster, even across restarts.
 * The next block is requested when 90% of the current one is used, so callers rarely wait; one
 * request is in flight at most. Shared by InitProducerId and the transaction coordinator.
 */
export class ProducerIdManager {
  private current: Block | undefined;
  private prefetched: Block | undefined;
  private inFlight: Promise<void> | undefined;
  /** The end of the last block received: a later block must start at or after it. */
  private lastEnd = -1;
  private readonly logger: Logger;

  constructor(private readonly p: ProducerIdManagerParams) {
    this.logger = p.logger ?? NOOP_LOGGER;
  }

  /** The next unused producer id: synchronously when one is at hand, else once a block arrives. */
  nextProducerId(): number | Promise<number> {
    return this.take() ?? this.generateProducerId();
  }

  /** The next unused producer id; waits for a block from the controller when none is left. */
  async generateProducerId(): Promise<number> {
    for (let attempt = 0; attempt <= MAX_BLOCK_REQUESTS; attempt++) {
      const id = this.take();
      if (id !== undefined) return id;
      if (attempt === MAX_BLOCK_REQUESTS) break;
      try {
        await this.requestBlock();
      } catch (err) {
        throw new ProducerIdsUnavailableError(`Producer ID block is not available: ${String(err)}`, { cause: err });
      }
    }
    throw new ProducerIdsUnavailableError('Producer ID block is full. Waiting for next block');
  }

  private take(): number | undefined {
    let block = this.current;
    if (block === undefined || block.next >= block.end) {
      block = this.prefetched;
      this.current = block;
      this.prefetched = undefined;
    }
    if (block === undefined) return undefined;
    const id = block.next++;
    if (block.next >= block.prefetchAt && this.prefetched === undefined) void this.requestBlock().catch(() => {});
    return id;
  }

  /** One AllocateProducerIds call at a time; concurrent callers share it. */
  private requestBlock(): Promise<void> {
    this.inFlight ??= this.allocate().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async allocate(): Promise<void> {
    const timeout = this.p.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const res = await this.p.controller.allocateProducerIds(
      { deadlineMs: this.p.clock.monotonicMs() + timeout, requestVersion: 0 },
      { brokerId: this.p.nodeId, brokerEpoch: this.p.brokerEpoch() },
    );
    if (res.errorCode !== ErrorCode.NONE) {
      this.logger.warn('AllocateProducerIds failed', { errorCode: res.errorCode });
      throw new Error(`AllocateProducerIds failed with error code ${res.errorCode}`);
    }
    const start = res.producerIdStart;
    const end = start + res.producerIdLen;
    if (start < 0 || res.producerIdLen <= 0 || start < this.lastEnd) {
      this.logger.error('AllocateProducerIds returned an invalid block', { start, length: res.producerIdLen, previousEnd: this.lastEnd });
      throw new Error(`invalid producer id block [${start}, ${end})`);
    }
    this.lastEnd = end;
    const block: Block = { next: start, end, prefetchAt: start + Math.floor(res.producerIdLen * PREFETCH_FRACTION) };
    if (this.current === undefined || this.current.next >= this.current.end) this.current = block;
    else this.prefetched = block;
    this.logger.info('Acquired a producer id block', { start, length: res.producerIdLen });
  }
}
