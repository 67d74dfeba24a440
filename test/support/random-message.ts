import type { FieldSchema, FieldTypeSchema, MessageDescriptor, TaggedField } from '../../src/protocol/index.js';
import type { Prng } from './prng.js';

function inRange(r: readonly [number, number] | null, v: number): boolean {
  return r !== null && v >= r[0] && v <= r[1];
}

const STRING_ALPHABET = ['a', 'b', 'z', '0', '-', '_', '.', 'é', '日', '😀'];

function randomString(p: Prng): string {
  const n = p.pick([0, 1, 3, 8, 20]);
  let s = '';
  for (let i = 0; i < n; i++) s += p.pick(STRING_ALPHABET);
  return s;
}

function randomInt64(p: Prng): number {
  return p.pick([0, -1, 1, 2 ** 31, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, p.int(-1e12, 1e12)]);
}

function randomValue(desc: MessageDescriptor<unknown>, t: FieldTypeSchema, f: FieldSchema, version: number, p: Prng, depth: number): unknown {
  if (typeof t === 'string') {
    switch (t) {
      case 'int8': return p.int(-128, 127);
      case 'int16': return p.int(-32768, 32767);
      case 'uint16': return p.int(0, 65535);
      case 'int32': return p.pick([0, -1, 2147483647, -2147483648, p.int(-1e9, 1e9)]);
      case 'int64': return f.bigint ? BigInt(randomInt64(p)) * 1024n : randomInt64(p);
      case 'float64': return p.pick([0, 1.5, -2.25, 1e300, p.next()]);
      case 'bool': return p.bool();
      case 'string': return randomString(p);
      case 'bytes': case 'records': return p.bytes(p.pick([0, 1, 7, 64]));
      case 'uuid': return p.bytes(16).toString('base64url');
    }
  }
  if ('array' in t) {
    const n = depth > 3 ? 0 : p.pick([0, 1, 2, 3]);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(randomValue(desc, t.array, f, version, p, depth + 1));
    return out;
  }
  return randomStruct(desc, t.struct, version, p, depth + 1);
}

/**
 * A random instance of a struct for one version: fields outside the version keep their defaults
 * (that is what decoding yields for them); nullable fields are sometimes null; flexible structs
 * sometimes carry unknown tagged fields, which must survive a round trip.
 */
export function randomStruct(desc: MessageDescriptor<unknown>, name: string, version: number, p: Prng, depth = 0): Record<string, unknown> {
  const mk = desc.defaults[name];
  const fields = desc.structs[name];
  if (mk === undefined || fields === undefined) throw new Error(`no struct ${name} in ${desc.name}`);
  const out = mk() as Record<string, unknown>;
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    if (f.taggedVersions !== null && !inRange(f.taggedVersions, version)) continue;
    if (inRange(f.nullableVersions, version) && p.bool(0.2)) {
      out[f.name] = null;
      continue;
    }
    out[f.name] = randomValue(desc, f.type, f, version, p, depth);
  }
  const flexible = version >= desc.flexibleMinVersion;
  if (flexible && p.bool(0.15)) {
    const unknown: TaggedField[] = [];
    const n = p.int(1, 2);
    for (let i = 0; i < n; i++) unknown.push({ tag: 1000 + i * 7 + p.int(0, 5), data: p.bytes(p.int(0, 5)) });
    out['unknownTaggedFields'] = unknown;
  }
  return out;
}
