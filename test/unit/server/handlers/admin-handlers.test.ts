import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HandlerRegistry, apiVersionsHandler } from '../../../../src/server/index.js';
import { createAdminHandlers } from '../../../../src/server/handlers/admin-handlers.js';
import { FakeBrokerContext } from '../../../support/fake-broker-context.js';

test('every admin handler implements every version of its schema, and they register together', () => {
  const handlers = createAdminHandlers(new FakeBrokerContext());
  assert.equal(handlers.length, 12);
  for (const h of handlers) {
    assert.equal(h.minVersion, h.request.minVersion, h.request.name);
    assert.equal(h.maxVersion, h.request.maxVersion, h.request.name);
    assert.equal(h.response.apiKey, h.apiKey);
  }
  const registry = new HandlerRegistry([apiVersionsHandler, ...handlers]);
  assert.equal(registry.apiVersions.length, 13);
});
