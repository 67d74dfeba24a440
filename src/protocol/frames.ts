/**
 * Request and response framing with Kafka's header rules, including the quirks:
 * - request header v2 (tagged fields) for flexible API versions, v1 otherwise, v0 for ControlledShutdown v0;
 * - response header v1 for flexible versions, v0 otherwise, and ALWAYS v0 for ApiVersions (clients
 *   must be able to read the answer before they know which versions the broker speaks);
 * - an ApiVersions request of a version we do not know is answered in v0 with UNSUPPORTED_VERSION
 *   and the range of ApiVersions we speak (Kafka lists only that API), so the client can retry.
 */
import { ErrorCode } from '../common/index.js';
import { DecodeError, Reader, Writer, resetZeroCopyTally, takeZeroCopyTally } from './codec/index.js';
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

/** Parses the header of a request frame (the bytes after the size prefix). Throws DecodeError. */
export function parseRequestHeader(frame: Buffer): ParsedRequestHeader {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  r.pos = 0;
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header = RequestHeader.read(r, headerVersion);
  return { header, headerVersion, api: API_BY_KEY.get(apiKey), bodyOffset: r.pos };
}

/** Decodes a request body; every byte of the frame must be consumed. Throws DecodeError. */
export function decodeBody<T>(desc: MessageDescriptor<T>, frame: Buffer, offset: number, version: number): T {
  if (version < desc.minVersion || version > desc.maxVersion) {
    throw new DecodeError(`${desc.name} version ${version} is outside ${desc.minVersion}-${desc.maxVersion}`);
  }
  const r = new Reader(frame, offset);
  const body = desc.read(r, version);
  r.expectEnd(desc.name);
  return body;
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

function frame(headerBytes: Buffer, body: Buffer[]): Buffer[] {
  let total = headerBytes.length;
  for (const b of body) total += b.length;
  const first = Buffer.allocUnsafe(4 + headerBytes.length);
  first.writeInt32BE(total, 0);
  headerBytes.copy(first, 4);
  return [first, ...body];
}

/** A full response frame (size prefix, header, body) as slices ready for the socket. */
export function encodeResponseFrame<T>(
  correlationId: number,
  apiKey: number,
  apiVersion: number,
  desc: MessageDescriptor<T>,
  body: T,
): Buffer[] {
  const hv = responseHeaderVersion(apiKey, apiVersion);
  const header = encodeMessageToBuffer(ResponseHeader, ResponseHeader.create({ correlationId }), hv);
  return frame(header, encodeMessage(desc, body, apiVersion));
}

/** A full request frame as slices; the header version follows from the api key and version. */
export function encodeRequestFrame<T>(header: RequestHeader, desc: MessageDescriptor<T>, body: T): Buffer[] {
  const hv = requestHeaderVersion(header.requestApiKey, header.requestApiVersion);
  const h = encodeMessageToBuffer(RequestHeader, header, hv);
  return frame(h, encodeMessage(desc, body, header.requestApiVersion));
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
