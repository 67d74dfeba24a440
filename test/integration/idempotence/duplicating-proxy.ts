/**
 * A TCP proxy between Kafka clients and a broker that duplicates produce requests, the way a
 * network that retries (or a client whose response got lost) would: every Produce frame (acks != 0)
 * is sent to the broker twice in a row, and the frame of the produce request two before it on the
 * same connection is sent once more after it (a late retry of a batch that has been followed by
 * others). The client sees only the answers to what it sent: the answers to the extra copies are
 * read, decoded and kept for the test, never forwarded. Responses on a connection come back in
 * request order, so a FIFO of "forward or keep" decides each one.
 *
 * With `loseEvery` = n, the answer to every n-th produce request is lost instead: the proxy keeps
 * it and closes the client's connection, so the client must retry a batch the broker already has.
 * With `holdAnswerOf` = n, the answer to the n-th produce request is kept and `onHeld` is called
 * (a test kills the broker there: the batch is in its log, the client never learns it).
 */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { FrameDecoder, ProduceRequest, ProduceResponse, decodeBody, decodeResponseFrame, parseRequestHeader } from '../../../src/protocol/index.js';

const PRODUCE = 0;
const MAX_FRAME = 64 * 1024 * 1024;

export interface ProducePartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: number;
}

/** An answer to an extra copy, next to the answer the client got for the same frame. */
export interface DuplicateAnswer {
  readonly kind: 'immediate' | 'late';
  readonly original: readonly ProducePartitionAnswer[] | undefined;
  readonly duplicate: readonly ProducePartitionAnswer[];
}

interface Pending {
  readonly forward: boolean;
  readonly apiKey: number;
  readonly apiVersion: number;
  /** Produce frames: the id of the client's frame this answers (the original or a copy of it). */
  readonly frameId?: number;
  readonly kind?: 'immediate' | 'late';
  /** Keep this answer from the client and close its connection. */
  readonly lose?: boolean;
  /** Keep this answer from the client and tell the test (`onHeld`). */
  readonly hold?: boolean;
}

export class DuplicatingProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextFrameId = 0;
  private readonly originals = new Map<number, ProducePartitionAnswer[]>();
  private readonly waiting: Array<{ frameId: number; kind: 'immediate' | 'late'; answer: ProducePartitionAnswer[] }> = [];
  readonly duplicates: DuplicateAnswer[] = [];
  producesSeen = 0;
  /** Answers the client never got (its connection was closed instead), in order. */
  readonly lost: ProducePartitionAnswer[][] = [];
  /** Lose the answer of every n-th produce request (0: never). */
  loseEvery = 0;
  /** Send extra copies of produce requests (immediate and late). */
  duplicate = true;
  /** Keep the answer of the n-th produce request (1-based, counted from now on) and call `onHeld`. */
  holdAnswerOf = 0;
  onHeld: ((answer: ProducePartitionAnswer[]) => void) | undefined;
  target: { host: string; port: number } | undefined;

  async listen(host = '127.0.0.1'): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  private accept(client: Socket): void {
    const target = this.target;
    if (target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const queue: Pending[] = [];
    const recent: Array<{ frame: Buffer; frameId: number }> = [];
    const requests = new FrameDecoder(MAX_FRAME);
    const responses = new FrameDecoder(MAX_FRAME);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);

    client.on('data', (chunk) => {
      for (const frame of requests.push(chunk)) {
        const { header, bodyOffset } = parseRequestHeader(frame);
        const apiKey = header.requestApiKey;
        const apiVersion = header.requestApiVersion;
        if (apiKey !== PRODUCE) {
          queue.push({ forward: true, apiKey, apiVersion });
          upstream.write(sized(frame));
          continue;
        }
        const acks = decodeBody(ProduceRequest, frame, bodyOffset, apiVersion).acks;
        if (acks === 0) {
          upstream.write(sized(frame));
          continue;
        }
        this.producesSeen++;
        const frameId = this.nextFrameId++;
        const lose = this.loseEvery > 0 && this.producesSeen % this.loseEvery === 0;
        let hold = false;
        if (this.holdAnswerOf > 0 && --this.holdAnswerOf === 0) hold = true;
        queue.push({ forward: true, apiKey, apiVersion, frameId, lose, hold });
        upstream.write(sized(frame));
        if (!this.duplicate) continue;
        queue.push({ forward: false, apiKey, apiVersion, frameId, kind: 'immediate' });
        upstream.write(sized(frame));
        const late = recent.length >= 2 ? recent[recent.length - 2] : undefined;
        if (late !== undefined) {
          queue.push({ forward: false, apiKey, apiVersion, frameId: late.frameId, kind: 'late' });
          upstream.write(sized(late.frame));
        }
        recent.push({ frame: Buffer.from(frame), frameId });
        if (recent.length > 2) recent.shift();
      }
    });

    upstream.on('data', (chunk) => {
      for (const frame of responses.push(chunk)) {
        const p = queue.shift();
        if (p === undefined) throw new Error('a response nobody asked for');
        if (p.apiKey === PRODUCE && p.frameId !== undefined) {
          const answer = produceAnswer(frame, p.apiVersion);
          if (p.hold === true) {
            this.onHeld?.(answer);
            return;
          }
          if (p.lose === true) {
            this.lost.push(answer);
            close();
            return;
          }
          if (p.forward) this.originals.set(p.frameId, answer);
          else this.waiting.push({ frameId: p.frameId, kind: p.kind!, answer });
        }
        if (p.forward) client.write(sized(frame));
      }
      this.settle();
    });
  }

  /** Pairs every kept answer with the client's answer for the same frame (which may come later). */
  private settle(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]!;
      const original = this.originals.get(w.frameId);
      if (original === undefined) {
        i++;
        continue;
      }
      this.duplicates.push({ kind: w.kind, original, duplicate: w.answer });
      this.waiting.splice(i, 1);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function sized(frame: Buffer): Buffer {
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(frame.length, 0);
  return Buffer.concat([size, frame]);
}

function produceAnswer(frame: Buffer, apiVersion: number): ProducePartitionAnswer[] {
  const { body } = decodeResponseFrame(frame, PRODUCE, apiVersion, ProduceResponse);
  const out: ProducePartitionAnswer[] = [];
  for (const t of body.responses) {
    for (const p of t.partitionResponses) out.push({ topic: t.name, partition: p.index, errorCode: p.errorCode, baseOffset: p.baseOffset });
  }
  return out;
}
