import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  ProduceRequest,
  ProduceResponse,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  createProduceResponsePartitionProduceResponse,
  createProduceResponseTopicProduceResponse,
  decodeResponseFrame,
} from '../../../src/protocol/index.js';
import type { ApiVersionsResponse as ApiVersionsResponseT, ProduceRequest as ProduceRequestT } from '../../../src/protocol/index.js';
import { apiVersionsHandler, defineHandler, startServer } from '../../../src/server/index.js';
import type { ApiHandler, RunningServer, ServerOptions } from '../../../src/server/index.js';
import { ErrorCode } from '../../../src/common/index.js';
import { MemoryLogger, WireClient, rawRequestFrame, requestFrame, waitFor } from './wire-client.js';

interface Deferred {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * A Heartbeat handler whose answers the test releases by hand, so completion order is the
 * test's choice. generationId tags each request.
 */
function heldHeartbeats(): { handler: ApiHandler; pending: Map<number, Deferred>; completed: number[] } {
  const pending = new Map<number, Deferred>();
  const completed: number[] = [];
  const handler = defineHandler({
    apiKey: HeartbeatRequest.apiKey,
    request: HeartbeatRequest,
    response: HeartbeatResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(req) {
      return new Promise((resolve, reject) => {
        pending.set(req.generationId, {
          resolve: () => {
            completed.push(req.generationId);
            resolve(HeartbeatResponse.create({ errorCode: ErrorCode.NONE }));
          },
          reject,
        });
      });
    },
  });
  return { handler, pending, completed };
}

/** A Produce stand-in: acks=0 gets no response; topic "boom" throws; "later" rejects asynchronously. */
function produceStub(calls: ProduceRequestT[], software: string[]): ApiHandler {
  return defineHandler({
    apiKey: ProduceRequest.apiKey,
    request: ProduceRequest,
    response: ProduceResponse,
    minVersion: 3,
    maxVersion: 11,
    expectsResponse: (req) => req.acks !== 0,
    handle(req, ctx) {
      calls.push(req);
      software.push(`${ctx.connection.clientSoftwareName}/${ctx.connection.clientSoftwareVersion}`);
      const topic = req.topicData[0]?.name;
      if (topic === 'boom') throw new Error('handler bug');
      if (topic === 'later') return Promise.reject(new Error('async handler bug'));
      return ProduceResponse.create({
        responses: req.topicData.map((t) =>
          createProduceResponseTopicProduceResponse({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => createProduceResponsePartitionProduceResponse({ index: p.index })),
          }),
        ),
      });
    },
  });
}

function produce(topic: string, acks: number, partitions = [0]): ProduceRequestT {
  return ProduceRequest.create({
    acks,
    timeoutMs: 1000,
    topicData: [
      createProduceRequestTopicProduceData({
        name: topic,
        partitionData: partitions.map((index) => createProduceRequestPartitionProduceData({ index })),
      }),
    ],
  });
}

function av(version: number, name = 'gregor-test', ver = '1.0'): Buffer {
  return requestFrame(ApiVersionsRequest, version, ApiVersionsRequest.create({ clientSoftwareName: name, clientSoftwareVersion: ver }), 100 + version);
}

async function withServer(options: Partial<ServerOptions>, fn: (s: RunningServer, port: number) => Promise<void>): Promise<void> {
  const s = await startServer({ listeners: [{ host: '127.0.0.1', port: 0 }], handlers: [apiVersionsHandler], ...options });
  try {
    await fn(s, s.addresses[0]!.port);
  } finally {
    await s.close();
  }
}

async function apiVersionsWorks(port: number): Promise<void> {
  const c = await WireClient.connect(port);
  try {
    const r = await c.call(ApiVersionsRequest, ApiVersionsResponse, 3, ApiVersionsRequest.create({ clientSoftwareName: 'x', clientSoftwareVersion: '1' }), 9);
    assert.equal(r.body.errorCode, 0);
    assert.equal(r.correlationId, 9);
  } finally {
    c.destroy();
  }
}

test('pipelined requests completed out of order are answered in request order', async () => {
  const held = heldHeartbeats();
  await withServer({ handlers: [apiVersionsHandler, held.handler], limits: { maxInFlightRequests: 8 } }, async (_s, port) => {
    const c = await WireClient.connect(port);
    const n = 8;
    c.send(Array.from({ length: n }, (_, i) => requestFrame(HeartbeatRequest, 4, HeartbeatRequest.create({ groupId: 'g', generationId: i }), 1000 + i)));
    await waitFor(() => held.pending.size === n, 'all heartbeats to be in flight');
    for (let i = n - 1; i >= 0; i--) held.pending.get(i)!.resolve();
    const frames = await c.nextFrames(n);
    assert.deepEqual(held.completed, [7, 6, 5, 4, 3, 2, 1, 0]);
    const ids = frames.map((f) => decodeResponseFrame(f, HeartbeatRequest.apiKey, 4, HeartbeatResponse).correlationId);
    assert.deepEqual(ids, Array.from({ length: n }, (_, i) => 1000 + i));
    c.destroy();
  });
});

test('with a small in-flight limit, a long pipelined burst still comes back complete and in order', async () => {
  const held = heldHeartbeats();
  await withServer({ handlers: [apiVersionsHandler, held.handler], limits: { maxInFlightRequests: 3, maxQueuedRequests: 4 } }, async (_s, port) => {
    const c = await WireClient.connect(port);
    const n = 60;
    c.send(Array.from({ length: n }, (_, i) => requestFrame(HeartbeatRequest, 4, HeartbeatRequest.create({ generationId: i }), i)));
    let got: Buffer[] = [];
    // Release whatever is in flight, newest first, until everything has been answered.
    while (got.length < n) {
      await waitFor(() => held.pending.size > 0 || c.frames.length > 0, 'progress');
      assert.ok(held.pending.size <= 3, `in-flight limit exceeded: ${held.pending.size}`);
      const keys = [...held.pending.keys()].sort((a, b) => b - a);
      for (const k of keys) {
        held.pending.get(k)!.resolve();
        held.pending.delete(k);
      }
      got = got.concat(c.frames.splice(0));
      if (got.length < n && held.pending.size === 0) await waitFor(() => held.pending.size > 0 || c.frames.length > 0, 'more progress');
      got = got.concat(c.frames.splice(0));
    }
    const ids = got.map((f) => decodeResponseFrame(f, HeartbeatRequest.apiKey, 4, HeartbeatResponse).correlationId);
    assert.deepEqual(ids, Array.from({ length: n }, (_, i) => i));
    c.destroy();
  });
});

test('acks=0 produce gets no response, keeps its place, and later responses still come in order', async () => {
  const calls: ProduceRequestT[] = [];
  await withServer({ handlers: [apiVersionsHandler, produceStub(calls, [])] }, async (_s, port) => {
    const c = await WireClient.connect(port);
    c.send([
      requestFrame(ProduceRequest, 9, produce('t', 0), 1),
      av(2),
      requestFrame(ProduceRequest, 9, produce('t', 1), 3),
      requestFrame(ProduceRequest, 9, produce('t', 0), 4),
      av(3),
    ]);
    const frames = await c.nextFrames(3);
    assert.equal(decodeResponseFrame(frames[0]!, 18, 2, ApiVersionsResponse).correlationId, 102);
    const p = decodeResponseFrame(frames[1]!, 0, 9, ProduceResponse);
    assert.equal(p.correlationId, 3);
    assert.equal(decodeResponseFrame(frames[2]!, 18, 3, ApiVersionsResponse).correlationId, 103);
    assert.equal(calls.length, 3, 'the acks=0 requests were handled');
    assert.equal(c.closed, false);
    c.destroy();
  });
});

test('a failing acks=0 produce closes the connection (no response can carry the error), as Kafka does', async () => {
  const logger = new MemoryLogger();
  await withServer({ handlers: [apiVersionsHandler, produceStub([], [])], logger }, async (_s, port) => {
    const c = await WireClient.connect(port);
    c.send(requestFrame(ProduceRequest, 9, produce('boom', 0), 1));
    await c.waitClosed();
    assert.ok(logger.find('error', 'error handling request'));
    await apiVersionsWorks(port);
  });
});

test('a handler exception gives UNKNOWN_SERVER_ERROR for every partition asked about; the connection keeps working', async () => {
  const logger = new MemoryLogger();
  await withServer({ handlers: [apiVersionsHandler, produceStub([], [])], logger }, async (_s, port) => {
    const c = await WireClient.connect(port);
    for (const [topic, corr] of [['boom', 41], ['later', 42]] as const) {
      const r = await c.call(ProduceRequest, ProduceResponse, 9, produce(topic, -1, [0, 3, 7]), corr);
      assert.equal(r.correlationId, corr);
      assert.equal(r.body.responses.length, 1);
      assert.equal(r.body.responses[0]!.name, topic);
      assert.deepEqual(
        r.body.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode]),
        [[0, -1], [3, -1], [7, -1]],
      );
      const line = logger.lines.find((l) => l.level === 'error' && l.fields['correlationId'] === corr);
      assert.ok(line, `error logged with correlation id ${corr}`);
      assert.match(String(line.fields['error']), /handler bug/);
    }
    const ok = await c.call(ProduceRequest, ProduceResponse, 9, produce('fine', 1), 43);
    assert.equal(ok.body.responses[0]!.partitionResponses[0]!.errorCode, 0);
    c.destroy();
  });
});

test('an oversized frame closes only that connection, and is logged', async () => {
  const logger = new MemoryLogger();
  await withServer({ maxFrameBytes: 1024, logger }, async (_s, port) => {
    const bystander = await WireClient.connect(port);
    const bad = await WireClient.connect(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025);
    bad.send(size);
    await bad.waitClosed();
    assert.equal(logger.find('warn', 'frame too large')?.fields['size'], 1025);
    const r = await bystander.call(ApiVersionsRequest, ApiVersionsResponse, 2, ApiVersionsRequest.create(), 5);
    assert.equal(r.body.errorCode, 0);
    bystander.destroy();
  });
});

test('garbage closes only that connection: bad header, bad body', async () => {
  const logger = new MemoryLogger();
  await withServer({ logger }, async (_s, port) => {
    const bystander = await WireClient.connect(port);
    const badHeader = await WireClient.connect(port);
    badHeader.send(Buffer.from([0, 0, 0, 3, 0xde, 0xad, 0xbe]));
    await badHeader.waitClosed();
    // ApiVersions v3 whose compact string claims 100 bytes that are not there.
    const badBody = await WireClient.connect(port);
    const good = av(3);
    const truncated = Buffer.concat([good.subarray(0, good.length - 6), Buffer.from([100, 0])]);
    truncated.writeInt32BE(truncated.length - 4, 0);
    badBody.send(truncated);
    await badBody.waitClosed();
    assert.equal(logger.lines.filter((l) => l.level === 'warn' && l.message.includes('malformed')).length, 2);
    const r = await bystander.call(ApiVersionsRequest, ApiVersionsResponse, 2, ApiVersionsRequest.create(), 5);
    assert.equal(r.body.errorCode, 0);
    bystander.destroy();
  });
});

test('an unknown api key, or an API this server does not run, closes the connection (Kafka: InvalidRequestException)', async () => {
  await withServer({}, async (_s, port) => {
    for (const frame of [rawRequestFrame(9999, 0, 1), rawRequestFrame(3 /* Metadata */, 12, 2, Buffer.from([1, 0, 0]))]) {
      const c = await WireClient.connect(port);
      c.send(frame);
      await c.waitClosed();
      assert.equal(c.frames.length, 0);
    }
    await apiVersionsWorks(port);
  });
});

test('an unsupported version of a registered API other than ApiVersions closes the connection', async () => {
  await withServer({ handlers: [apiVersionsHandler, produceStub([], [])] }, async (_s, port) => {
    const c = await WireClient.connect(port);
    c.send(rawRequestFrame(0, 2 /* below our minimum of 3 */, 1, Buffer.alloc(10)));
    await c.waitClosed();
    assert.equal(c.frames.length, 0);
  });
});

test('ApiVersions v127 is answered in v0 with UNSUPPORTED_VERSION and the ApiVersions range; the connection stays open', async () => {
  await withServer({}, async (_s, port) => {
    const c = await WireClient.connect(port);
    // Flexible header (v2) as a client that speaks a future version would send; the body is opaque to us.
    c.send(rawRequestFrameV2(18, 127, 77, Buffer.from([0, 0, 0, 0xff])));
    const [f] = await c.nextFrames(1);
    const r = decodeResponseFrame(f!, 18, 0, ApiVersionsResponse);
    assert.equal(r.correlationId, 77);
    assert.equal(r.body.errorCode, 35);
    assert.deepEqual(r.body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[18, 0, 4]]);
    const again = await c.call(ApiVersionsRequest, ApiVersionsResponse, 4, ApiVersionsRequest.create({ clientSoftwareName: 'a', clientSoftwareVersion: 'b' }), 78);
    assert.equal(again.body.errorCode, 0);
    c.destroy();
  });
});

function rawRequestFrameV2(apiKey: number, version: number, correlationId: number, body: Buffer): Buffer {
  // Header v2: key, version, correlation id, nullable string client id, empty tagged fields.
  const h = Buffer.alloc(2 + 2 + 4 + 2 + 1);
  h.writeInt16BE(apiKey, 0);
  h.writeInt16BE(version, 2);
  h.writeInt32BE(correlationId, 4);
  h.writeInt16BE(-1, 8);
  h.writeUInt8(0, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(h.length + body.length);
  return Buffer.concat([size, h, body]);
}

test('ApiVersions v0-v4 advertise exactly the registered handlers, intersected with the schemas; v3+ names are recorded', async () => {
  const software: string[] = [];
  const held = heldHeartbeats();
  await withServer({ handlers: [apiVersionsHandler, produceStub([], software), held.handler] }, async (s, port) => {
    const expected = [
      [0, 3, 11],
      [12, 0, 4],
      [18, 0, 4],
    ];
    assert.deepEqual(s.registry.apiVersions.map((v) => [v.apiKey, v.minVersion, v.maxVersion]), expected);
    for (let v = 0; v <= 4; v++) {
      const c = await WireClient.connect(port);
      const r: { body: ApiVersionsResponseT } = await c.call(
        ApiVersionsRequest,
        ApiVersionsResponse,
        v,
        ApiVersionsRequest.create({ clientSoftwareName: 'kafka-client', clientSoftwareVersion: `3.${v}.0` }),
        v,
      );
      assert.equal(r.body.errorCode, 0);
      assert.deepEqual(r.body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), expected);
      assert.equal(r.body.throttleTimeMs, 0);
      assert.deepEqual(r.body.supportedFeatures, []);
      assert.deepEqual(r.body.finalizedFeatures, []);
      await c.call(ProduceRequest, ProduceResponse, 9, produce('t', 1), 50);
      assert.equal(software.at(-1), v >= 3 ? `kafka-client/3.${v}.0` : '/', `client software recorded for v${v}`);
      c.destroy();
    }
    const bad = await WireClient.connect(port);
    const r = await bad.call(ApiVersionsRequest, ApiVersionsResponse, 3, ApiVersionsRequest.create({ clientSoftwareName: 'bad name!', clientSoftwareVersion: '1' }), 1);
    assert.equal(r.body.errorCode, ErrorCode.INVALID_REQUEST);
    bad.destroy();
  });
});

test('1,000 concurrent connections each get their ApiVersions answer', async () => {
  await withServer({}, async (_s, port) => {
    const n = 1000;
    const clients = await Promise.all(Array.from({ length: n }, () => WireClient.connect(port)));
    try {
      clients.forEach((c, i) => c.send(requestFrame(ApiVersionsRequest, 3, ApiVersionsRequest.create({ clientSoftwareName: 'c', clientSoftwareVersion: '1' }), i)));
      await waitFor(() => clients.every((c) => c.frames.length === 1 || c.closed), 'every answer', 20_000);
      clients.forEach((c, i) => {
        const r = decodeResponseFrame(c.frames[0]!, 18, 3, ApiVersionsResponse);
        assert.equal(r.correlationId, i);
        assert.equal(r.body.errorCode, 0);
      });
    } finally {
      for (const c of clients) c.destroy();
    }
  });
});

test('max.connections: connections beyond the limit are closed at once; a freed slot is reused', async () => {
  const logger = new MemoryLogger();
  await withServer({ limits: { maxConnections: 2 }, logger }, async (s, port) => {
    const a = await WireClient.connect(port);
    const b = await WireClient.connect(port);
    await waitFor(() => s.connectionCount === 2, 'two connections');
    const c = await WireClient.connect(port);
    await c.waitClosed();
    assert.ok(logger.find('warn', 'max.connections'));
    a.destroy();
    await waitFor(() => s.connectionCount === 1, 'the slot to free');
    await apiVersionsWorks(port);
    b.destroy();
  });
});

test('idle connections are closed after connections.max.idle.ms', async () => {
  await withServer({ limits: { connectionsMaxIdleMs: 30 } }, async (_s, port) => {
    const c = await WireClient.connect(port);
    await c.waitClosed(5_000);
  });
});

test('close() shuts down promptly with requests in flight, closes every connection, and stops listening', async () => {
  const held = heldHeartbeats();
  const s = await startServer({ listeners: [{ host: '127.0.0.1', port: 0 }], handlers: [apiVersionsHandler, held.handler], shutdownGraceMs: 300 });
  const port = s.addresses[0]!.port;
  const clients = await Promise.all([1, 2, 3].map(() => WireClient.connect(port)));
  clients[0]!.send(requestFrame(HeartbeatRequest, 4, HeartbeatRequest.create({ generationId: 1 }), 1));
  await waitFor(() => held.pending.size === 1, 'a request in flight');
  const t0 = performance.now();
  await s.close();
  const took = performance.now() - t0;
  assert.ok(took < 5_000, `close took ${took} ms`);
  await waitFor(() => clients.every((c) => c.closed), 'every client to see the close');
  assert.equal(s.connectionCount, 0);
  const refused = await new Promise<boolean>((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
  assert.equal(refused, true, 'the listener is closed');
});
