/** Issue 5's group scenario (see group-scenario.ts) with confluent-kafka (librdkafka) members, each in its own process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullGroupScenario } from './group-scenario.js';

test('confluent-kafka (librdkafka): 3 members × 6 partitions, SIGKILL reassigns within the session timeout, every record consumed, offsets resume after a broker restart', async (t) => {
  const r = await fullGroupScenario('confluent', { sessionTimeoutMs: 4000 });
  t.diagnostic(`reassigned ${r.reassignMs} ms after SIGKILL; phases ${JSON.stringify(r.phases)}`);
  assert.ok(r.reassignMs < 4000 + 6000, `reassigned after ${r.reassignMs} ms`);
});
