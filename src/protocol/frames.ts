/**
 * Request and response framing with Kafka's header rules, including the quirks:
 * - request header v2 (tagged fields) for flexible API versions, v1 otherwise, v0 for ControlledShutdown v0;
 * - response header v1 for flexible versions, v0 otherwise, and ALWAYS v0 for ApiVersions (clients
 *   must be able to read the answer before they know which versions the broker speaks);
 * - an ApiVersions request of a version we do not know is answered in v0 with UNSUPPORTED_VERSION
 *   and the range of ApiVersions we speak (Kafka lists only that API), so the client can retry.
 */
import { ErrorCode } from '../common/index.js';
import { DecodeError, EMPTY_BUFFER, FRAME_SIZE_BYTES, Reader, Writer, resetZeroCopyTally, takeZeroCopyTally } from './codec/index.js';
import type { ApiDescriptor, MessageDescriptor } from './codec/index.js';
import { API_BY_KEY, ApiVersionsResponse, RequestHeader, ResponseHeader } from './generated/index.js';
import type { ApiVersionsResponseApiVersion } from './generated/index.js';

export const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

function isFlexible(api: ApiDescriptor, apiVersion: number, which: 'request' | 'response'): boolean {
  return apiVersion >= api[which].flexibleMinVersion;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = API_BY_KEY.get(apiKey);
  if (api === undefined) return 1;
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return isFlexible(api, apiVersion, 'request') ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  const api = API_BY_KEY.get(apiKey);
  if (api === undefined) return 0;
  return isFlexible(api, apiVersion, 'response') ? 1 : 0;
}

export interface ParsedRequestHeader {
  header: RequestHeader;
  headerVersion: number;
  /** undefined for an api key this codec does not know. */
  api: ApiDescriptor | undefined;
  /** Offset of the body within the frame. */
  bodyOffset: number;
}

/**
 * Parses the header of a request frame (the bytes after the size prefix, or a whole sized frame with
 * `offset` FRAME_SIZE_BYTES). Throws DecodeError.
 */
export function parseRequestHeader(frame: Buffer, offset = 0): ParsedRequestHeader {
  const r = requestReader(frame, offset);
  try {
    const apiKey = r.int16();
    const apiVersion = r.int16();
    r.pos = offset;
    const headerVersion = requestHeaderVersion(apiKey, apiVersion);
    const header = RequestHeader.read(r, headerVersion);
    return { header, headerVersion, api: API_BY_KEY.get(apiKey), bodyOffset: r.pos };
  } finally {
    r.buf = EMPTY_BUFFER;
  }
}

/** Decodes a request body; every byte of the frame must be consumed. Throws DecodeError. */
export function decodeBody<T>(desc: MessageDescriptor<T>, frame: Buffer, offset: number, version: number): T {
  if (version < desc.minVersion || version > desc.maxVersion) {
    throw new DecodeError(`${desc.name} version ${version} is outside ${desc.minVersion}-${desc.maxVersion}`);
  }
  const r = requestReader(frame, offset);
  try {
    const body = desc.read(r, version);
    r.expectEnd(desc.name);
    return body;
  } finally {
    r.buf = EMPTY_BUFFER;
  }
}

// Request headers and bodies are decoded synchronously, one at a time, and decoded values never
// keep their Reader: one Reader serves them all (two fewer objects per request). It lets go of
// the frame when done.
const sharedReader = new Reader(EMPTY_BUFFER);

function requestReader(frame: Buffer, offset: number): Reader {
  sharedReader.buf = frame;
  sharedReader.pos = offset;
  sharedReader.end = frame.length;
  return sharedReader;
}

/** Encodes a message into slices (large records payloads stay separate). */
export function encodeMessage<T>(desc: MessageDescriptor<T>, value: T, version: number): Buffer[] {
  resetZeroCopyTally();
  const size = desc.size(value, version);
  const external = takeZeroCopyTally();
  const w = new Writer(size - external);
  desc.write(w, value, version);
  return w.finish();
}

/** Encodes a message into one contiguous buffer (copies records; for tests, tools and small messages). */
export function encodeMessageToBuffer<T>(desc: MessageDescriptor<T>, value: T, version: number): Buffer {
  const slices = encodeMessage(desc, value, version);
  return slices.length === 1 ? slices[0]! : Buffer.concat(slices);
}

/**
 * Size prefix, header and body written by one Writer into one buffer (large records payloads stay
 * separate slices): a small response is a single Buffer, the cheapest thing to hand to a socket.
 */
function encodeFrame<H, T>(hdesc: MessageDescriptor<H>, header: H, hv: number, desc: MessageDescriptor<T>, body: T, version: number): Buffer[] {
  const headerSize = hdesc.size(header, hv);
  resetZeroCopyTally();
  const bodySize = desc.size(body, version);
  const external = takeZeroCopyTally();
  const w = new Writer(FRAME_SIZE_BYTES + headerSize + bodySize - external);
  w.int32(headerSize + bodySize);
  hdesc.write(w, header, hv);
  desc.write(w, body, version);
  return w.finish();
}

// Responses are encoded synchronously one at a time, so one header object serves them all (a
// response header is just the correlation id).
const responseHeader: ResponseHeader = ResponseHeader.create();

/** A full response frame (size prefix, header, body) as slices ready for the socket. */
export function encodeResponseFrame<T>(
  correlationId: number,
  apiKey: number,
  apiVersion: number,
  desc: MessageDescriptor<T>,
  body: T,
): Buffer[] {
  responseHeader.correlationId = correlationId;
  return encodeFrame(ResponseHeader, responseHeader, responseHeaderVersion(apiKey, apiVersion), desc, body, apiVersion);
}

/** A full request frame as slices; the header version follows from the api key and version. */
export function encodeRequestFrame<T>(header: RequestHeader, desc: MessageDescriptor<T>, body: T): Buffer[] {
  const hv = requestHeaderVersion(header.requestApiKey, header.requestApiVersion);
  return encodeFrame(RequestHeader, header, hv, desc, body, header.requestApiVersion);
}

/** Parses a response frame (after the size prefix) for a request of the given api key and version. */
export function decodeResponseFrame<T>(
  frameBytes: Buffer,
  apiKey: number,
  apiVersion: number,
  desc: MessageDescriptor<T>,
): { correlationId: number; body: T } {
  const r = new Reader(frameBytes);
  const header = ResponseHeader.read(r, responseHeaderVersion(apiKey, apiVersion));
  const body = desc.read(r, apiVersion);
  r.expectEnd(desc.name);
  return { correlationId: header.correlationId, body };
}

/**
 * The answer to an ApiVersions request of a version we do not support: version 0 of the response
 * (which every client can parse), error UNSUPPORTED_VERSION, and the given ranges (Kafka sends just
 * the ApiVersions range).
 */
export function encodeUnsupportedApiVersionsResponse(
  correlationId: number,
  supported: readonly ApiVersionsResponseApiVersion[],
): Buffer[] {
  const body = ApiVersionsResponse.create({ errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: supported.slice() });
  return encodeResponseFrame(correlationId, API_VERSIONS_KEY, 0, ApiVersionsResponse, body);
}
