/**
 * Issue 5's group scenario (see group-scenario.ts) with confluent-kafka members rebalancing
 * incrementally (KIP-429 cooperative-sticky over the classic protocol): the coordinator sees the
 * extra rejoin round that revoked partitions need, and ownership stays exclusive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullGroupScenario } from './group-scenario.js';

const SESSION_MS = 4000;

test('confluent-kafka cooperative-sticky: 3 members × 6 partitions, SIGKILL, clean leave, every record, offsets resume after a broker restart', async (t) => {
  const r = await fullGroupScenario('confluent', { sessionTimeoutMs: SESSION_MS, assignor: 'cooperative-sticky' });
  t.diagnostic(`reassigned ${r.reassignMs} ms after SIGKILL, ${r.leaveMs} ms after a clean leave; phases ${JSON.stringify(r.phases)}`);
  assert.ok(r.reassignMs < SESSION_MS + 6000, `reassigned ${r.reassignMs} ms after SIGKILL`);
  assert.ok(r.leaveMs < SESSION_MS, `reassigned ${r.leaveMs} ms after a clean leave`);
});
