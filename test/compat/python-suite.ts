/**
 * The compat cases for the two Python clients (kafka-python, confluent-kafka-python), each driven
 * through a script under test/compat/py that runs one client operation per process and answers in
 * JSON. One broker per test file; each case uses its own topics (prefixed per client).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../support/broker-process.js';
import {
  CODECS, CODEC_ID, COMPAT_BROKER_PROPERTIES, EXPECTED_TOPIC_CONFIGS, STANDARD_RECORDS, TIMED_RECORDS, TIMESTAMP_QUERIES,
  assertRecords, bigValue, compressibleRecords, fromPyRecords, py, pyOk, storedCodecs, toPyRecords, type Rec,
} from './helpers.js';
import { PYTHON } from '../support/run.js';
import { brokerMissing, toolMissing } from './skip.js';
import { FIND_COORDINATOR_KEY, LIBRDKAFKA_LZ4_TODO, brokerAdvertises } from './kafkajs-client.js';

export interface PythonSuite {
  /** The client is librdkafka underneath (its LZ4 depends on FindCoordinator being advertised). */
  readonly librdkafka: boolean;
  /** Script under test/compat/py. */
  readonly script: string;
  /** Python module the script needs (the test is skipped without it). */
  readonly module: string;
  /** Topic name prefix and test title prefix. */
  readonly prefix: string;
  readonly label: string;
}

export async function definePythonSuite(s: PythonSuite): Promise<void> {
  const skip = (await brokerMissing()) || toolMissing(PYTHON, ['-c', `import ${s.module}`]);
  let broker: BrokerProcess;
  const op = async (name: string, args: unknown = {}): Promise<Record<string, unknown>> => py(s.script, broker.bootstrap, name, args);
  const t = (name: string): string => `${s.prefix}-${name}`;

  async function createTopic(name: string, configs: Record<string, string> = {}, partitions = 1): Promise<void> {
    const r = pyOk(await op('create_topics', { topics: [{ name, partitions, configs }] }));
    assert.equal(r[name], 0, `create ${name}`);
  }
  async function produce(topic: string, recs: readonly Rec[], compression?: string): Promise<number[]> {
    const r = pyOk(await op('produce', { topic, records: toPyRecords(recs), compression: compression ?? null, lingerMs: compression === undefined ? 0 : 50 }));
    return r['offsets'] as number[];
  }
  async function consume(topic: string, count: number, offset?: number): Promise<ReturnType<typeof fromPyRecords>> {
    const r = pyOk(await op('consume', { topic, count, offset: offset ?? null }));
    return fromPyRecords(r['records']);
  }

  before(async () => {
    if (skip === false) broker = await BrokerProcess.start({ properties: COMPAT_BROKER_PROPERTIES });
  });
  after(async () => broker?.close());

  test(`${s.label} admin: create with configs, TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, describe configs, delete`, { skip }, () =>
    broker.check(async () => {
      const name = t('admin');
      await createTopic(name, EXPECTED_TOPIC_CONFIGS.set);
      const again = pyOk(await op('create_topics', { topics: [{ name, partitions: 1 }] }));
      assert.equal(again[name], 36, 'TOPIC_ALREADY_EXISTS');
      const badName = `${name} bad`;
      const bad = pyOk(await op('create_topics', { topics: [{ name: badName, partitions: 1 }] }));
      assert.equal(bad[badName], 17, 'INVALID_TOPIC_EXCEPTION');
      assert.ok((pyOk(await op('list_topics'))['topics'] as string[]).includes(name));

      const d = pyOk(await op('describe_configs', { topic: name }));
      const configs = d['configs'] as Record<string, { value: string; source: number | null }>;
      for (const [k, v] of Object.entries(EXPECTED_TOPIC_CONFIGS.set)) {
        assert.equal(configs[k]?.value, v, k);
        if (configs[k]?.source !== null) assert.equal(configs[k]?.source, 1, `${k} source is DYNAMIC_TOPIC_CONFIG`);
      }
      for (const [k, v] of Object.entries(EXPECTED_TOPIC_CONFIGS.defaults)) assert.equal(configs[k]?.value, v, k);
      assert.equal(configs['max.message.bytes']?.value, COMPAT_BROKER_PROPERTIES['message.max.bytes'], 'max.message.bytes follows the broker static message.max.bytes');

      const del = pyOk(await op('delete_topics', { names: [name] }));
      assert.ok(!(del['topics'] as string[]).includes(name), `deleted: ${String(del['topics'])}`);
    }));

  test(`${s.label}: keyed records with headers and null values, read from the beginning and from an offset`, { skip }, () =>
    broker.check(async () => {
      const topic = t('records');
      await createTopic(topic);
      assert.deepEqual(await produce(topic, STANDARD_RECORDS), [0, 1, 2, 3, 4]);
      assertRecords(await consume(topic, STANDARD_RECORDS.length), STANDARD_RECORDS, 0);
      assertRecords(await consume(topic, 3, 2), STANDARD_RECORDS.slice(2), 2);
    }));

  test(`${s.label}: a 1 MiB record`, { skip }, () =>
    broker.check(async () => {
      const topic = t('big');
      await createTopic(topic);
      const big: Rec = { key: Buffer.from('big'), value: bigValue(), headers: [['size', Buffer.from('1MiB')]] };
      const small: Rec = { key: Buffer.from('after'), value: Buffer.from('small'), headers: [] };
      assert.deepEqual(await produce(topic, [big]), [0]);
      assert.deepEqual(await produce(topic, [small]), [1]);
      assertRecords(await consume(topic, 2), [big, small], 0);
    }));

  for (const codec of CODECS) {
    test(`${s.label}: ${codec} compression`, { skip }, (tc) =>
      broker.check(async () => {
        if (s.librdkafka && codec === 'lz4' && !(await brokerAdvertises(broker.bootstrap, FIND_COORDINATOR_KEY))) tc.todo(LIBRDKAFKA_LZ4_TODO);
        const topic = t(codec);
        await createTopic(topic);
        const recs = compressibleRecords(codec);
        assert.deepEqual(await produce(topic, recs, codec), recs.map((_, i) => i));
        const stored = storedCodecs(broker, topic);
        assert.ok(stored.length > 0 && stored.every((c) => c === CODEC_ID[codec]), `stored batches' codecs: ${stored}`);
        assertRecords(await consume(topic, recs.length), recs, 0);
        assertRecords(await consume(topic, 5, 15), recs.slice(15), 15);
      }));
  }

  test(`${s.label}: ListOffsets by timestamp, earliest and latest`, { skip }, () =>
    broker.check(async () => {
      const topic = t('times');
      await createTopic(topic);
      assert.deepEqual(await produce(topic, TIMED_RECORDS), [0, 1, 2]);
      assertRecords(await consume(topic, 3), TIMED_RECORDS, 0, { timestamps: true });
      const r = pyOk(await op('offsets', { topic, timestamps: TIMESTAMP_QUERIES.map(([ts]) => ts) }));
      for (const [ts, want] of TIMESTAMP_QUERIES) {
        const got = r[String(ts)] as { offset: number; timestamp?: number } | null;
        const offset = got === null || got.offset === -1 ? null : got.offset;
        assert.equal(offset, want, `offset for timestamp ${ts}`);
        if (want !== null && got?.timestamp !== undefined) assert.equal(got.timestamp, TIMED_RECORDS[want]!.timestamp, `timestamp found for ${ts}`);
      }
      assert.equal(r['earliest'], 0);
      assert.equal(r['latest'], 3);
    }));
}
