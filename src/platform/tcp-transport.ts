import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type {
  ListenOptions,
  SocketAddress,
  Transport,
  TransportListener,
  TransportSocket,
  TransportSocketEvents,
} from '../common/index.js';

/** Slices of at most this many bytes in all are copied into one buffer for a single write(). */
const COALESCE_MAX_BYTES = 16 * 1024;

/** How long `end()` waits for a peer to take our last bytes before the socket is destroyed. */
const END_FLUSH_TIMEOUT_MS = 5_000;

/** A TCP socket: vectored writes (cork/uncork), Nagle off, keep-alive on, as Kafka's acceptor sets them. */
class TcpSocket implements TransportSocket {
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
  private closed = false;

  constructor(private readonly socket: Socket) {
    this.local = { host: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.remote = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    // Nothing is read until the owner is ready for it (start()).
    socket.pause();
  }

  start(events: TransportSocketEvents): void {
    const s = this.socket;
    let error: Error | undefined;
    s.on('data', (chunk: Buffer) => events.onData(chunk));
    s.on('drain', () => events.onDrain());
    // 'error' is always followed by 'close'; keep the error to report it there, once.
    s.on('error', (e: Error) => {
      error = e;
    });
    s.on('close', () => {
      this.closed = true;
      events.onClose(error);
    });
    // The peer half-closed: Kafka has no half-open sessions, so finish our side too.
    s.on('end', () => this.end());
    if (s.destroyed) {
      queueMicrotask(() => {
        if (!this.closed) {
          this.closed = true;
          events.onClose(undefined);
        }
      });
      return;
    }
    s.resume();
  }

  write(slices: readonly Buffer[], onWritten?: () => void): boolean {
    const s = this.socket;
    if (s.destroyed || !s.writable) {
      onWritten?.();
      return true;
    }
    // Node calls a write's callback once libuv is done with its bytes (or the write failed); a write
    // without one costs less (no tick scheduled for it), so none is passed when nobody waits.
    if (slices.length === 1) return onWritten === undefined ? s.write(slices[0]!) : s.write(slices[0]!, onWritten);
    let total = 0;
    for (const b of slices) total += b.length;
    if (total <= COALESCE_MAX_BYTES) {
      // A few responses, or a small one in pieces: copying them into one buffer is cheaper than
      // Node's bookkeeping for corked writes (an entry per write, then a writev request).
      const one = Buffer.concat(slices as Buffer[], total);
      return onWritten === undefined ? s.write(one) : s.write(one, onWritten);
    }
    // Corked writes leave as one writev: one syscall for a whole response, or a pipelined burst.
    s.cork();
    const last = slices.length - 1;
    for (let i = 0; i < last; i++) s.write(slices[i]!);
    if (onWritten === undefined) s.write(slices[last]!);
    else s.write(slices[last]!, onWritten);
    s.uncork();
    return !s.writableNeedDrain;
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.socket.destroyed) this.socket.resume();
  }

  end(): void {
    const s = this.socket;
    if (s.destroyed) return;
    s.end();
    if (s.writableFinished) {
      s.destroy();
      return;
    }
    s.once('finish', () => s.destroy());
    // A peer that never reads would keep the socket (and its buffers) forever.
    const t = setTimeout(() => s.destroy(), END_FLUSH_TIMEOUT_MS);
    t.unref();
    s.once('close', () => clearTimeout(t));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

class TcpListener implements TransportListener {
  constructor(private readonly server: Server, readonly address: SocketAddress) {}

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
    });
  }
}

/** Real TCP listeners (and, for clients, outbound connections) over node:net. */
export class TcpTransport implements Transport {
  /**
   * Opens a connection (the client's Connector); rejects on refusal, or after `timeoutMs` without
   * an answer (socket.connection.setup.timeout.ms). The socket reads nothing until `start`.
   */
  connect(address: SocketAddress, timeoutMs: number): Promise<TransportSocket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: address.host, port: address.port, noDelay: true, keepAlive: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connection to ${address.host}:${address.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (e: Error): void => {
        clearTimeout(timer);
        reject(e);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new TcpSocket(socket));
      });
    });
  }

  listen(options: ListenOptions, onConnection: (socket: TransportSocket) => void): Promise<TransportListener> {
    const server = createServer({ pauseOnConnect: true, noDelay: true, keepAlive: true }, (socket) => {
      onConnection(new TcpSocket(socket));
    });
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      const host = options.host === '' ? undefined : options.host;
      server.listen({ host, port: options.port, backlog: 1024 }, () => {
        server.off('error', onError);
        // Errors on the listening socket after bind are rare (EMFILE on accept is retried by libuv);
        // without a listener they would crash the process.
        server.on('error', () => {});
        const a = server.address();
        const address = typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host: options.host, port: options.port };
        resolve(new TcpListener(server, address));
      });
    });
  }
}
