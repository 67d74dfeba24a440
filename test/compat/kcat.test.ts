/**
 * kcat 1.7.1 (librdkafka 2.0.2) against a broker process started by the bin. kcat has no admin
 * commands: topics are auto-created by its producer's Metadata request (and get num.partitions
 * partitions); `-L` lists them. It cannot set per-record timestamps, so ListOffsets by timestamp
 * is checked against the timestamps it reads back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess } from '../support/broker-process.js';
import { CODECS, CODEC_ID, COMPAT_BROKER_PROPERTIES, assertRecords, bigValue, compressibleRecords, storedCodecs, type ReadRec, type Rec } from './helpers.js';
import { run } from '../support/run.js';
import { brokerMissing, toolMissing } from './skip.js';
import { FIND_COORDINATOR_KEY, LIBRDKAFKA_LZ4_TODO, brokerAdvertises } from './kafkajs-client.js';

const skip = (await brokerMissing()) || toolMissing('kcat', ['-V']);
const NUM_PARTITIONS = 2;
let broker: BrokerProcess;
let scratch: string;

async function kcat(args: readonly string[], input?: Buffer | string): Promise<Buffer> {
  const r = await run('kcat', ['-b', broker.bootstrap, '-m', '15', ...args], input, 60_000);
  if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Produces `key\tvalue` lines to partition 0 (acks=all); `-Z` makes empty keys/values NULL. */
async function produceLines(topic: string, recs: readonly Rec[], headers: readonly (readonly [string, string])[], extra: readonly string[] = []): Promise<void> {
  const lines = recs.map((r) => `${r.key?.toString('utf8') ?? ''}\t${r.value?.toString('utf8') ?? ''}\n`).join('');
  await kcat(['-P', '-t', topic, '-p', '0', '-K', '\t', '-Z', '-X', 'acks=all', ...headers.flatMap(([k, v]) => ['-H', `${k}=${v}`]), ...extra], lines);
}

interface KcatJson {
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}
async function consumeJson(topic: string, from: string, count: number): Promise<(ReadRec & { timestamp: number })[]> {
  const out = await kcat(['-C', '-t', topic, '-p', '0', '-o', from, '-c', String(count), '-e', '-J', '-q']);
  return out
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as KcatJson)
    .map((j) => {
      const h = j.headers ?? [];
      const headers: [string, Buffer][] = [];
      for (let i = 0; i + 1 < h.length; i += 2) headers.push([h[i]!, Buffer.from(h[i + 1]!, 'utf8')]);
      return {
        offset: j.offset,
        timestamp: j.ts,
        key: j.key === null ? null : Buffer.from(j.key, 'utf8'),
        value: j.payload === null ? null : Buffer.from(j.payload, 'utf8'),
        headers,
      };
    });
}

before(async () => {
  if (skip !== false) return;
  broker = await BrokerProcess.start({ properties: { ...COMPAT_BROKER_PROPERTIES, 'num.partitions': String(NUM_PARTITIONS) } });
  scratch = mkdtempSync(join(tmpdir(), 'gregor-kcat-'));
});
after(async () => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  await broker?.close();
});

const HEADERS = [['trace', 't-0'], ['source', 'compat']] as const;
const withHeaders = (recs: readonly Omit<Rec, 'headers'>[]): Rec[] => recs.map((r) => ({ ...r, headers: HEADERS.map(([k, v]) => [k, Buffer.from(v)] as const) }));
const s = (x: string): Buffer => Buffer.from(x, 'utf8');
const KCAT_RECORDS = withHeaders([
  { key: s('user-1'), value: s('{"n":0,"event":"login"}') },
  { key: s('user-2'), value: null },
  { key: null, value: s('no key here') },
  { key: s('user-1'), value: s('ünïcödé ✓ 🦀') },
]);

test('kcat: auto-created topic (num.partitions), keyed records with headers and nulls, from the beginning and from an offset', { skip }, () =>
  broker.check(async () => {
    await produceLines('kc-records', KCAT_RECORDS, HEADERS);
    const md = (await kcat(['-L', '-t', 'kc-records'])).toString('utf8');
    assert.match(md, /1 brokers:\s+broker 1 at 127\.0\.0\.1:\d+/);
    assert.match(md, new RegExp(`topic "kc-records" with ${NUM_PARTITIONS} partitions:`));
    assertRecords(await consumeJson('kc-records', 'beginning', KCAT_RECORDS.length), KCAT_RECORDS, 0);
    assertRecords(await consumeJson('kc-records', '2', 2), KCAT_RECORDS.slice(2), 2);
    assertRecords(await consumeJson('kc-records', '-1', 1), KCAT_RECORDS.slice(3), 3);
  }));

test('kcat: a 1 MiB record', { skip }, () =>
  broker.check(async () => {
    const file = join(scratch, 'big.bin');
    const big = bigValue();
    writeFileSync(file, big);
    await kcat(['-P', '-t', 'kc-big', '-p', '0', '-k', 'big', '-X', 'acks=all', '-X', 'message.max.bytes=4194304', file]);
    await produceLines('kc-big', [{ key: s('after'), value: s('small'), headers: [] }], []);
    const payload = await kcat(['-C', '-t', 'kc-big', '-p', '0', '-o', 'beginning', '-c', '1', '-e', '-q', '-f', '%s']);
    assert.equal(payload.length, big.length);
    assert.ok(payload.equals(big), '1 MiB payload bytes');
    const meta = (await kcat(['-C', '-t', 'kc-big', '-p', '0', '-o', 'beginning', '-c', '2', '-e', '-q', '-f', '%o %k %S\n'])).toString('utf8');
    assert.equal(meta, `0 big ${big.length}\n1 after 5\n`);
  }));

for (const codec of CODECS) {
  test(`kcat: ${codec} compression`, { skip }, (t) =>
    broker.check(async () => {
      if (codec === 'lz4' && !(await brokerAdvertises(broker.bootstrap, FIND_COORDINATOR_KEY))) t.todo(LIBRDKAFKA_LZ4_TODO);
      const topic = `kc-${codec}`;
      const recs = compressibleRecords(codec).map((r) => ({ ...r, headers: [] }));
      await produceLines(topic, recs, [], ['-z', codec, '-X', 'linger.ms=50']);
      const stored = storedCodecs(broker, topic);
      assert.ok(stored.length > 0 && stored.every((c) => c === CODEC_ID[codec]), `stored batches' codecs: ${stored}`);
      assertRecords(await consumeJson(topic, 'beginning', recs.length), recs, 0);
      assertRecords(await consumeJson(topic, '15', 5), recs.slice(15), 15);
    }));
}

test('kcat: ListOffsets by timestamp (-Q) and consuming from a timestamp (-o s@)', { skip }, () =>
  broker.check(async () => {
    const topic = 'kc-times';
    // Three runs, so three produce requests whose CreateTime the client sets as it sends them.
    for (const i of [0, 1, 2]) await produceLines(topic, [{ key: s(`t${i}`), value: s(`run ${i}`), headers: [] }], []);
    const read = await consumeJson(topic, 'beginning', 3);
    assert.deepEqual(read.map((r) => r.key?.toString()), ['t0', 't1', 't2']);
    const firstAtOrAfter = (ts: number): number => read.find((r) => r.timestamp >= ts)?.offset ?? -1;
    const last = read[2]!.timestamp;
    for (const ts of [read[0]!.timestamp - 1000, read[0]!.timestamp, read[1]!.timestamp, read[1]!.timestamp + 1, last, last + 1]) {
      const out = (await kcat(['-Q', '-t', `${topic}:0:${ts}`])).toString('utf8');
      const m = /\[0\]\s+offset\s+(-?\d+)/.exec(out);
      assert.ok(m !== null, out);
      // Past the last record Kafka answers offset -1; librdkafka reports it as such (or as the end offset).
      const got = Number(m[1]);
      const want = firstAtOrAfter(ts);
      assert.ok(got === want || (want === -1 && got === 3), `offset for timestamp ${ts}: got ${got}, want ${want}`);
    }
    const fromTs = await consumeJson(topic, `s@${read[1]!.timestamp}`, 2);
    assert.deepEqual(fromTs.map((r) => [r.offset, r.key?.toString()]), [[1, 't1'], [2, 't2']]);
  }));
