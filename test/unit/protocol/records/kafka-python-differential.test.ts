import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  RecordBatch,
  buildRecordBatch,
  compressionName,
  decompress,
  validateBatch,
  type CompressionType,
  type RecordInput,
} from '../../../../src/protocol/records/index.js';
import { Prng } from '../../../support/prng.js';
import { PYTHON } from '../../../support/run.js';

/**
 * Differential tests against kafka-python (Debian's python3-kafka), whose record batch code and
 * codec bindings (python-snappy, python-lz4, python-zstandard, over the C libraries) share nothing
 * with ours: its batches decode in ours to the same records and ours decode in it, for every codec.
 * A codec whose Python module is missing is reported with t.skip, never passed silently.
 */


const SCRIPT = String.raw`
import sys, json, base64
req = json.load(sys.stdin)
try:
    from kafka.record.default_records import DefaultRecordBatchBuilder, DefaultRecordBatch
    from kafka import codec
except Exception as e:
    json.dump({'error': 'kafka-python not importable: %s' % e}, sys.stdout); sys.exit(0)

def dec(x): return None if x is None else base64.b64decode(x)
def enc(x): return None if x is None else base64.b64encode(bytes(x)).decode()
available = {1: codec.has_gzip(), 2: codec.has_snappy(), 3: codec.has_lz4(), 4: codec.has_zstd()}
out = {'available': {str(k): v for k, v in available.items()}}

if req['op'] == 'build':
    res = {}
    for c in req['codecs']:
        if c and not available[c]:
            res[str(c)] = None
            continue
        b = DefaultRecordBatchBuilder(magic=2, compression_type=c, is_transactional=False,
            producer_id=req['producerId'], producer_epoch=req['producerEpoch'],
            base_sequence=req['baseSequence'], batch_size=1 << 30)
        for i, r in enumerate(req['records']):
            b.append(i, r['timestamp'], dec(r['key']), dec(r['value']),
                     [(h['key'], dec(h['value'])) for h in r['headers']])
        res[str(c)] = enc(b.build())
    out['batches'] = res
elif req['op'] == 'read':
    res = []
    for data in req['batches']:
        batch = DefaultRecordBatch(dec(data))
        crc_ok = batch.validate_crc()  # kafka-python requires this before iterating
        recs = [{'offset': r.offset, 'timestamp': r.timestamp, 'key': enc(r.key), 'value': enc(r.value),
                 'headers': [[k, enc(v)] for k, v in r.headers]} for r in batch]
        res.append({'crcOk': crc_ok, 'compression': batch.compression_type,
                    'baseOffset': batch.base_offset, 'records': recs})
    out['batches'] = res
elif req['op'] == 'variants':
    data = dec(req['data'])
    res = []
    try:
        import lz4.frame as f
        for name, kw in [('linked blocks, content size', dict(block_linked=True, store_size=True)),
                         ('independent blocks, no content size', dict(block_linked=False, store_size=False)),
                         ('content checksum, 256 KiB blocks', dict(content_checksum=True, block_size=f.BLOCKSIZE_MAX256KB)),
                         ('4 MiB blocks, level 9', dict(block_size=f.BLOCKSIZE_MAX4MB, compression_level=9))]:
            res.append({'codec': 3, 'name': name, 'data': enc(f.compress(data, **kw))})
        c = f.LZ4FrameCompressor(block_checksum=True, block_linked=True)
        res.append({'codec': 3, 'name': 'block checksums, streamed', 'data': enc(c.begin() + c.compress(data[:1000]) + c.compress(data[1000:]) + c.flush())})
    except ImportError as e:
        res.append({'codec': 3, 'missing': str(e)})
    try:
        import zstandard as z
        res.append({'codec': 4, 'name': 'no content size', 'data': enc(z.ZstdCompressor(write_content_size=False).compress(data))})
        res.append({'codec': 4, 'name': 'checksum, level 19', 'data': enc(z.ZstdCompressor(level=19, write_checksum=True).compress(data))})
        co = z.ZstdCompressor().compressobj()
        res.append({'codec': 4, 'name': 'streamed (compressobj)', 'data': enc(co.compress(data) + co.flush())})
    except ImportError as e:
        res.append({'codec': 4, 'missing': str(e)})
    try:
        import snappy
        res.append({'codec': 2, 'name': 'raw snappy', 'data': enc(snappy.compress(data))})
        res.append({'codec': 2, 'name': 'xerial, 4 KiB blocks', 'data': enc(codec.snappy_encode(data, xerial_compatible=True, xerial_blocksize=4096))})
    except ImportError as e:
        res.append({'codec': 2, 'missing': str(e)})
    out['variants'] = res
json.dump(out, sys.stdout)
`;

interface PyResult {
  error?: string;
  available?: Record<string, boolean>;
  batches?: unknown;
  variants?: { codec: number; name?: string; data?: string; missing?: string }[];
}

function python(request: object): PyResult {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult;
}

const PYTHON_MISSING = existsSync(PYTHON) ? null : `${PYTHON} not found`;
const probe = PYTHON_MISSING === null ? python({ op: 'build', codecs: [] }) : null;
const KAFKA_PYTHON_MISSING = PYTHON_MISSING ?? probe?.error ?? null;

function codecMissing(c: CompressionType): string | null {
  if (KAFKA_PYTHON_MISSING !== null) return KAFKA_PYTHON_MISSING;
  if (c === 0 || probe?.available?.[String(c)] === true) return null;
  return `kafka-python has no ${compressionName(c)} codec here (Debian package ${['', '', 'python3-snappy', 'python3-lz4', 'python3-zstandard'][c]} not installed)`;
}

const b64 = (b: Buffer | null | undefined): string | null => (b === null || b === undefined ? null : b.toString('base64'));
const unb64 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));

/** Compressible, JSON-ish records (kafka-python stores a batch uncompressed if compression does not pay). */
function sampleRecords(seed: number, n: number): (RecordInput & { timestamp: number })[] {
  const prng = new Prng(seed);
  const rand = (): number => prng.next();
  const t0 = 1_650_000_000_000;
  return Array.from({ length: n }, (_, i) => ({
    key: rand() < 0.15 ? null : Buffer.from(`user-${Math.floor(rand() * 500)}`),
    value: rand() < 0.05 ? null : Buffer.from(JSON.stringify({ i, event: ['view', 'click', 'buy'][i % 3], amount: Math.floor(rand() * 1e6), note: 'x'.repeat(Math.floor(rand() * 300)) })),
    timestamp: t0 + Math.floor((rand() - 0.2) * 60_000),
    headers: rand() < 0.5 ? [] : [{ key: 'trace-id', value: Buffer.from(String(Math.floor(rand() * 1e9))) }, { key: 'empty', value: rand() < 0.5 ? null : Buffer.alloc(0) }],
  }));
}

const CODECS: CompressionType[] = [0, 1, 2, 3, 4];

for (const c of CODECS) {
  test(`kafka-python-built batches (${compressionName(c)}) decode in ours to the same records`, (t) => {
    const missing = codecMissing(c);
    if (missing !== null) return t.skip(missing);
    const records = sampleRecords(100 + c, 300);
    const res = python({
      op: 'build',
      codecs: [c],
      producerId: 77,
      producerEpoch: 2,
      baseSequence: 1000,
      records: records.map((r) => ({
        key: b64(r.key as Buffer | null),
        value: b64(r.value as Buffer | null),
        timestamp: r.timestamp,
        headers: (r.headers ?? []).map((h) => ({ key: h.key, value: b64(h.value as Buffer | null) })),
      })),
    });
    const data = (res.batches as Record<string, string | null>)[String(c)];
    assert.ok(typeof data === 'string');
    const buf = Buffer.from(data, 'base64');
    assert.equal(validateBatch(buf, { produce: true }), null);
    const batch = new RecordBatch(buf);
    assert.equal(batch.compression, c, 'kafka-python kept the requested codec');
    assert.equal(batch.producerId, 77);
    assert.equal(batch.producerEpoch, 2);
    assert.equal(batch.baseSequence, 1000);
    const got = [...batch.records()];
    assert.equal(got.length, records.length);
    got.forEach((r, i) => {
      const want = records[i]!;
      assert.equal(r.offset, i);
      assert.equal(r.timestamp, want.timestamp);
      assert.deepEqual(r.key, want.key);
      assert.deepEqual(r.value, want.value);
      assert.deepEqual(r.headers, want.headers);
    });
  });

  test(`our batches (${compressionName(c)}) decode in kafka-python to the same records`, (t) => {
    const missing = codecMissing(c);
    if (missing !== null) return t.skip(missing);
    const records = sampleRecords(200 + c, 300);
    const ours = [buildRecordBatch({ baseOffset: 5000, records, compression: c }), buildRecordBatch({ baseOffset: 9, records: records.slice(0, 1), compression: c })];
    const res = python({ op: 'read', batches: ours.map((b) => b.toString('base64')) });
    const decoded = res.batches as { crcOk: boolean; compression: number; baseOffset: number; records: { offset: number; timestamp: number; key: string | null; value: string | null; headers: [string, string | null][] }[] }[];
    for (const [bi, d] of decoded.entries()) {
      const base = bi === 0 ? 5000 : 9;
      const want = bi === 0 ? records : records.slice(0, 1);
      assert.equal(d.crcOk, true);
      assert.equal(d.compression, c);
      assert.equal(d.baseOffset, base);
      assert.equal(d.records.length, want.length);
      d.records.forEach((r, i) => {
        assert.equal(r.offset, base + i);
        assert.equal(r.timestamp, want[i]!.timestamp);
        assert.deepEqual(unb64(r.key), want[i]!.key);
        assert.deepEqual(unb64(r.value), want[i]!.value);
        assert.deepEqual(
          r.headers.map(([k, v]) => ({ key: k, value: unb64(v) })),
          want[i]!.headers,
        );
      });
    }
  });
}

test('codec variants written by the Python bindings of the C libraries decode in ours', (t) => {
  if (KAFKA_PYTHON_MISSING !== null) return t.skip(KAFKA_PYTHON_MISSING);
  const data = Buffer.from(sampleRecords(7, 3000).map((r) => (r.value as Buffer | null)?.toString() ?? '').join('\n'));
  const res = python({ op: 'variants', data: data.toString('base64') });
  const missing = (res.variants ?? []).filter((v) => v.missing !== undefined);
  let checked = 0;
  for (const v of res.variants ?? []) {
    if (v.data === undefined) continue;
    const out = decompress(v.codec as CompressionType, Buffer.from(v.data, 'base64'), data.length);
    assert.deepEqual(out, data, `${compressionName(v.codec as CompressionType)}: ${v.name ?? ''}`);
    checked++;
  }
  if (missing.length > 0) {
    return t.skip(`checked ${checked} variants; missing Python modules: ${missing.map((m) => `${compressionName(m.codec as CompressionType)} (${m.missing})`).join(', ')}`);
  }
  assert.equal(checked, 10);
});
