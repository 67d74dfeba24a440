import * as generated from '../../src/protocol/generated/index.js';
import { DecodeError, decodeBody, encodeRequestFrame, parseRequestHeader } from '../../src/protocol/index.js';
import type { MessageDescriptor } from '../../src/protocol/index.js';
import { Prng } from './prng.js';
import { randomStruct } from './random-message.js';

export interface FuzzStats {
  frames: number;
  decoded: number;
  decodeErrors: number;
  maxFrameMs: number;
}

const apis = [...generated.API_BY_KEY.values()];

/** A valid request frame body (no size prefix) for a random api and version. */
function validFrame(p: Prng): Buffer {
  const api = p.pick(apis);
  const req = api.request as MessageDescriptor<unknown>;
  const version = p.int(req.minVersion, req.maxVersion);
  const body = randomStruct(req, req.root, version, p);
  const header = generated.RequestHeader.create({
    requestApiKey: api.apiKey,
    requestApiVersion: version,
    correlationId: p.int(0, 1 << 30),
    clientId: p.bool(0.1) ? null : 'fuzz',
  });
  return Buffer.concat(encodeRequestFrame(header, req, body)).subarray(4);
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];

/** Applies one to four mutations of the kinds that break parsers: flips, huge lengths, cuts, splices. */
function mutate(p: Prng, frame: Buffer): Buffer {
  let b = Buffer.from(frame);
  const n = p.int(1, 4);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = p.int(0, b.length - 1);
    switch (p.int(0, 6)) {
      case 0:
        b[at] = b[at]! ^ (1 << p.int(0, 7));
        break;
      case 1:
        b[at] = p.pick(INTERESTING);
        break;
      case 2: // a length-like field set to a huge or negative value
        if (at + 4 <= b.length) b.writeInt32BE(p.pick([0x7fffffff, -2, -1, 0x10000000, 65535]), at);
        break;
      case 3:
        b = b.subarray(0, at);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), p.bytes(p.int(1, 8)), b.subarray(at)]);
        break;
      case 5: // an overlong varint
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), b.subarray(at)]);
        break;
      case 6:
        if (at + 2 <= b.length) b.writeInt16BE(p.pick([0x7fff, -2, -1, 1000]), at);
        break;
    }
  }
  return b;
}

/**
 * Decodes a frame the way the broker does: header, then the body if the api and version are known.
 * The only acceptable failure is a DecodeError; anything else is thrown to the caller as a finding.
 */
export function decodeLikeBroker(frame: Buffer): 'decoded' | 'error' {
  try {
    const h = parseRequestHeader(frame);
    const api = h.api;
    if (api === undefined) return 'error';
    const v = h.header.requestApiVersion;
    if (v < api.request.minVersion || v > api.request.maxVersion) return 'error';
    decodeBody(api.request, frame, h.bodyOffset, v);
    return 'decoded';
  } catch (e) {
    if (e instanceof DecodeError) return 'error';
    throw e;
  }
}

export function fuzzFrames(seed: number, count: number): FuzzStats {
  const p = new Prng(seed);
  const stats: FuzzStats = { frames: 0, decoded: 0, decodeErrors: 0, maxFrameMs: 0 };
  for (let i = 0; i < count; i++) {
    const kind = p.int(0, 9);
    const frame = kind === 0 ? p.bytes(p.int(0, 64)) : kind === 1 ? validFrame(p) : mutate(p, validFrame(p));
    const t0 = performance.now();
    let outcome: 'decoded' | 'error';
    try {
      outcome = decodeLikeBroker(frame);
    } catch (e) {
      throw new Error(`frame ${i} (seed ${seed}) threw ${String(e)}: ${frame.toString('hex').slice(0, 400)}`);
    }
    let ms = performance.now() - t0;
    // A slow frame is timed again: a pathological one (a huge allocation, a quadratic walk) is slow
    // every time, a GC pause or a busy machine is not. Its fastest run is what counts.
    for (let again = 0; again < 3 && ms > 50; again++) {
      const t1 = performance.now();
      decodeLikeBroker(frame);
      ms = Math.min(ms, performance.now() - t1);
    }
    if (ms > stats.maxFrameMs) stats.maxFrameMs = ms;
    stats.frames++;
    if (outcome === 'decoded') stats.decoded++;
    else stats.decodeErrors++;
    if (kind === 1 && outcome !== 'decoded') throw new Error(`a valid frame failed to decode (seed ${seed}, frame ${i})`);
  }
  return stats;
}
