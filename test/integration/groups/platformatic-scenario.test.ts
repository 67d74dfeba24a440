/** Issue 5's group scenario (see group-scenario.ts) with @platformatic/kafka members, each in its own process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullGroupScenario } from './group-scenario.js';

const SESSION_MS = 4000;

test('@platformatic/kafka: 3 members × 6 partitions, SIGKILL reassigns within the session timeout, a clean leave at once, every record consumed, offsets resume after a broker restart', async (t) => {
  const r = await fullGroupScenario('platformatic', { sessionTimeoutMs: SESSION_MS });
  t.diagnostic(`reassigned ${r.reassignMs} ms after SIGKILL, ${r.leaveMs} ms after a clean leave; phases ${JSON.stringify(r.phases)}`);
  // Detection takes the session timeout; the survivors then rejoin on their next heartbeat.
  assert.ok(r.reassignMs < SESSION_MS + 6000, `reassigned ${r.reassignMs} ms after SIGKILL`);
  assert.ok(r.leaveMs < SESSION_MS, `reassigned ${r.leaveMs} ms after a clean leave: the session expired instead?`);
});
