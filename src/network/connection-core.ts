import { AssertionError, assert } from '../common/index.js';
import { DecodeError, FRAME_SIZE_BYTES, FrameDecoder, FrameTooLargeError, parseRequestHeader } from '../protocol/index.js';
import type { ApiDescriptor, RequestHeader } from '../protocol/index.js';
import type { ConnectionLimits } from './limits.js';

/** A request frame whose header has been parsed; the body is decoded by whoever handles it. */
export interface InboundRequest {
  /** Position of this request on its connection (0, 1, 2...): responses leave in this order. */
  readonly sequence: number;
  readonly header: RequestHeader;
  readonly headerVersion: number;
  /** undefined for an api key the codec does not know. */
  readonly api: ApiDescriptor | undefined;
  /** The frame with its 4-byte size prefix (so that a chunk holding one frame is used as is); the body starts at `bodyOffset`. */
  readonly frame: Buffer;
  readonly bodyOffset: number;
}

/** Why a connection stopped. */
export type CloseReason =
  | { readonly kind: 'frame-too-large'; readonly size: number; readonly max: number }
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'rejected'; readonly message: string }
  | { readonly kind: 'peer-closed' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'shutdown' };

const NO_OUTPUT: readonly Buffer[] = Object.freeze([]);

/** Queued with sequence -1; numbered in place when handed out (one object per request). */
type QueuedRequest = { -readonly [K in keyof InboundRequest]: InboundRequest[K] };

interface Slot {
  readonly sequence: number;
  /** undefined while the request is being handled; null when it gets no response (acks=0). */
  response: readonly Buffer[] | null | undefined;
}

/**
 * One connection's protocol state, with no I/O (a driver feeds it bytes and writes what it
 * returns): frames are cut from the byte stream, their headers parsed, and they are handed out
 * for handling at most `maxInFlightRequests` at a time. Responses may be completed in any order
 * but leave strictly in request order; a request that gets no response (Produce with acks=0)
 * still holds its place so later responses cannot overtake earlier ones.
 *
 * Bounds: a frame is at most `maxFrameBytes`; complete frames waiting to be handled are bounded
 * by `maxQueuedRequests` and `maxQueuedBytes` (past either, `wantsRead` turns false and the driver
 * stops reading, so TCP pushes back on the client); responses held back for ordering are bounded
 * by the in-flight limit; while the socket is congested (`setWritable(false)`) nothing new is
 * handed out, so output cannot pile up either.
 */
export class ConnectionCore {
  private readonly decoder: FrameDecoder;
  private readonly queued: QueuedRequest[] = [];
  private queuedBytes = 0;
  /** Handed out and not yet sent, in sequence order. */
  private readonly inFlight: Slot[] = [];
  /**
   * Response slices ready to be written. Usually one response is ready at a time, and then this is
   * the responder's own array, passed on as is; it is copied before anything is added to it
   * (`outboxOwned`), so a responder's array is never modified.
   */
  private outbox: readonly Buffer[] = NO_OUTPUT;
  private outboxOwned = false;
  private nextSequence = 0;
  private writable = true;
  private closeReason: CloseReason | undefined;

  constructor(private readonly limits: ConnectionLimits) {
    assert(limits.maxInFlightRequests >= 1, 'maxInFlightRequests must be at least 1');
    assert(limits.maxQueuedRequests >= 1, 'maxQueuedRequests must be at least 1');
    this.decoder = new FrameDecoder(limits.maxFrameBytes);
  }

  get closed(): CloseReason | undefined {
    return this.closeReason;
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /** Bytes received and not yet handed out (partial frame plus queued frames). */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes + this.queuedBytes;
  }

  /** Whether the driver should keep reading from the socket. */
  get wantsRead(): boolean {
    return (
      this.closeReason === undefined &&
      this.queued.length < this.limits.maxQueuedRequests &&
      this.queuedBytes < this.limits.maxQueuedBytes
    );
  }

  /** Feeds bytes from the socket. A malformed or oversized frame closes the connection (see `closed`). */
  receive(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    this.decoder.add(chunk);
    for (;;) {
      let frame: Buffer | undefined;
      try {
        frame = this.decoder.nextSized();
      } catch (e) {
        if (e instanceof FrameTooLargeError) this.close({ kind: 'frame-too-large', size: e.size, max: e.max });
        else if (e instanceof DecodeError) this.close({ kind: 'malformed', message: e.message });
        else throw e;
        return;
      }
      if (frame === undefined) return;
      let parsed;
      try {
        parsed = parseRequestHeader(frame, FRAME_SIZE_BYTES);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        // Kafka closes a connection whose request header cannot be parsed; requests already
        // received on it are dropped with it.
        this.close({ kind: 'malformed', message: `unparseable request header: ${e.message}` });
        return;
      }
      this.queued.push({ sequence: -1, header: parsed.header, headerVersion: parsed.headerVersion, api: parsed.api, frame, bodyOffset: parsed.bodyOffset });
      this.queuedBytes += frame.length;
    }
  }

  /**
   * The next request to handle, if the in-flight limit and the socket allow one; it must later be
   * completed with `respond` (or the connection closed).
   */
  nextRequest(): InboundRequest | undefined {
    if (this.closeReason !== undefined || !this.writable) return undefined;
    if (this.inFlight.length >= this.limits.maxInFlightRequests) return undefined;
    const head = this.queued.shift();
    if (head === undefined) return undefined;
    this.queuedBytes -= head.frame.length;
    head.sequence = this.nextSequence++;
    this.inFlight.push({ sequence: head.sequence, response: undefined });
    return head;
  }

  /** Completes a request: its response slices, or null when the client expects none. */
  respond(sequence: number, response: readonly Buffer[] | null): void {
    if (this.closeReason !== undefined) return;
    // Not assert(): its messages would be built for every response.
    const first = this.inFlight[0];
    if (first === undefined) throw new AssertionError(`response for request ${sequence} with none in flight`);
    const slot = this.inFlight[sequence - first.sequence];
    if (slot === undefined || slot.sequence !== sequence) throw new AssertionError(`response for unknown request ${sequence}`);
    if (slot.response !== undefined) throw new AssertionError(`request ${sequence} answered twice`);
    slot.response = response;
    while (this.inFlight.length > 0 && this.inFlight[0]!.response !== undefined) {
      const response = this.inFlight.shift()!.response;
      if (!response || response.length === 0) continue;
      if (this.outbox.length === 0) {
        this.outbox = response;
        this.outboxOwned = false;
        continue;
      }
      const out = this.outboxOwned ? (this.outbox as Buffer[]) : this.outbox.slice();
      for (const b of response) out.push(b);
      this.outbox = out;
      this.outboxOwned = true;
    }
  }

  /** Whether responses are ready to be written. */
  get hasOutput(): boolean {
    return this.outbox.length > 0;
  }

  /** Response bytes ready to be written, in request order (empties the outbox). */
  takeOutput(): readonly Buffer[] {
    const out = this.outbox;
    this.outbox = NO_OUTPUT;
    this.outboxOwned = false;
    return out;
  }

  /** The driver reports socket congestion (write returned false) and its end (drain). */
  setWritable(writable: boolean): void {
    this.writable = writable;
  }

  /** Stops the connection: nothing more is read or handed out; queued requests are dropped. */
  close(reason: CloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.queued.length = 0;
    this.queuedBytes = 0;
  }
}
