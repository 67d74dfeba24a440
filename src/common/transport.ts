/**
 * Byte-stream sockets, injected: only src/platform opens real TCP sockets (node:net); the network
 * layer is written against these interfaces so a simulated network can stand in for it.
 */

export interface SocketAddress {
  readonly host: string;
  readonly port: number;
}

/** What a socket tells its owner. Called only after `start`. */
export interface TransportSocketEvents {
  /** Bytes arrived. The chunk is owned by the receiver from now on. */
  onData(chunk: Buffer): void;
  /** A write that returned false has been flushed to the OS; writing may continue. */
  onDrain(): void;
  /** The socket is gone (peer closed, error, or our own end/destroy). Called exactly once. */
  onClose(error: Error | undefined): void;
}

export interface TransportSocket {
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
  /** Starts delivering events; until then no data is read. */
  start(events: TransportSocketEvents): void;
  /**
   * Writes the slices in order as one vectored write. Returns false when the socket's buffer is
   * over its high-water mark: the caller should stop producing until `onDrain`. `onWritten`, if
   * given, is called once the OS has taken these bytes (or the socket failed), after which the
   * slices' memory may be reused.
   */
  write(slices: readonly Buffer[], onWritten?: () => void): boolean;
  /** Stops reading from the OS (TCP flow control then pushes back on the peer). */
  pauseReading(): void;
  resumeReading(): void;
  /** Flushes what was written, then closes; a peer that does not read is cut off after a bound. */
  end(): void;
  /** Closes at once, dropping unwritten bytes. */
  destroy(): void;
}

export interface ListenOptions {
  /** Host or IP to bind; '' binds every interface. */
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
}

export interface TransportListener {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: SocketAddress;
  /** Stops accepting at once; resolves once the listening socket and every socket it accepted are closed. */
  close(): Promise<void>;
}

export interface Transport {
  /** Binds and listens; rejects if the address cannot be bound. */
  listen(options: ListenOptions, onConnection: (socket: TransportSocket) => void): Promise<TransportListener>;
}
