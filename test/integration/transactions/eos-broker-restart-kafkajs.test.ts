/**
 * Exactly-once copy (eos-copy.ts) through broker crashes: the kafkajs copier is SIGKILLed 4
 * times, and twice more it is the broker that is SIGKILLed and started again while the copier runs
 * (mid-transaction or between transactions, seeded). Nothing half-visible: read_committed still sees
 * every input record exactly once, in order.
 */
import { test } from 'node:test';
import { testSeed } from '../../support/prng.js';
import { runCopyScenario } from './eos-copy.js';

test('kafkajs copier through broker SIGKILLs: read_committed output is the input exactly once, in order', async (t) => {
  await runCopyScenario({ kind: 'kafkajs', seed: testSeed(), partitions: 4, perPartition: 600, kills: 6, brokerKills: 2, maxBatch: 20, log: (l) => t.diagnostic(l) });
});
