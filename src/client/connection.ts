import { ErrorCode, KafkaError, type Cancel, type SocketAddress, type TransportSocket } from '../common/index.js';
import {
  DecodeError,
  FrameDecoder,
  ApiVersionsResponse,
  createApiVersionsRequest,
  decodeResponseFrame,
  encodeRequestFrame,
} from '../protocol/index.js';
import { Apis, type Api } from './apis.js';
import type { ClientEnv } from './env.js';

/** What a connection needs to know; every field has a Kafka-named default in `defaultConnectionOptions`. */
export interface ConnectionOptions {
  readonly clientId: string;
  /** request.timeout.ms: a request without an answer after this long fails and closes the connection. */
  readonly requestTimeoutMs: number;
  /** socket.connection.setup.timeout.ms */
  readonly connectionTimeoutMs: number;
  /** max.in.flight.requests.per.connection: further requests wait for a slot, in order. */
  readonly maxInFlightRequests: number;
  /** Bound on one response frame (a fetch answer is bounded by fetch.max.bytes plus overhead). */
  readonly maxResponseBytes: number;
  /** Caps per api key, below what both sides support (tests pin old versions with it). */
  readonly maxVersions?: ReadonlyMap<number, number>;
  readonly softwareName: string;
  readonly softwareVersion: string;
}

export const defaultConnectionOptions: ConnectionOptions = Object.freeze({
  clientId: 'gregor',
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 10_000,
  maxInFlightRequests: 5,
  maxResponseBytes: 256 * 1024 * 1024,
  softwareName: 'gregor',
  softwareVersion: '0.1.0',
});

interface Pending {
  readonly apiKey: number;
  decode(frame: Buffer): unknown;
  resolve(body: unknown): void;
  reject(error: Error): void;
  cancelTimer: Cancel;
}

export interface SendOptions {
  /** Defaults to the highest version both sides speak. */
  version?: number;
  /** Overrides request.timeout.ms (a long-polling fetch adds its max wait). */
  timeoutMs?: number;
  /** acks=0 produce: the broker sends nothing back; resolves with undefined once written. */
  expectResponse?: boolean;
}

type VersionRange = readonly [number, number];

const MAX_CORRELATION_ID = 0x7fffffff;

/**
 * One TCP connection to one broker: size-prefixed frames, correlation ids, at most
 * `maxInFlightRequests` requests awaiting answers (the rest queue in order), per-request timeouts,
 * and the ApiVersions handshake that fixes which version of each API is spoken. A connection never
 * reconnects: once closed, every pending and later request fails with NETWORK_EXCEPTION (retriable),
 * and its owner (the Cluster) opens a new one.
 */
export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly slotWaiters: Array<() => void> = [];
  private readonly closeListeners: Array<(error: Error) => void> = [];
  private readonly brokerVersions = new Map<number, VersionRange>();
  private nextCorrelationId = 0;
  private inFlight = 0;
  private closeError: KafkaError | undefined;

  private constructor(
    private readonly socket: TransportSocket,
    readonly address: SocketAddress,
    private readonly options: ConnectionOptions,
    private readonly env: ClientEnv,
  ) {
    this.decoder = new FrameDecoder(options.maxResponseBytes);
  }

  /** Connects and negotiates API versions; rejects with NETWORK_EXCEPTION when the broker cannot be reached. */
  static async open(address: SocketAddress, options: ConnectionOptions, env: ClientEnv): Promise<Connection> {
    let socket: TransportSocket;
    try {
      socket = await env.connector.connect(address, options.connectionTimeoutMs);
    } catch (e) {
      throw new KafkaError('NETWORK_EXCEPTION', `cannot connect to ${address.host}:${address.port}: ${(e as Error).message}`);
    }
    const c = new Connection(socket, address, options, env);
    socket.start({
      onData: (chunk) => c.onData(chunk),
      onDrain: () => {},
      onClose: (error) => c.onClosed(error),
    });
    try {
      await c.negotiateVersions();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  get closed(): boolean {
    return this.closeError !== undefined;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Called once when the connection closes, for whatever reason. */
  onClose(listener: (error: Error) => void): void {
    if (this.closeError !== undefined) listener(this.closeError);
    else this.closeListeners.push(listener);
  }

  /** The highest version of `api` both sides speak, or -1 when there is none. */
  versionOf(api: Api<unknown, unknown>): number {
    const broker = this.brokerVersions.get(api.apiKey);
    if (broker === undefined) return -1;
    const cap = this.options.maxVersions?.get(api.apiKey) ?? Infinity;
    const max = Math.min(broker[1], api.clientMaxVersion, api.response.maxVersion, cap);
    const min = Math.max(broker[0], api.clientMinVersion);
    return max >= min ? max : -1;
  }

  supports(api: Api<unknown, unknown>): boolean {
    return this.versionOf(api) >= 0;
  }

  /** Sends a request and resolves with the decoded response body. Rejects with a KafkaError. */
  async send<Req, Res>(api: Api<Req, Res>, body: Req, options: SendOptions = {}): Promise<Res> {
    const version = options.version ?? this.versionOf(api);
    if (version < 0) {
      throw new KafkaError('UNSUPPORTED_VERSION', `${api.name}: no version both this client and broker ${this.describe()} speak`);
    }
    return this.sendDecoded(api, body, version, options, (frame) => decodeResponseFrame(frame, api.apiKey, version, api.response).body);
  }

  /** Closes at once; pending requests fail with NETWORK_EXCEPTION. */
  close(): void {
    this.fail(new KafkaError('NETWORK_EXCEPTION', `connection to ${this.describe()} closed by the client`));
  }

  describe(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  private async sendDecoded<Req, Res>(
    api: Api<Req, Res>,
    body: Req,
    version: number,
    options: SendOptions,
    decode: (frame: Buffer) => Res,
  ): Promise<Res> {
    const expectResponse = options.expectResponse ?? true;
    if (expectResponse) await this.acquireSlot();
    if (this.closeError !== undefined) {
      if (expectResponse) this.releaseSlot();
      throw this.closeError;
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === MAX_CORRELATION_ID ? 0 : correlationId + 1;
    const frame = encodeRequestFrame(
      { requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId: this.options.clientId },
      api.request,
      body,
    );
    if (!expectResponse) {
      this.socket.write(frame);
      return undefined as Res;
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const result = new Promise<Res>((resolve, reject) => {
      const cancelTimer = this.env.scheduler.schedule(timeoutMs, () => this.timedOut(correlationId, api.name, timeoutMs));
      this.pending.set(correlationId, {
        apiKey: api.apiKey,
        decode,
        resolve: resolve as (b: unknown) => void,
        reject,
        cancelTimer,
      });
    });
    this.socket.write(frame);
    return result;
  }

  private acquireSlot(): Promise<void> {
    if (this.inFlight < this.options.maxInFlightRequests) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.slotWaiters.push(() => {
        this.inFlight++;
        resolve();
      });
    });
  }

  private releaseSlot(): void {
    this.inFlight--;
    const next = this.slotWaiters.shift();
    if (next !== undefined) next();
  }

  /**
   * ApiVersions at the newest version we know; a broker that does not know it answers in v0 with
   * UNSUPPORTED_VERSION and its own range, and we ask again at the highest version it has.
   */
  private async negotiateVersions(): Promise<void> {
    const api = Apis.ApiVersions;
    let version = api.request.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const request = createApiVersionsRequest({
        clientSoftwareName: this.options.softwareName,
        clientSoftwareVersion: this.options.softwareVersion,
      });
      const v = version;
      const response = await this.sendDecoded(api, request, v, {}, (frame) => decodeApiVersions(frame, v));
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const theirs = response.apiKeys.find((k) => k.apiKey === api.apiKey);
        if (theirs === undefined || attempt > 0) break;
        version = Math.min(theirs.maxVersion, api.request.maxVersion);
        continue;
      }
      if (response.errorCode !== 0) throw new KafkaError(response.errorCode, `ApiVersions from ${this.describe()} failed`);
      for (const k of response.apiKeys) this.brokerVersions.set(k.apiKey, [k.minVersion, k.maxVersion]);
      return;
    }
    throw new KafkaError('UNSUPPORTED_VERSION', `broker ${this.describe()} speaks no ApiVersions version this client knows`);
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.fail(new KafkaError('NETWORK_EXCEPTION', `bad frame from ${this.describe()}: ${(e as Error).message}`));
      return;
    }
    for (const frame of frames) {
      if (this.closeError !== undefined) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) {
      this.fail(new KafkaError('NETWORK_EXCEPTION', `short response frame from ${this.describe()}`));
      return;
    }
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      // Kafka's client treats this as a protocol violation: the stream can no longer be trusted.
      this.fail(new KafkaError('NETWORK_EXCEPTION', `response with unknown correlation id ${correlationId} from ${this.describe()}`));
      return;
    }
    this.pending.delete(correlationId);
    p.cancelTimer();
    this.releaseSlot();
    let body: unknown;
    try {
      body = p.decode(frame);
    } catch (e) {
      const why = e instanceof DecodeError ? e.message : String(e);
      p.reject(new KafkaError('CORRUPT_MESSAGE', `cannot decode api ${p.apiKey} response from ${this.describe()}: ${why}`));
      this.fail(new KafkaError('NETWORK_EXCEPTION', `undecodable response from ${this.describe()}`));
      return;
    }
    p.resolve(body);
  }

  private timedOut(correlationId: number, apiName: string, timeoutMs: number): void {
    const p = this.pending.get(correlationId);
    if (p === undefined) return;
    this.pending.delete(correlationId);
    p.reject(new KafkaError('REQUEST_TIMED_OUT', `${apiName} to ${this.describe()} got no answer within ${timeoutMs} ms`));
    // As Kafka's NetworkClient: a late answer would desynchronise nothing, but the broker is
    // evidently unwell, so the connection is dropped and rebuilt.
    this.fail(new KafkaError('NETWORK_EXCEPTION', `connection to ${this.describe()} dropped after a request timeout`));
  }

  private onClosed(error: Error | undefined): void {
    const why = error === undefined ? 'closed by the broker' : error.message;
    this.fail(new KafkaError('NETWORK_EXCEPTION', `connection to ${this.describe()} lost: ${why}`));
  }

  private fail(error: KafkaError): void {
    if (this.closeError !== undefined) return;
    this.closeError = error;
    this.socket.destroy();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.cancelTimer();
      p.reject(error);
    }
    this.inFlight = 0;
    // Queued senders wake up, see the close and fail.
    for (const w of this.slotWaiters.splice(0)) w();
    for (const l of this.closeListeners.splice(0)) l(error);
  }
}

/** An ApiVersions answer: the requested version, or v0 (what a broker sends when it does not know ours). */
function decodeApiVersions(frame: Buffer, version: number): ApiVersionsResponse {
  try {
    return decodeResponseFrame(frame, Apis.ApiVersions.apiKey, version, ApiVersionsResponse).body;
  } catch (e) {
    if (version === 0) throw e;
    return decodeResponseFrame(frame, Apis.ApiVersions.apiKey, 0, ApiVersionsResponse).body;
  }
}
