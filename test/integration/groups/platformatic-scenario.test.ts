/** Issue 5's group scenario (see group-scenario.ts) with @platformatic/kafka members, each in its own process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullGroupScenario } from './group-scenario.js';

test('@platformatic/kafka: 3 members × 6 partitions, SIGKILL reassigns within the session timeout, every record consumed, offsets resume after a broker restart', async (t) => {
  const r = await fullGroupScenario('platformatic', { sessionTimeoutMs: 4000 });
  t.diagnostic(`reassigned ${r.reassignMs} ms after SIGKILL; phases ${JSON.stringify(r.phases)}`);
  assert.ok(r.reassignMs < 4000 + 6000, `reassigned after ${r.reassignMs} ms`);
});
