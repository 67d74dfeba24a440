/** A bare wire client for the transaction APIs kafkajs does not expose (one request at a time). */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../../../src/protocol/index.js';
import type { MessageDescriptor } from '../../../src/protocol/index.js';

export class WireClient {
  private buffered = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | undefined;
  private correlationId = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.drain();
    });
  }

  static open(host: string, port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(new WireClient(s)));
      s.once('error', reject);
    });
  }

  private drain(): void {
    if (this.buffered.length < 4 || this.waiting === undefined) return;
    const size = this.buffered.readInt32BE(0);
    if (this.buffered.length < 4 + size) return;
    const frame = this.buffered.subarray(4, 4 + size);
    this.buffered = this.buffered.subarray(4 + size);
    const w = this.waiting;
    this.waiting = undefined;
    w(frame);
  }

  async send<Req, Res>(req: MessageDescriptor<Req>, res: MessageDescriptor<Res>, version: number, body: Req): Promise<Res> {
    const correlationId = ++this.correlationId;
    const frame = new Promise<Buffer>((resolve) => (this.waiting = resolve));
    for (const slice of encodeRequestFrame({ requestApiKey: req.apiKey, requestApiVersion: version, correlationId, clientId: 'wire' }, req, body)) this.socket.write(slice);
    this.drain();
    const decoded = decodeResponseFrame(await frame, req.apiKey, version, res);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId} != ${correlationId}`);
    return decoded.body;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Retries `f` until `done` accepts its result, at most `attempts` times with `pauseMs` between (a bounded wait on a condition). */
export async function until<T>(f: () => Promise<T>, done: (t: T) => boolean, attempts = 200, pauseMs = 50): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await f();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  throw new Error(`condition not met after ${attempts} attempts; last: ${JSON.stringify(last)}`);
}
