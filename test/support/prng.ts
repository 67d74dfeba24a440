export { Prng } from '../../src/testkit/index.js';

/** A seed from the environment (GREGOR_SEED) or a fresh one; tests print it on failure. */
export function testSeed(): number {
  const env = process.env['GREGOR_SEED'];
  return env !== undefined ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}
