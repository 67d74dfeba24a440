/**
 * Shared pieces of the compat tests: the records every client produces and reads back, the
 * Python clients' scripts run as child processes, and a reader of the broker's segment files that
 * tells which compression codec each stored batch carries (so a codec test cannot pass vacuously).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { repoRoot } from '../support/repo.js';
import { PYTHON, run } from '../support/run.js';
import type { BrokerProcess } from '../support/broker-process.js';

export const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];
export const CODEC_ID: Record<Codec | 'none', number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** A client-neutral record. */
export interface Rec {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer])[];
  readonly timestamp?: number;
}
export interface ReadRec extends Rec {
  readonly offset: number;
}

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Keyed records with headers, a tombstone (null value), a keyless record, unicode and binary bytes, a repeated header key. */
export const STANDARD_RECORDS: readonly Rec[] = [
  { key: buf('user-1'), value: buf('{"n":0,"event":"login"}'), headers: [['trace', buf('t-0')], ['source', buf('compat')]] },
  { key: buf('user-2'), value: null, headers: [['deleted', buf('yes')]] },
  { key: null, value: buf('no key here'), headers: [] },
  { key: buf('user-1'), value: buf('ünïcödé ✓ 🦀'), headers: [['dup', buf('1')], ['dup', buf('2')], ['empty', buf('')]] },
  { key: buf('bin'), value: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), headers: [['bin', Buffer.from([0, 255, 10, 13])]] },
];

/** Records that compress well, for the codec tests. */
export function compressibleRecords(codec: string, n = 20): Rec[] {
  return Array.from({ length: n }, (_, i) => ({
    key: buf(`${codec}-key-${i}`),
    value: buf(`${codec} value ${i} `.repeat(40)),
    headers: [['i', buf(String(i))]],
  }));
}

/** CreateTime timestamps 1 s apart, for ListOffsets by timestamp. */
export const T0 = 1_600_000_000_000;
export const TIMED_RECORDS: readonly Rec[] = [0, 1, 2].map((i) => ({
  key: buf(`t${i}`),
  value: buf(`at T0+${i}s`),
  headers: [],
  timestamp: T0 + i * 1000,
}));
/** timestamp queried -> offset expected (null: no record at or after it). */
export const TIMESTAMP_QUERIES: readonly (readonly [number, number | null])[] = [
  [T0 - 5000, 0],
  [T0, 0],
  [T0 + 1000, 1],
  [T0 + 1500, 2],
  [T0 + 2000, 2],
  [T0 + 2001, null],
];

/** 1 MiB of incompressible deterministic bytes (xorshift32). */
export function bigValue(size = 1024 * 1024): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

/** Properties every compat broker gets: 1 MiB records fit (Kafka's default message.max.bytes is 1 MiB + 12 bytes, a batch header and record overhead do not). */
export const COMPAT_BROKER_PROPERTIES: Readonly<Record<string, string>> = { 'message.max.bytes': '4194304' };

function show(b: Buffer | null): string {
  if (b === null) return 'null';
  return b.length > 64 ? `<${b.length} bytes sha…${b.subarray(0, 8).toString('hex')}>` : JSON.stringify(b.toString('latin1'));
}
function showRec(r: Rec): string {
  return `key=${show(r.key)} value=${show(r.value)} headers=[${r.headers.map(([k, v]) => `${k}:${show(v)}`).join(',')}]`;
}

/** Asserts that `got` are exactly `want` (keys, values, headers in order), at offsets from `firstOffset` on. */
export function assertRecords(got: readonly ReadRec[], want: readonly Rec[], firstOffset: number, opts: { headers?: boolean; timestamps?: boolean } = {}): void {
  assert.equal(got.length, want.length, `record count: got ${got.map(showRec).join(' | ')}`);
  got.forEach((g, i) => {
    const w = want[i]!;
    assert.equal(g.offset, firstOffset + i, `offset of record ${i}`);
    assert.ok(g.key === null ? w.key === null : w.key !== null && g.key.equals(w.key), `key of record ${i}: got ${show(g.key)} want ${show(w.key)}`);
    assert.ok(g.value === null ? w.value === null : w.value !== null && g.value.equals(w.value), `value of record ${i}: got ${show(g.value)} want ${show(w.value)}`);
    if (opts.headers !== false) {
      assert.deepEqual(
        g.headers.map(([k, v]) => [k, v.toString('latin1')]),
        w.headers.map(([k, v]) => [k, v.toString('latin1')]),
        `headers of record ${i}`,
      );
    }
    if (opts.timestamps === true && w.timestamp !== undefined) assert.equal(g.timestamp, w.timestamp, `timestamp of record ${i}`);
  });
}

/** Runs one operation of a Python compat script (test/compat/py/NAME) and returns its JSON answer. */
export async function py(script: string, bootstrap: string, op: string, args: unknown): Promise<Record<string, unknown>> {
  const path = join(repoRoot(), 'test', 'compat', 'py', script);
  const r = await run(PYTHON, [path, bootstrap, op], JSON.stringify(args));
  const lines = r.stdout.toString('utf8').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (r.code !== 0 || !last.startsWith('{')) throw new Error(`${script} ${op} exited ${r.code}:\n${r.stdout.toString('utf8')}\n${r.stderr}`);
  return JSON.parse(last) as Record<string, unknown>;
}

export const b64 = (b: Buffer | null): string | null => (b === null ? null : b.toString('base64'));
export const unb64 = (s: string | null | undefined): Buffer | null => (s === null || s === undefined ? null : Buffer.from(s, 'base64'));

/** Records in the JSON shape the Python scripts take. */
export function toPyRecords(recs: readonly Rec[]): unknown[] {
  return recs.map((r) => ({
    key: b64(r.key),
    value: b64(r.value),
    headers: r.headers.map(([k, v]) => [k, b64(v)]),
    ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
  }));
}
/** Records as the Python scripts print them. */
export function fromPyRecords(x: unknown): ReadRec[] {
  return (x as { offset: number; key: string | null; value: string | null; timestamp: number; headers: [string, string][] }[]).map((r) => ({
    offset: r.offset,
    key: unb64(r.key),
    value: unb64(r.value),
    timestamp: r.timestamp,
    headers: r.headers.map(([k, v]) => [k, unb64(v) ?? Buffer.alloc(0)] as const),
  }));
}

/** Throws with the client's error if a Python op answered with one. */
export function pyOk(r: Record<string, unknown>): Record<string, unknown> {
  if (r['error'] !== undefined) throw new Error(`client error ${String(r['error'])} (${String(r['errno'])}): ${String(r['message'])}`);
  return r;
}

/**
 * The compression codec (attributes & 7) of every record batch stored in the partition's segment
 * files, read straight from disk: proof that the client really compressed and the broker kept it.
 */
export function storedCodecs(broker: BrokerProcess, topic: string, partition = 0): number[] {
  const dir = join(broker.dataDir, `${topic}-${partition}`);
  const out: number[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const b = readFileSync(join(dir, name));
    let pos = 0;
    while (pos + 61 <= b.length) {
      const batchLength = b.readInt32BE(pos + 8);
      if (batchLength <= 0 || pos + 12 + batchLength > b.length) break;
      out.push(b.readInt16BE(pos + 21) & 7);
      pos += 12 + batchLength;
    }
  }
  return out;
}

/** Config name -> value, for asserting DescribeConfigs answers. */
export const EXPECTED_TOPIC_CONFIGS = {
  /** set at creation */
  set: { 'retention.ms': '123456789', 'cleanup.policy': 'compact' },
  /** Kafka's defaults, reported for every topic */
  defaults: { 'segment.bytes': '1073741824', 'min.insync.replicas': '1', 'compression.type': 'producer' },
} as const;
