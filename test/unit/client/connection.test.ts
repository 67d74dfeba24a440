import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Apis, Connection, defaultConnectionOptions, type ConnectionOptions } from '../../../src/client/index.js';
import {
  ApiVersionsResponse,
  MetadataResponse,
  createApiVersionsResponse,
  createMetadataResponse,
  encodeResponseFrame,
  encodeUnsupportedApiVersionsResponse,
} from '../../../src/protocol/index.js';
import { FakeSocket, ManualTime, fakeEnv, type SeenRequest } from './fake-env.js';

const API_VERSIONS = 18;
const address = { host: 'broker', port: 9092 };

/** Broker ranges: Metadata 0-9, Produce 0-11, Fetch 0-3 (too old for our client), ApiVersions 0-3. */
const RANGES = [
  { apiKey: 3, minVersion: 0, maxVersion: 9 },
  { apiKey: 0, minVersion: 0, maxVersion: 11 },
  { apiKey: 1, minVersion: 0, maxVersion: 3 },
  { apiKey: API_VERSIONS, minVersion: 0, maxVersion: 3 },
];

interface Harness {
  time: ManualTime;
  socket: () => FakeSocket;
  open: (options?: Partial<ConnectionOptions>) => Promise<Connection>;
  held: SeenRequest[];
}

/**
 * A broker that answers ApiVersions (v4 with UNSUPPORTED_VERSION, as a 3.x broker that knows only
 * up to v3 does) and holds every other request for the test to answer.
 */
function harness(): Harness {
  const time = new ManualTime();
  let last: FakeSocket | undefined;
  const held: SeenRequest[] = [];
  const env = fakeEnv(time, async (a) => {
    last = new FakeSocket(a, (s, r) => {
      if (r.header.header.requestApiKey !== API_VERSIONS) {
        held.push(r);
        return;
      }
      const v = r.header.header.requestApiVersion;
      if (v > 3) {
        s.deliver(Buffer.concat(encodeUnsupportedApiVersionsResponse(r.header.header.correlationId, [RANGES[3]!])));
        return;
      }
      s.respond(r, ApiVersionsResponse, createApiVersionsResponse({ apiKeys: RANGES }));
    });
    return last;
  });
  return {
    time,
    held,
    socket: () => last!,
    open: (options = {}) => Connection.open(address, { ...defaultConnectionOptions, ...options }, env),
  };
}

const metadataBody = () => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });

test('ApiVersions: a broker that does not know our version answers v0, and we ask again at its highest', async () => {
  const h = harness();
  const c = await h.open();
  const versions = h.socket().requests.map((r) => r.header.header.requestApiVersion);
  assert.deepEqual(versions, [4, 3]);
  assert.equal(c.versionOf(Apis.Metadata), 9);
  assert.equal(c.versionOf(Apis.Produce), 11);
  // Fetch 0-3 only: our client reads record format v2, from Fetch v4.
  assert.equal(c.versionOf(Apis.Fetch), -1);
  assert.equal(c.versionOf(Apis.CreateTopics), -1);
  await assert.rejects(c.send(Apis.CreateTopics, { topics: [], timeoutMs: 1, validateOnly: false }), { name: 'UNSUPPORTED_VERSION' });
  c.close();
});

test('maxVersions caps what is spoken', async () => {
  const h = harness();
  const c = await h.open({ maxVersions: new Map([[3, 4]]) });
  assert.equal(c.versionOf(Apis.Metadata), 4);
  c.close();
});

test('at most maxInFlightRequests wait for answers; the rest go out in order as answers come', async () => {
  const h = harness();
  const c = await h.open({ maxInFlightRequests: 2 });
  const results = [1, 2, 3, 4].map(() => c.send(Apis.Metadata, metadataBody()));
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(h.held.length, 2);
  assert.equal(c.inFlightCount, 2);
  // Answer the second first: correlation ids, not order, match answers to requests.
  h.socket().respond(h.held[1]!, MetadataResponse, createMetadataResponse({ controllerId: 2 }));
  assert.equal((await results[1]!).controllerId, 2);
  await new Promise((r) => setImmediate(r));
  assert.equal(h.held.length, 3);
  const ids = h.held.map((r) => r.header.header.correlationId);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  for (const [i, r] of h.held.entries()) if (i !== 1) h.socket().respond(r, MetadataResponse, createMetadataResponse({ controllerId: 10 + i }));
  await new Promise((r) => setImmediate(r));
  h.socket().respond(h.held[3]!, MetadataResponse, createMetadataResponse({ controllerId: 13 }));
  assert.deepEqual(
    (await Promise.all(results)).map((m) => m.controllerId),
    [10, 2, 12, 13],
  );
  c.close();
});

test('a response split at every byte boundary is reassembled', async () => {
  const h = harness();
  const c = await h.open();
  const p = c.send(Apis.Metadata, metadataBody());
  await Promise.resolve();
  const r = h.held[0]!;
  const bytes = Buffer.concat(
    encodeResponseFrame(r.header.header.correlationId, 3, r.header.header.requestApiVersion, MetadataResponse, createMetadataResponse({ clusterId: 'split', controllerId: 7 })),
  );
  for (let i = 0; i < bytes.length; i++) h.socket().deliver(bytes.subarray(i, i + 1));
  const m = await p;
  assert.equal(m.clusterId, 'split');
  c.close();
});

test('a request without an answer times out with REQUEST_TIMED_OUT and the connection is dropped', async () => {
  const h = harness();
  const c = await h.open({ requestTimeoutMs: 1000 });
  const slow = c.send(Apis.Metadata, metadataBody());
  const other = c.send(Apis.Metadata, metadataBody(), { timeoutMs: 5000 });
  await Promise.resolve();
  h.time.advance(999);
  assert.equal(c.closed, false);
  h.time.advance(1);
  await assert.rejects(slow, { name: 'REQUEST_TIMED_OUT', retriable: true });
  await assert.rejects(other, { name: 'NETWORK_EXCEPTION', retriable: true });
  assert.equal(c.closed, true);
  assert.equal(h.socket().closed, true);
  await assert.rejects(c.send(Apis.Metadata, metadataBody()), { name: 'NETWORK_EXCEPTION' });
});

test('the broker closing the socket fails what is pending with NETWORK_EXCEPTION, once', async () => {
  const h = harness();
  const c = await h.open();
  let closes = 0;
  c.onClose(() => closes++);
  const p = c.send(Apis.Metadata, metadataBody());
  await Promise.resolve();
  h.socket().destroy();
  await assert.rejects(p, { name: 'NETWORK_EXCEPTION' });
  assert.equal(closes, 1);
});

test('an answer with an unknown correlation id closes the connection', async () => {
  const h = harness();
  const c = await h.open();
  const p = c.send(Apis.Metadata, metadataBody());
  await Promise.resolve();
  const bogus = Buffer.alloc(12);
  bogus.writeInt32BE(8, 0);
  bogus.writeInt32BE(987654, 4);
  h.socket().deliver(bogus);
  await assert.rejects(p, { name: 'NETWORK_EXCEPTION' });
  assert.equal(c.closed, true);
});

test('a refused connection is NETWORK_EXCEPTION', async () => {
  const time = new ManualTime();
  const env = fakeEnv(time, () => Promise.reject(new Error('ECONNREFUSED')));
  await assert.rejects(Connection.open(address, defaultConnectionOptions, env), (e: Error) => e.name === 'NETWORK_EXCEPTION' && /ECONNREFUSED/.test(e.message));
});

test('acks=0 style requests resolve once written and take no slot', async () => {
  const h = harness();
  const c = await h.open({ maxInFlightRequests: 1 });
  const r = await c.send(Apis.Produce, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [] }, { expectResponse: false });
  assert.equal(r, undefined);
  assert.equal(c.inFlightCount, 0);
  assert.equal(h.held.length, 1);
  c.close();
});
