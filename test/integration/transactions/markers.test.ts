/**
 * The partition side of transactions against a real in-process broker over real sockets:
 * transactional batches produced with our codec, COMMIT/ABORT markers written with WriteTxnMarkers,
 * then read_committed reads — a raw Fetch (last stable offset, aborted-transactions list),
 * ListOffsets, kafkajs (`readUncommitted: false`) and kcat (librdkafka's default read_committed) —
 * see committed data only. DescribeProducers shows the open transaction. Everything survives a
 * restart, including one whose .txnindex is lost and rebuilt by recovery.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';
import {
  DescribeProducersRequest,
  DescribeProducersResponse,
  FetchRequest,
  FetchResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  ProduceRequest,
  ProduceResponse,
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
  buildRecordBatch,
  iterateBatches,
} from '../../../src/protocol/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { kcatValues } from '../../support/run.js';
import { within } from '../../support/wait.js';
import { WireClient } from '../network/wire-client.js';

const HOST = '127.0.0.1';
const TOPIC = 'txn-markers';
const ERR_TXN_ID_AUTH = 53;

let dir: string;
let broker: BrokerHandle;
let port: number;
let wire: WireClient;
let correlation = 1;

async function start(): Promise<void> {
  broker = await startBroker({ properties: singleNodeProperties(dir, { 'num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' }) });
  port = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
  wire = await WireClient.connect(port, HOST);
}

async function stop(): Promise<void> {
  wire.destroy();
  await broker.close();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-txn-'));
  await start();
  const admin = kafkaClient().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});

after(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

function kafkaClient(): Kafka {
  return new Kafka({ clientId: 'txn-test', brokers: [`${HOST}:${port}`], logLevel: logLevel.NOTHING });
}

async function call<Req, Res>(req: { apiKey: number } & Parameters<typeof wire.call<Req, Res>>[0], res: Parameters<typeof wire.call<Req, Res>>[1], version: number, body: Req): Promise<Res> {
  return (await wire.call(req, res, version, body, correlation++)).body;
}

async function producerId(): Promise<{ id: number; epoch: number }> {
  const r = await call(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(r.errorCode, 0);
  return { id: r.producerId, epoch: r.producerEpoch };
}

const seqs = new Map<number, number>();

async function produce(values: string[], pid?: { id: number; epoch: number }, transactionalId: string | null = 'tx'): Promise<{ errorCode: number; baseOffset: number }> {
  const seq = pid === undefined ? -1 : (seqs.get(pid.id) ?? 0);
  const records = buildRecordBatch({
    ...(pid === undefined ? {} : { producerId: pid.id, producerEpoch: pid.epoch, baseSequence: seq, isTransactional: true }),
    records: values.map((v) => ({ key: null, value: v })),
  });
  if (pid !== undefined) seqs.set(pid.id, seq + values.length);
  const r = await call(ProduceRequest, ProduceResponse, 9, {
    transactionalId: pid === undefined ? null : transactionalId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

async function marker(pid: { id: number; epoch: number }, commit: boolean, version = 1): Promise<number> {
  const r = await call(WriteTxnMarkersRequest, WriteTxnMarkersResponse, version, {
    markers: [{ producerId: pid.id, producerEpoch: pid.epoch, transactionResult: commit, coordinatorEpoch: 0, topics: [{ name: TOPIC, partitionIndexes: [0] }] }],
  });
  return r.markers[0]!.topics[0]!.partitions[0]!.errorCode;
}

interface RawFetch {
  highWatermark: number;
  lastStableOffset: number;
  aborted: Array<{ producerId: number; firstOffset: number }> | null;
  values: string[];
}

async function rawFetch(isolationLevel: number, fetchOffset = 0, version = 11): Promise<RawFetch> {
  const r = await call(FetchRequest, FetchResponse, version, {
    ...FetchRequest.create({}),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  } as never);
  const p = (r as FetchResponse).responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, 0);
  const values: string[] = [];
  for (const b of iterateBatches(p.records ?? Buffer.alloc(0))) {
    if (b.isControl) continue;
    for (const rec of b.records()) values.push(rec.value?.toString() ?? '');
  }
  return {
    highWatermark: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    aborted: p.abortedTransactions === null ? null : p.abortedTransactions.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset })),
    values,
  };
}

async function latest(isolationLevel: number): Promise<number> {
  const r = await call(ListOffsetsRequest, ListOffsetsResponse, 5, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }],
  });
  return r.topics[0]!.partitions[0]!.offset;
}

/** kcat reads with librdkafka's default isolation.level=read_committed. */
function kcatRead(): Promise<string[]> {
  return kcatValues(`${HOST}:${port}`, TOPIC);
}

/** kafkajs with readUncommitted: false, from the beginning, until `last` arrives. */
async function kafkajsValues(last: string): Promise<string[]> {
  const consumer = kafkaClient().consumer({ groupId: `g-${correlation++}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const got: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = message.value?.toString() ?? '';
      got.push(v);
      if (v === last) done();
    },
  });
  try {
    await within(() => `kafkajs reaching ${last} (got ${got.join(',')})`, 30_000, finished);
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe('transaction markers end to end', () => {
  let p1: { id: number; epoch: number };
  let p2: { id: number; epoch: number };
  let p3: { id: number; epoch: number };

  test('read_committed stops at the LSO until markers are written', async () => {
    p1 = await producerId();
    p2 = await producerId();
    assert.equal((await produce(['a1', 'a2'], p1)).baseOffset, 0);
    assert.equal((await produce(['b1'], p2)).baseOffset, 2);
    assert.equal((await produce(['plain1'])).baseOffset, 3);
    assert.equal((await produce(['x'], p1, null)).errorCode, ERR_TXN_ID_AUTH, 'transactional records need a transactional id');
    const before = await rawFetch(1);
    assert.deepEqual([before.highWatermark, before.lastStableOffset, before.values, before.aborted], [4, 0, [], []]);
    assert.equal((await rawFetch(0)).aborted, null);
    assert.equal(await latest(1), 0);
    assert.equal(await latest(0), 4);
  });

  test('WriteTxnMarkers: abort p1, commit p2 (v0 and v1); the LSO moves and the aborted list appears', async () => {
    assert.equal(await marker(p1, false, 0), 0); // offset 4
    assert.equal(await marker(p2, true, 1), 0); // offset 5
    assert.equal(await marker({ id: p1.id, epoch: p1.epoch - 1 }, false), 47, 'an older producer epoch is INVALID_PRODUCER_EPOCH');
    assert.equal((await produce(['plain2'])).baseOffset, 6);
    const r = await rawFetch(1);
    assert.equal(r.lastStableOffset, 7);
    assert.deepEqual(r.aborted, [{ producerId: p1.id, firstOffset: 0 }]);
    assert.equal(await latest(1), 7);
    // An open transaction at the end of the log.
    p3 = await producerId();
    assert.equal((await produce(['c1'], p3)).baseOffset, 7);
    assert.equal((await produce(['plain3'])).baseOffset, 8);
    assert.equal((await rawFetch(1)).lastStableOffset, 7);
    const dp = await call(DescribeProducersRequest, DescribeProducersResponse, 0, { topics: [{ name: TOPIC, partitionIndexes: [0] }] });
    const open = dp.topics[0]!.partitions[0]!.activeProducers.find((a) => a.producerId === p3.id)!;
    assert.equal(open.currentTxnStartOffset, 7);
    assert.equal(dp.topics[0]!.partitions[0]!.activeProducers.find((a) => a.producerId === p1.id)!.currentTxnStartOffset, -1);
  });

  test('kafkajs read_committed and kcat see committed data only', async () => {
    assert.deepEqual(await kcatRead(), ['b1', 'plain1', 'plain2']);
    assert.deepEqual(await kafkajsValues('plain2'), ['b1', 'plain1', 'plain2']);
  });

  test('after a restart, and after one that lost the .txnindex, the same answers; the open transaction still holds the LSO', async () => {
    const expected = await rawFetch(1);
    await stop();
    await start();
    assert.deepEqual(await rawFetch(1), expected);
    await stop();
    // Lose the txn index and force recovery (no clean-shutdown marker): it is rebuilt from the log.
    const partDir = join(dir, `${TOPIC}-0`);
    for (const f of readdirSync(partDir)) if (f.endsWith('.txnindex')) unlinkSync(join(partDir, f));
    const marker0 = join(dir, '.kafka_cleanshutdown');
    if (existsSync(marker0)) unlinkSync(marker0);
    await start();
    const r = await rawFetch(1);
    assert.deepEqual(r, expected);
    assert.equal(r.lastStableOffset, 7);
    assert.deepEqual(await kcatRead(), ['b1', 'plain1', 'plain2']);
    assert.equal(await marker(p3, true), 0);
    const done = await rawFetch(1);
    assert.equal(done.lastStableOffset, 10);
    assert.deepEqual(done.values, ['a1', 'a2', 'b1', 'plain1', 'plain2', 'c1', 'plain3']);
    assert.deepEqual(await kcatRead(), ['b1', 'plain1', 'plain2', 'c1', 'plain3']);
  });
});
