/**
 * A raw Kafka-wire test client over node:net: sends frames, collects response frames, notices
 * when the server closes. Every wait is bounded.
 */
import { connect, type Socket } from 'node:net';
import {
  FrameDecoder,
  RequestHeader,
  decodeResponseFrame,
  encodeRequestFrame,
} from '../../../src/protocol/index.js';
import type { MessageDescriptor } from '../../../src/protocol/index.js';
import type { LogFields, Logger } from '../../../src/common/index.js';

export const WAIT_MS = 5_000;

/** Resolves when `check` returns true (polled on every turn of the event loop), rejects after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export class WireClient {
  readonly frames: Buffer[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push(f);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<WireClient> {
    const socket = connect({ port, host, noDelay: true, ...(localAddress === undefined ? {} : { localAddress }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  send(bytes: Buffer | readonly Buffer[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.concat(bytes));
  }

  async nextFrames(n: number, ms = WAIT_MS): Promise<Buffer[]> {
    await waitFor(() => this.frames.length >= n || this.closed, `${n} response frames`, ms);
    if (this.frames.length < n) throw new Error(`connection closed after ${this.frames.length} of ${n} responses`);
    return this.frames.splice(0, n);
  }

  async waitClosed(ms = WAIT_MS): Promise<void> {
    await waitFor(() => this.closed, 'the server to close the connection', ms);
  }

  /** Sends one request and decodes its response. */
  async call<Req, Res>(
    req: MessageDescriptor<Req>,
    res: MessageDescriptor<Res>,
    version: number,
    body: Req,
    correlationId = 1,
  ): Promise<{ correlationId: number; body: Res }> {
    this.send(requestFrame(req, version, body, correlationId));
    const [f] = await this.nextFrames(1);
    return decodeResponseFrame(f!, req.apiKey, version, res);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function requestFrame<Req>(req: MessageDescriptor<Req>, version: number, body: Req, correlationId: number, clientId = 'test'): Buffer {
  const header = RequestHeader.create({ requestApiKey: req.apiKey, requestApiVersion: version, correlationId, clientId });
  return Buffer.concat(encodeRequestFrame(header, req, body));
}

/** A request frame with a given api key/version and an arbitrary body (for keys the codec does not know). */
export function rawRequestFrame(apiKey: number, version: number, correlationId: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const clientId = Buffer.from('test');
  const header = Buffer.alloc(2 + 2 + 4 + 2);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length + body.length);
  return Buffer.concat([size, header, clientId, body]);
}

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  fields: LogFields;
}

export class MemoryLogger implements Logger {
  readonly lines: LogLine[] = [];
  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }
  debug(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'debug', message, fields });
  }
  find(level: LogLine['level'], message: string): LogLine | undefined {
    return this.lines.find((l) => l.level === level && l.message.includes(message));
  }
}
