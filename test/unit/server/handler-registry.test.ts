import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatRequest, HeartbeatResponse, MetadataRequest, MetadataResponse } from '../../../src/protocol/index.js';
import { HandlerRegistry, apiVersionsHandler, defineHandler } from '../../../src/server/index.js';

const heartbeat = (minVersion: number, maxVersion: number) =>
  defineHandler({ apiKey: 12, request: HeartbeatRequest, response: HeartbeatResponse, minVersion, maxVersion, handle: () => HeartbeatResponse.create() });

test('advertised ranges are the handlers\' ranges intersected with the schema, sorted by api key', () => {
  const r = new HandlerRegistry([heartbeat(2, 99), apiVersionsHandler]);
  assert.deepEqual(r.apiVersions.map((v) => [v.apiKey, v.minVersion, v.maxVersion]), [
    [12, 2, HeartbeatRequest.maxVersion],
    [18, 0, 4],
  ]);
  assert.equal(r.supports(12, 1), false);
  assert.equal(r.supports(12, 2), true);
  assert.equal(r.supports(12, HeartbeatRequest.maxVersion + 1), false);
  assert.equal(r.supports(3, 0), false);
  assert.equal(r.get(3), undefined);
});

test('duplicate handlers, mismatched schemas and empty ranges are programming errors', () => {
  assert.throws(() => new HandlerRegistry([heartbeat(0, 4), heartbeat(0, 4)]), /two handlers/);
  assert.throws(() => new HandlerRegistry([heartbeat(50, 60)]), /outside the schema/);
  const wrong = defineHandler({ apiKey: 12, request: MetadataRequest, response: MetadataResponse, minVersion: 0, maxVersion: 1, handle: () => MetadataResponse.create() });
  assert.throws(() => new HandlerRegistry([wrong as never]), /another API/);
});
