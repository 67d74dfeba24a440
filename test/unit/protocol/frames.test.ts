import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiVersionsRequest, ApiVersionsResponse, FetchResponse, FrameDecoder, FrameTooLargeError, MetadataRequest, MetadataResponse, Reader,
  RequestHeader, ResponseHeader, createApiVersionsResponseApiVersion, createFetchResponsePartitionData,
  createFetchResponseFetchableTopicResponse, decodeBody, decodeResponseFrame, encodeMessage, encodeRequestFrame,
  encodeResponseFrame, encodeUnsupportedApiVersionsResponse, parseRequestHeader, requestHeaderVersion,
  responseHeaderVersion, ZERO_COPY_MIN_BYTES,
} from '../../../src/protocol/index.js';

test('header versions: flexible APIs use request header v2 and response header v1', () => {
  assert.equal(requestHeaderVersion(3, 8), 1); // Metadata v8: not flexible
  assert.equal(requestHeaderVersion(3, 9), 2);
  assert.equal(responseHeaderVersion(3, 8), 0);
  assert.equal(responseHeaderVersion(3, 9), 1);
  assert.equal(requestHeaderVersion(7, 0), 0); // ControlledShutdown v0 has no client id
});

test('ApiVersions responses always use header v0, even for flexible versions', () => {
  assert.equal(responseHeaderVersion(18, 3), 0);
  assert.equal(requestHeaderVersion(18, 3), 2);
  const body = ApiVersionsResponse.create({ apiKeys: [createApiVersionsResponseApiVersion({ apiKey: 0, minVersion: 3, maxVersion: 11 })] });
  const frame = Buffer.concat(encodeResponseFrame(7, 18, 3, ApiVersionsResponse, body));
  assert.equal(frame.readInt32BE(0), frame.length - 4);
  assert.equal(frame.readInt32BE(4), 7);
  // Header v0 is just the correlation id: the body's error code follows at once, no tag buffer.
  assert.equal(frame.readInt16BE(8), 0);
  const back = decodeResponseFrame(frame.subarray(4), 18, 3, ApiVersionsResponse);
  assert.equal(back.correlationId, 7);
  assert.equal(back.body.apiKeys[0]?.maxVersion, 11);
});

test('the client id of request header v2 is a classic (non-compact) string', () => {
  const header = RequestHeader.create({ requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'abc' });
  const frame = Buffer.concat(encodeRequestFrame(header, ApiVersionsRequest, ApiVersionsRequest.create({ clientSoftwareName: 'x', clientSoftwareVersion: '1' })));
  assert.equal(frame.readInt16BE(12), 3); // int16 length, not a varint
  assert.equal(frame.toString('latin1', 14, 17), 'abc');
  assert.equal(frame[17], 0); // header tag buffer
  const h = parseRequestHeader(frame.subarray(4));
  assert.equal(h.headerVersion, 2);
  assert.equal(h.header.clientId, 'abc');
  const body = decodeBody(ApiVersionsRequest, frame.subarray(4), h.bodyOffset, 3);
  assert.equal(body.clientSoftwareName, 'x');
});

test('an ApiVersions request of an unknown version is answered in v0 with UNSUPPORTED_VERSION and our ranges', () => {
  const supported = [createApiVersionsResponseApiVersion({ apiKey: 18, minVersion: 0, maxVersion: 3 })];
  const frame = Buffer.concat(encodeUnsupportedApiVersionsResponse(42, supported)).subarray(4);
  const r = new Reader(frame);
  assert.equal(ResponseHeader.read(r, 0).correlationId, 42);
  const body = ApiVersionsResponse.read(r, 0);
  r.expectEnd('v0 body');
  assert.equal(body.errorCode, 35);
  assert.deepEqual(body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[18, 0, 3]]);
  // A header for a version newer than any we know still parses (flexible rules continue upwards).
  const req = Buffer.from('0012000700000009000474657374' + '00', 'hex');
  const h = parseRequestHeader(req);
  assert.equal(h.header.requestApiVersion, 7);
  assert.equal(h.headerVersion, 2);
  assert.throws(() => decodeBody(ApiVersionsRequest, req, h.bodyOffset, 7), /outside 0-4/);
});

test('large records payloads are sent as their own slice, not copied', () => {
  const records = Buffer.alloc(ZERO_COPY_MIN_BYTES * 2, 7);
  const resp = FetchResponse.create({
    responses: [createFetchResponseFetchableTopicResponse({ topic: 't', partitions: [createFetchResponsePartitionData({ records })] })],
  });
  const slices = encodeResponseFrame(1, 1, 12, FetchResponse, resp);
  assert.ok(slices.some((s) => s === records), 'the records buffer itself is one of the slices');
  const frame = Buffer.concat(slices);
  assert.equal(frame.readInt32BE(0), frame.length - 4);
  const back = decodeResponseFrame(frame.subarray(4), 1, 12, FetchResponse);
  assert.deepEqual(back.body.responses[0]?.partitions[0]?.records, records);
  // Small payloads are copied into the one buffer.
  const small = encodeMessage(MetadataRequest, MetadataRequest.create({ topics: null }), 12);
  assert.equal(small.length, 1);
});

test('FrameDecoder splits a stream at any chunking and enforces the maximum', () => {
  const frames = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(1000, 3), Buffer.from('xyz')];
  const stream = Buffer.concat(frames.flatMap((f) => { const h = Buffer.alloc(4); h.writeInt32BE(f.length); return [h, f]; }));
  for (const step of [1, 2, 3, 5, 7, 1000, stream.length]) {
    const d = new FrameDecoder(1 << 20);
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i += step) got.push(...d.push(stream.subarray(i, i + step)));
    assert.deepEqual(got, frames, `chunk size ${step}`);
    assert.equal(d.bufferedBytes, 0);
  }
  const d = new FrameDecoder(100);
  assert.throws(() => d.push(Buffer.from('00000065', 'hex')), FrameTooLargeError);
  assert.throws(() => new FrameDecoder(100).push(Buffer.from('ffffffff', 'hex')), /negative frame size/);
});

test('a small response frame is one buffer: size prefix, header (v0 or v1 with its tag buffer) and body', () => {
  const body = MetadataResponse.create({ clusterId: 'c' });
  for (const [version, tagged] of [[8, false], [9, true]] as const) {
    const slices = encodeResponseFrame(0x01020304, 3, version, MetadataResponse, body);
    assert.equal(slices.length, 1, `Metadata v${version}`);
    const frame = slices[0]!;
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    assert.equal(frame.readInt32BE(4), 0x01020304);
    const r = new Reader(frame, 4);
    assert.equal(ResponseHeader.read(r, tagged ? 1 : 0).correlationId, 0x01020304);
    assert.deepEqual(MetadataResponse.read(r, version), MetadataResponse.read(new Reader(encodeMessage(MetadataResponse, body, version)[0]!), version));
    r.expectEnd('frame');
  }
});

test('a records payload at the start or end of a message leaves no empty slice', () => {
  const records = Buffer.alloc(ZERO_COPY_MIN_BYTES, 9);
  const resp = FetchResponse.create({
    responses: [createFetchResponseFetchableTopicResponse({ topic: 't', partitions: [createFetchResponsePartitionData({ records }), createFetchResponsePartitionData({ records })] })],
  });
  for (const v of [4, 12]) {
    const slices = encodeResponseFrame(1, 1, v, FetchResponse, resp);
    assert.ok(slices.every((s) => s.length > 0), `v${v}`);
    assert.equal(slices.filter((s) => s === records).length, 2);
    const back = decodeResponseFrame(Buffer.concat(slices).subarray(4), 1, v, FetchResponse);
    assert.deepEqual(back.body.responses[0]?.partitions.map((p) => p.records), [records, records]);
  }
});

test('FrameDecoder.nextSized hands out whole frames with their size prefix; a one-frame chunk as is', () => {
  const sized = (payload: Buffer): Buffer => {
    const h = Buffer.alloc(4);
    h.writeInt32BE(payload.length);
    return Buffer.concat([h, payload]);
  };
  const one = sized(Buffer.from('hello'));
  const d = new FrameDecoder(1 << 20);
  d.add(one);
  assert.equal(d.nextSized(), one, 'the chunk itself, no copy or view');
  assert.equal(d.nextSized(), undefined);
  const two = Buffer.concat([sized(Buffer.from('ab')), sized(Buffer.from('cde'))]);
  d.add(two.subarray(0, 3));
  assert.equal(d.nextSized(), undefined);
  d.add(two.subarray(3));
  assert.deepEqual([d.nextSized(), d.nextSized(), d.nextSized()], [sized(Buffer.from('ab')), sized(Buffer.from('cde')), undefined]);
  assert.equal(d.bufferedBytes, 0);
  // The header of a sized frame parses at offset 4; the body offset counts from the frame's start.
  const req = sized(Buffer.from('0012000300000009000474657374' + '00', 'hex'));
  const h = parseRequestHeader(req, 4);
  assert.equal(h.header.correlationId, 9);
  assert.equal(h.header.clientId, 'test');
  assert.equal(h.bodyOffset, req.length, 'after the header and its tag buffer');
});

