import { assertNever } from '../common/index.js';
import { RECORDS_BUFFER_POOL } from '../protocol/index.js';
import type { Clock, Logger, SocketAddress, TransportSocket } from '../common/index.js';
import { ConnectionCore } from './connection-core.js';
import type { CloseReason, InboundRequest } from './connection-core.js';
import type { ConnectionLimits } from './limits.js';

/** Where requests go: the server's request pipeline. */
export interface RequestSink {
  /**
   * Handles one request; must eventually call `connection.respond(request, ...)` exactly once, or
   * `connection.close(...)`. May respond synchronously.
   */
  onRequest(request: InboundRequest, connection: Connection): void;
}

/**
 * Drives a ConnectionCore over a TransportSocket: feeds it bytes, hands its requests to the sink,
 * writes its output, and turns its flow-control answers into pause/resume of the socket.
 */
export class Connection {
  /** KIP-511: what the client said it is in ApiVersions v3+ (empty until then). */
  clientSoftwareName = '';
  clientSoftwareVersion = '';
  private readonly core: ConnectionCore;
  private reading = false;
  private pumping = false;
  private pumpAgain = false;
  private ended = false;
  private socketClosed = false;
  private lastActiveMs: number;

  constructor(
    /** Kafka's connection id shape: local-remote-index, unique for the server's lifetime. */
    readonly id: string,
    readonly listenerName: string,
    private readonly socket: TransportSocket,
    limits: ConnectionLimits,
    private readonly sink: RequestSink,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly onGone: (c: Connection) => void,
  ) {
    this.core = new ConnectionCore(limits);
    this.lastActiveMs = clock.monotonicMs();
  }

  get local(): SocketAddress {
    return this.socket.local;
  }

  get remote(): SocketAddress {
    return this.socket.remote;
  }

  get closed(): CloseReason | undefined {
    return this.core.closed;
  }

  get inFlightCount(): number {
    return this.core.inFlightCount;
  }

  /** Milliseconds (monotonic) since bytes last moved either way. */
  idleMs(nowMs: number): number {
    return nowMs - this.lastActiveMs;
  }

  start(): void {
    this.socket.start({
      onData: (chunk) => this.onData(chunk),
      onDrain: () => this.onDrain(),
      onClose: (error) => this.onSocketClosed(error),
    });
    this.reading = true;
  }

  /** Completes a request with its response frame slices, or null when the client expects no answer. */
  respond(request: InboundRequest, response: readonly Buffer[] | null): void {
    if (this.core.closed !== undefined) return;
    this.core.respond(request.sequence, response);
    this.pump();
  }

  /** Closes the connection: responses already complete are flushed, everything else is dropped. */
  close(reason: CloseReason): void {
    if (this.core.closed === undefined) {
      this.core.close(reason);
      this.logClose(reason);
    }
    this.pump();
  }

  /** Closes without flushing (shutdown deadline passed). */
  destroy(): void {
    this.core.close({ kind: 'shutdown' });
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastActiveMs = this.clock.monotonicMs();
    const wasOpen = this.core.closed === undefined;
    this.core.receive(chunk);
    const reason = this.core.closed;
    if (wasOpen && reason !== undefined) this.logClose(reason);
    this.pump();
  }

  private onDrain(): void {
    this.core.setWritable(true);
    this.pump();
  }

  private onSocketClosed(error: Error | undefined): void {
    this.socketClosed = true;
    if (this.core.closed === undefined) {
      this.core.close({ kind: 'peer-closed' });
      if (error !== undefined) this.logger.debug('connection error', { connectionId: this.id, error: error.message });
    }
    this.onGone(this);
  }

  /**
   * Hands out requests while the core allows, writes what is ready, then adjusts reading. A sink
   * that responds synchronously re-enters here; the outer loop picks its work up, so a pipelined
   * burst of requests is answered with one vectored write.
   */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (let r = this.core.nextRequest(); r !== undefined; r = this.core.nextRequest()) {
          this.sink.onRequest(r, this);
        }
        this.flush();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.adjustReading();
  }

  private flush(): void {
    if (this.core.hasOutput && !this.socketClosed) {
      const out = this.core.takeOutput();
      this.lastActiveMs = this.clock.monotonicMs();
      // Pooled record buffers (fetch reads) go back to their pool once the OS has the bytes. Only
      // then is there a write callback: Node schedules extra work (a tick) for every callback.
      const written = RECORDS_BUFFER_POOL.lentAny(out) ? this.socket.write(out, () => RECORDS_BUFFER_POOL.release(out)) : this.socket.write(out);
      if (!written) this.core.setWritable(false);
    }
    if (this.core.closed !== undefined && !this.ended) {
      this.ended = true;
      this.socket.end();
    }
  }

  private adjustReading(): void {
    if (this.socketClosed) return;
    const want = this.core.wantsRead;
    if (want === this.reading) return;
    this.reading = want;
    if (want) this.socket.resumeReading();
    else this.socket.pauseReading();
  }

  private logClose(reason: CloseReason): void {
    const fields = { connectionId: this.id, listener: this.listenerName };
    switch (reason.kind) {
      case 'frame-too-large':
        this.logger.warn('closing connection: request frame too large', { ...fields, size: reason.size, max: reason.max });
        return;
      case 'malformed':
        this.logger.warn('closing connection: malformed request', { ...fields, reason: reason.message });
        return;
      case 'rejected':
        this.logger.warn('closing connection: request rejected', { ...fields, reason: reason.message });
        return;
      case 'idle':
        this.logger.debug('closing idle connection', fields);
        return;
      case 'peer-closed':
      case 'shutdown':
        return;
      default:
        assertNever(reason, 'close reason');
    }
  }
}
