import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_BY_KEY,
  Reader,
  encodeMessageToBuffer,
} from '../../../src/protocol/index.js';
import type { MessageDescriptor } from '../../../src/protocol/index.js';
import { buildErrorResponse } from '../../../src/server/index.js';
import { Prng, testSeed } from '../../support/prng.js';
import { randomStruct } from '../../support/random-message.js';

const UNKNOWN = -1;

function api(name: string): { request: MessageDescriptor<any>; response: MessageDescriptor<any> } {
  for (const a of API_BY_KEY.values()) if (a.name === name) return a;
  throw new Error(`no API ${name}`);
}

/** Builds the error response and sends it through the codec, as a client would read it. */
function errorResponseViaWire(name: string, version: number, request: unknown): any {
  const a = api(name);
  const body = buildErrorResponse(a.request, a.response, request, version, UNKNOWN);
  const bytes = encodeMessageToBuffer(a.response, body, version);
  return a.response.read(new Reader(bytes), version);
}

/** Every errorCode the message carries in this version (fields outside it decode as defaults). */
function errorCodes(desc: MessageDescriptor<any>, struct: string, v: any, version: number, out: number[] = []): number[] {
  for (const f of desc.structs[struct] ?? []) {
    if (f.versions === null || version < f.versions[0] || version > f.versions[1]) continue;
    const x = v[f.name];
    if (f.name === 'errorCode') out.push(x as number);
    const t = f.type;
    if (typeof t === 'object' && 'struct' in t && x !== null) errorCodes(desc, t.struct, x, version, out);
    if (typeof t === 'object' && 'array' in t && typeof t.array === 'object' && 'struct' in t.array && Array.isArray(x)) {
      for (const e of x) errorCodes(desc, t.array.struct, e, version, out);
    }
  }
  return out;
}

test('Produce: every topic and partition of the request answers UNKNOWN_SERVER_ERROR', () => {
  const req = {
    ...api('Produce').request.create(),
    acks: -1,
    topicData: [
      { name: 'a', partitionData: [{ index: 0, records: null }, { index: 5, records: null }] },
      { name: 'b', partitionData: [{ index: 2, records: null }] },
    ],
  };
  const r = errorResponseViaWire('Produce', 9, req);
  assert.deepEqual(
    r.responses.map((t: any) => [t.name, t.partitionResponses.map((p: any) => [p.index, p.errorCode])]),
    [['a', [[0, -1], [5, -1]]], ['b', [[2, -1]]]],
  );
});

test('Fetch: top-level error plus every requested partition, by topic name (v4) and by topic id (v13)', () => {
  const id = 'AAAAAAAAAAAAAAAAAAAAAQ';
  const v4 = errorResponseViaWire('Fetch', 4, {
    ...api('Fetch').request.create(),
    topics: [{ ...api('Fetch').request.defaults['FetchRequestFetchTopic']!(), topic: 't', partitions: [{ ...api('Fetch').request.defaults['FetchRequestFetchPartition']!(), partition: 3 }] }],
    forgottenTopicsData: [],
  });
  assert.deepEqual(v4.responses.map((t: any) => [t.topic, t.partitions.map((p: any) => [p.partitionIndex, p.errorCode])]), [['t', [[3, -1]]]]);
  const v13 = errorResponseViaWire('Fetch', 13, {
    ...api('Fetch').request.create(),
    topics: [{ ...api('Fetch').request.defaults['FetchRequestFetchTopic']!(), topicId: id, partitions: [{ ...api('Fetch').request.defaults['FetchRequestFetchPartition']!(), partition: 1 }] }],
  });
  assert.equal(v13.errorCode, -1);
  assert.deepEqual(v13.responses.map((t: any) => [t.topicId, t.partitions.map((p: any) => [p.partitionIndex, p.errorCode])]), [[id, [[1, -1]]]]);
});

test('OffsetFetch: partition index lists become partitions (v1), groups are mirrored (v8)', () => {
  const d = api('OffsetFetch').request;
  const v1 = errorResponseViaWire('OffsetFetch', 1, { ...d.create(), groupId: 'g', topics: [{ ...d.defaults['OffsetFetchRequestTopic']!(), name: 't', partitionIndexes: [4, 9] }] });
  assert.deepEqual(v1.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.errorCode])]), [['t', [[4, -1], [9, -1]]]]);
  const v8 = errorResponseViaWire('OffsetFetch', 8, {
    ...d.create(),
    groups: [{ ...d.defaults['OffsetFetchRequestGroup']!(), groupId: 'g1', topics: [{ ...d.defaults['OffsetFetchRequestTopics']!(), name: 't', partitionIndexes: [0] }] }],
  });
  assert.deepEqual(v8.groups.map((g: any) => [g.groupId, g.errorCode, g.topics[0].partitions[0].partitionIndex, g.topics[0].partitions[0].errorCode]), [['g1', -1, 0, -1]]);
});

test('DeleteTopics: topic names (v5) and topics (v6) both come back as responses; DescribeConfigs resources as results', () => {
  const dt = api('DeleteTopics').request;
  const v5 = errorResponseViaWire('DeleteTopics', 5, { ...dt.create(), topicNames: ['x', 'y'] });
  assert.deepEqual(v5.responses.map((t: any) => [t.name, t.errorCode]), [['x', -1], ['y', -1]]);
  const v6 = errorResponseViaWire('DeleteTopics', 6, { ...dt.create(), topics: [{ ...dt.defaults['DeleteTopicsRequestDeleteTopicState']!(), name: 'z' }] });
  assert.deepEqual(v6.responses.map((t: any) => [t.name, t.errorCode]), [['z', -1]]);
  const dc = api('DescribeConfigs').request;
  const r = errorResponseViaWire('DescribeConfigs', 4, {
    ...dc.create(),
    resources: [{ ...dc.defaults['DescribeConfigsRequestDescribeConfigsResource']!(), resourceType: 2, resourceName: 'topic-a', configurationKeys: null }],
  });
  assert.deepEqual(r.results.map((x: any) => [x.resourceType, x.resourceName, x.errorCode]), [[2, 'topic-a', -1]]);
});

test('every API and version: the error response encodes, and every error code in it is the error', () => {
  const seed = testSeed();
  const p = new Prng(seed);
  let checked = 0;
  for (const a of API_BY_KEY.values()) {
    const lo = Math.max(a.request.minVersion, a.response.minVersion);
    const hi = Math.min(a.request.maxVersion, a.response.maxVersion);
    for (let v = lo; v <= hi; v++) {
      for (let i = 0; i < 3; i++) {
        const req = randomStruct(a.request, a.request.root, v, p);
        let decoded: unknown;
        try {
          decoded = errorResponseViaWire(a.name, v, req);
        } catch (e) {
          assert.fail(`${a.name} v${v} (seed ${seed}): ${(e as Error).message}`);
        }
        // A code left at 0 would tell the client that part succeeded.
        const codes = errorCodes(a.response, a.response.root, decoded, v);
        assert.ok(codes.every((c) => c === UNKNOWN), `${a.name} v${v} (seed ${seed}): error codes ${codes}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `only ${checked} cases`);
});
