import type { Cancel, SocketAddress, TransportSocket, TransportSocketEvents } from '../../../src/common/index.js';
import { NOOP_LOGGER } from '../../../src/common/index.js';
import { createMetadataResponse, encodeResponseFrame, parseRequestHeader, type MetadataResponse, type ParsedRequestHeader } from '../../../src/protocol/index.js';
import type { MessageDescriptor } from '../../../src/protocol/index.js';
import type { ClientEnv } from '../../../src/client/index.js';

/** Timers run only when the test advances time. */
export class ManualTime {
  now = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  /** Zero delays run on the next macrotask turn, without the test advancing time. */
  schedule(delayMs: number, fn: () => void): Cancel {
    if (delayMs <= 0) {
      const t = setImmediate(fn);
      return () => clearImmediate(t);
    }
    const id = this.nextId++;
    this.timers.push({ at: this.now + Math.max(0, delayMs), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  advance(ms: number): void {
    this.now += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.now).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
}

export interface SeenRequest {
  readonly header: ParsedRequestHeader;
  readonly frame: Buffer;
}

/** A socket whose peer is the test: requests are parsed and handed to `onRequest`. */
export class FakeSocket implements TransportSocket {
  readonly local: SocketAddress = { host: '127.0.0.1', port: 50000 };
  readonly remote: SocketAddress;
  readonly requests: SeenRequest[] = [];
  closed = false;
  private events: TransportSocketEvents | undefined;

  constructor(address: SocketAddress, private readonly onRequest: (s: FakeSocket, r: SeenRequest) => void) {
    this.remote = address;
  }

  start(events: TransportSocketEvents): void {
    this.events = events;
  }

  write(slices: readonly Buffer[]): boolean {
    const buf = Buffer.concat(slices);
    const frame = buf.subarray(4);
    const r = { header: parseRequestHeader(frame), frame };
    this.requests.push(r);
    this.onRequest(this, r);
    return true;
  }

  /** Sends bytes to the client. */
  deliver(bytes: Buffer): void {
    this.events!.onData(bytes);
  }

  respond<T>(r: SeenRequest, desc: MessageDescriptor<T>, body: T, version = r.header.header.requestApiVersion): void {
    const h = r.header.header;
    this.deliver(Buffer.concat(encodeResponseFrame(h.correlationId, h.requestApiKey, version, desc, body)));
  }

  pauseReading(): void {}
  resumeReading(): void {}
  end(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.events?.onClose(undefined));
  }
}

export function fakeEnv(time: ManualTime, connect: (address: SocketAddress) => Promise<TransportSocket>): ClientEnv {
  return {
    connector: { connect },
    clock: { nowMs: () => 1_700_000_000_000 + time.now, monotonicMs: () => time.now },
    scheduler: time,
    logger: NOOP_LOGGER,
    random: () => 0.5,
  };
}

/**
 * The Metadata answer the scripted brokers give: brokers b1..bN on port 9092 and one topic `t` whose
 * partitions all live on broker 1, led by `leader` (broker 1 unless said otherwise).
 */
export function topicTMetadata(opts: { brokers?: number; partitions?: number; leader?: number } = {}): MetadataResponse {
  return createMetadataResponse({
    brokers: Array.from({ length: opts.brokers ?? 1 }, (_, i) => ({ nodeId: i + 1, host: `b${i + 1}`, port: 9092, rack: null })),
    controllerId: 1,
    clusterId: 'c',
    topics: [
      {
        errorCode: 0,
        name: 't',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        isInternal: false,
        topicAuthorizedOperations: 0,
        partitions: Array.from({ length: opts.partitions ?? 1 }, (_, i) => ({
          errorCode: 0,
          partitionIndex: i,
          leaderId: opts.leader ?? 1,
          leaderEpoch: 0,
          replicaNodes: [1],
          isrNodes: [1],
          offlineReplicas: [],
        })),
      },
    ],
  });
}

