/**
 * Exactly-once copy with kafkajs (copier-kafkajs.ts): the copier is SIGKILLed and
 * restarted 6 times; read_committed sees every input record exactly once, in order (eos-copy.ts).
 */
import { test } from 'node:test';
import { testSeed } from '../../support/prng.js';
import { runCopyScenario } from './eos-copy.js';

test('kafkajs copier, SIGKILLed and restarted: read_committed output is the input exactly once, in order', async (t) => {
  await runCopyScenario({ kind: 'kafkajs', seed: testSeed(), partitions: 4, perPartition: 600, kills: 6, maxBatch: 20, transactionalInput: true, log: (l) => t.diagnostic(l) });
});
