import { randomBytes } from 'node:crypto';

/** Cryptographically strong random bytes (uuids, cluster ids, incarnation ids). */
export function systemRandomBytes(n: number): Uint8Array {
  return randomBytes(n);
}

/** Uniform in [0, 1), for jitter; kept here so the rest of src never touches Math.random. */
export function systemRandom(): number {
  return Math.random();
}
