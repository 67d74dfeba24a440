import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionCore, DEFAULT_NETWORK_LIMITS } from '../../../src/network/index.js';
import type { ConnectionLimits, InboundRequest } from '../../../src/network/index.js';
import { ApiVersionsRequest } from '../../../src/protocol/index.js';
import { rawRequestFrame, requestFrame } from '../../integration/network/wire-client.js';

const LIMITS: ConnectionLimits = { ...DEFAULT_NETWORK_LIMITS, maxInFlightRequests: 3, maxQueuedRequests: 4, maxQueuedBytes: 10_000, maxFrameBytes: 1_000 };

function apiVersions(correlationId: number): Buffer {
  return requestFrame(ApiVersionsRequest, 3, ApiVersionsRequest.create({ clientSoftwareName: 'x', clientSoftwareVersion: '1' }), correlationId);
}

function drain(core: ConnectionCore): InboundRequest[] {
  const out: InboundRequest[] = [];
  for (let r = core.nextRequest(); r !== undefined; r = core.nextRequest()) out.push(r);
  return out;
}

const answer = (n: number): Buffer[] => [Buffer.from([n])];

test('frames split across chunks and glued together are cut correctly, headers parsed', () => {
  const core = new ConnectionCore(LIMITS);
  const bytes = Buffer.concat([apiVersions(1), apiVersions(2)]);
  for (let i = 0; i < bytes.length; i += 7) core.receive(bytes.subarray(i, i + 7));
  const reqs = drain(core);
  assert.deepEqual(reqs.map((r) => [r.sequence, r.header.correlationId, r.header.requestApiKey, r.api?.name]), [
    [0, 1, 18, 'ApiVersions'],
    [1, 2, 18, 'ApiVersions'],
  ]);
});

test('responses completed out of order leave in request order', () => {
  const core = new ConnectionCore(LIMITS);
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2), apiVersions(3)]));
  const [a, b, c] = drain(core);
  core.respond(c!.sequence, answer(3));
  core.respond(b!.sequence, answer(2));
  assert.deepEqual(core.takeOutput(), [], 'nothing may overtake the first request');
  core.respond(a!.sequence, answer(1));
  assert.deepEqual(core.takeOutput().map((x) => x[0]), [1, 2, 3]);
});

test('responses ready together leave as one list; the arrays responders passed are not modified', () => {
  const core = new ConnectionCore(LIMITS);
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2), apiVersions(3)]));
  const [a, b, c] = drain(core);
  const first = [Buffer.from([1]), Buffer.from([11])];
  const second = [Buffer.from([2])];
  core.respond(b!.sequence, second);
  core.respond(a!.sequence, first);
  assert.deepEqual(core.takeOutput().map((x) => x[0]), [1, 11, 2]);
  assert.deepEqual(first.map((x) => x[0]), [1, 11]);
  assert.deepEqual(second.map((x) => x[0]), [2]);
  const third = [Buffer.from([3])];
  core.respond(c!.sequence, third);
  assert.deepEqual(core.takeOutput().map((x) => x[0]), [3]);
  assert.equal(core.hasOutput, false);
  assert.deepEqual(core.takeOutput(), []);
});

test('a request without a response (acks=0) keeps its place: later responses wait for it', () => {
  const core = new ConnectionCore(LIMITS);
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2)]));
  const [a, b] = drain(core);
  core.respond(b!.sequence, answer(2));
  assert.deepEqual(core.takeOutput(), []);
  core.respond(a!.sequence, null);
  assert.deepEqual(core.takeOutput().map((x) => x[0]), [2]);
  assert.equal(core.inFlightCount, 0);
});

test('at most maxInFlightRequests are handed out; 1 is Kafka-style muting', () => {
  const core = new ConnectionCore({ ...LIMITS, maxInFlightRequests: 1 });
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2)]));
  const first = drain(core);
  assert.equal(first.length, 1);
  core.respond(first[0]!.sequence, answer(1));
  const second = drain(core);
  assert.deepEqual(second.map((r) => r.header.correlationId), [2]);
});

test('reading stops when the read-ahead queue is full and resumes as it empties', () => {
  const core = new ConnectionCore({ ...LIMITS, maxInFlightRequests: 1, maxQueuedRequests: 2 });
  assert.equal(core.wantsRead, true);
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2), apiVersions(3)]));
  const [a] = drain(core);
  assert.equal(core.queuedCount, 2);
  assert.equal(core.wantsRead, false);
  core.respond(a!.sequence, answer(1));
  drain(core);
  assert.equal(core.wantsRead, true);
});

test('reading also stops on queued bytes', () => {
  const one = apiVersions(1);
  const core = new ConnectionCore({ ...LIMITS, maxInFlightRequests: 1, maxQueuedBytes: one.length });
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2), apiVersions(3)]));
  drain(core);
  assert.equal(core.wantsRead, false);
});

test('a congested socket stops new requests from being handed out', () => {
  const core = new ConnectionCore(LIMITS);
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2)]));
  core.setWritable(false);
  assert.equal(core.nextRequest(), undefined);
  core.setWritable(true);
  assert.equal(drain(core).length, 2);
});

test('an oversized frame closes the connection with frame-too-large', () => {
  const core = new ConnectionCore(LIMITS);
  const size = Buffer.alloc(4);
  size.writeInt32BE(LIMITS.maxFrameBytes + 1);
  core.receive(size);
  assert.deepEqual(core.closed, { kind: 'frame-too-large', size: LIMITS.maxFrameBytes + 1, max: LIMITS.maxFrameBytes });
  assert.equal(core.wantsRead, false);
  assert.equal(core.nextRequest(), undefined);
});

test('a negative frame size or an unparseable header closes the connection as malformed', () => {
  const neg = new ConnectionCore(LIMITS);
  neg.receive(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.equal(neg.closed?.kind, 'malformed');

  // A frame of 3 bytes cannot hold api key, version and correlation id.
  const short = new ConnectionCore(LIMITS);
  short.receive(Buffer.concat([apiVersions(1), Buffer.from([0, 0, 0, 3, 1, 2, 3])]));
  assert.equal(short.closed?.kind, 'malformed');
  assert.equal(short.nextRequest(), undefined, 'requests queued before the bad frame are dropped with the connection');
});

test('an unknown api key still yields a request (the pipeline decides), with api undefined', () => {
  const core = new ConnectionCore(LIMITS);
  core.receive(rawRequestFrame(9999, 0, 5));
  const [r] = drain(core);
  assert.equal(r!.api, undefined);
  assert.equal(r!.header.correlationId, 5);
});

test('answering a request twice or one never handed out is a bug (assertion)', () => {
  const core = new ConnectionCore(LIMITS);
  core.receive(Buffer.concat([apiVersions(1), apiVersions(2)]));
  const [a] = drain(core);
  core.respond(a!.sequence + 1, answer(2));
  assert.throws(() => core.respond(a!.sequence + 1, answer(2)), /answered twice/);
  assert.throws(() => core.respond(a!.sequence + 7, answer(2)), /unknown request/);
});
