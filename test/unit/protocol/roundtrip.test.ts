import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as generated from '../../../src/protocol/generated/index.js';
import { Reader, encodeMessage } from '../../../src/protocol/index.js';
import type { MessageDescriptor } from '../../../src/protocol/index.js';
import { Prng, testSeed } from '../../support/prng.js';
import { randomStruct } from '../../support/random-message.js';

function isDescriptor(v: unknown): v is MessageDescriptor<unknown> {
  return typeof v === 'object' && v !== null && 'read' in v && 'structs' in v;
}
const descriptors: MessageDescriptor<unknown>[] = Object.values(generated as Record<string, unknown>).filter(isDescriptor);

const PER_VERSION = 40;

test('every generated message is covered', () => {
  // 186 messages + 54 record schemas in Kafka 3.9's definitions.
  assert.ok(descriptors.length >= 240, `only ${descriptors.length} descriptors`);
  assert.equal(generated.API_BY_KEY.size, 88); // api keys 0-74 with gaps, plus the KRaft-only ones
});

test('round trip: every message x every version, seeded random values', () => {
  const seed = testSeed();
  const p = new Prng(seed);
  let checked = 0;
  for (const desc of descriptors) {
    for (let version = desc.minVersion; version <= desc.maxVersion; version++) {
      for (let i = 0; i < PER_VERSION; i++) {
        const msg = randomStruct(desc, desc.root, version, p);
        const where = `${desc.name} v${version} (GREGOR_SEED=${seed})`;
        const size = desc.size(msg, version);
        const slices = encodeMessage(desc, msg, version); // asserts the size pass was exact
        const bytes = Buffer.concat(slices);
        assert.equal(bytes.length, size, `size() for ${where}`);
        const r = new Reader(bytes);
        const back = desc.read(r, version);
        assert.equal(r.pos, bytes.length, `decoder consumed all bytes for ${where}`);
        assert.deepStrictEqual(back, msg, `round trip of ${where}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 25000, `checked ${checked}`);
});

/** A message of defaults in which every array of structs holds one default-built element, recursively. */
function defaultsAllTheWayDown(desc: MessageDescriptor<unknown>, name: string, version: number, depth = 0): Record<string, unknown> {
  const out = desc.defaults[name]!() as Record<string, unknown>;
  if (depth > 4) return out;
  for (const f of desc.structs[name]!) {
    const t = f.type;
    if (f.versions === null || version < f.versions[0] || version > f.versions[1]) continue;
    if (typeof t !== 'string' && 'array' in t && typeof t.array !== 'string' && 'struct' in t.array) {
      out[f.name] = [defaultsAllTheWayDown(desc, t.array.struct, version, depth + 1)];
    }
  }
  return out;
}

test('round trip: default-built messages (one default element in every array) x every version', () => {
  for (const desc of descriptors) {
    for (let version = desc.minVersion; version <= desc.maxVersion; version++) {
      const msg = defaultsAllTheWayDown(desc, desc.root, version);
      const bytes = Buffer.concat(encodeMessage(desc, msg, version));
      const r = new Reader(bytes);
      assert.deepStrictEqual(desc.read(r, version), msg, `${desc.name} v${version}`);
      assert.equal(r.pos, bytes.length);
    }
  }
});
