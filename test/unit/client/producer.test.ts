/** The producer's batching, retries and idempotence against a scripted broker (no sockets, manual time). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient, clusterOptions, type ClientEnv } from '../../../src/client/index.js';
import { ErrorCode, type LogFields } from '../../../src/common/index.js';
import {
  ApiVersionsResponse,
  InitProducerIdResponse,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  RecordBatch,
  createApiVersionsResponse,
  decodeBody,
  iterateBatches,
} from '../../../src/protocol/index.js';
import { FakeSocket, ManualTime, fakeEnv, topicTMetadata, type SeenRequest } from './fake-env.js';

interface Produced {
  topic: string;
  partition: number;
  batch: RecordBatch;
}

interface BrokerScript {
  partitions?: number;
  initProducerId?: boolean;
  /** Error to answer the n-th produce request with (0-based), per partition. */
  produceErrors?: Map<number, number>;
  /** Leader id in metadata, per metadata request index (default 1). */
  leaderAt?: (metadataRequest: number) => number;
}

function scriptedBroker(script: BrokerScript) {
  const time = new ManualTime();
  const produced: Produced[] = [];
  const produceRequests: ProduceRequest[] = [];
  const warnings: string[] = [];
  let metadataRequests = 0;
  const logEnd = new Map<string, number>();
  const apiKeys = [
    { apiKey: 0, minVersion: 0, maxVersion: 11 },
    { apiKey: 3, minVersion: 0, maxVersion: 12 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ...(script.initProducerId === true ? [{ apiKey: 22, minVersion: 0, maxVersion: 5 }] : []),
  ];
  const handle = (s: FakeSocket, r: SeenRequest) => {
    const h = r.header.header;
    switch (h.requestApiKey) {
      case 18:
        s.respond(r, ApiVersionsResponse, createApiVersionsResponse({ apiKeys }));
        return;
      case 3: {
        const leader = script.leaderAt?.(metadataRequests) ?? 1;
        metadataRequests++;
        s.respond(r, MetadataResponse, topicTMetadata({ partitions: script.partitions ?? 1, leader }));
        return;
      }
      case 22:
        s.respond(r, InitProducerIdResponse, { throttleTimeMs: 0, errorCode: 0, producerId: 4000, producerEpoch: 0 });
        return;
      case 0: {
        const req = decodeBody(ProduceRequest, r.frame, r.header.bodyOffset, h.requestApiVersion);
        const index = produceRequests.length;
        produceRequests.push(req);
        const error = script.produceErrors?.get(index) ?? 0;
        const responses = req.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => {
            const k = `${t.name}-${p.index}`;
            const base = logEnd.get(k) ?? 0;
            if (error === 0) {
              for (const b of iterateBatches(p.records!)) produced.push({ topic: t.name, partition: p.index, batch: b });
              logEnd.set(k, base + [...iterateBatches(p.records!)].reduce((n, b) => n + b.recordCount, 0));
            }
            return {
              index: p.index,
              errorCode: error,
              baseOffset: error === 0 ? base : -1,
              logAppendTimeMs: -1,
              logStartOffset: 0,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
            };
          }),
        }));
        if (req.acks !== 0) s.respond(r, ProduceResponse, { throttleTimeMs: 0, responses, nodeEndpoints: [] });
        return;
      }
      default:
        throw new Error(`unexpected api ${h.requestApiKey}`);
    }
  };
  const base = fakeEnv(time, async (a) => new FakeSocket(a, handle));
  const env: ClientEnv = {
    ...base,
    logger: { ...base.logger, warn: (m: string, _f?: LogFields) => void warnings.push(m) },
  };
  const kafka = new KafkaClient({ bootstrapServers: 'b1:9092', retryBackoffMs: 100 }, env);
  return { time, kafka, produced, produceRequests, warnings, metadataRequests: () => metadataRequests };
}

/** Lets promise chains settle and zero-delay timers run (time does not move). */
async function settle(time?: ManualTime): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setImmediate(r));
    time?.advance(0);
  }
}

test('records sent together in one tick share one batch per partition and one request', async () => {
  const b = scriptedBroker({ partitions: 2 });
  const producer = b.kafka.producer({ idempotent: false });
  const sends = Array.from({ length: 10 }, (_, i) => producer.send({ topic: 't', partition: i % 2, value: `v${i}` }));
  await settle(b.time);
  const meta = await Promise.all(sends);
  assert.equal(b.produceRequests.length, 1);
  assert.equal(b.produced.length, 2);
  assert.deepEqual(
    meta.map((m) => [m.partition, m.offset]),
    Array.from({ length: 10 }, (_, i) => [i % 2, Math.floor(i / 2)]),
  );
});

test('linger.ms holds a batch until it expires or batch.size fills it', async () => {
  const b = scriptedBroker({});
  const producer = b.kafka.producer({ lingerMs: 50, batchSize: 1000, idempotent: false });
  const first = producer.send({ topic: 't', value: 'a' });
  await settle(b.time);
  assert.equal(b.produceRequests.length, 0);
  b.time.advance(49);
  await settle(b.time);
  assert.equal(b.produceRequests.length, 0);
  b.time.advance(1);
  await settle(b.time);
  assert.equal(b.produceRequests.length, 1);
  assert.equal((await first).offset, 0);

  // 10 records of ~120 bytes: batch.size 1000 fills up before linger.ms.
  const full = Array.from({ length: 10 }, () => producer.send({ topic: 't', value: 'x'.repeat(100) }));
  await settle(b.time);
  assert.ok(b.produceRequests.length >= 2, 'a full batch goes out without waiting');
  b.time.advance(50);
  await settle(b.time);
  await Promise.all(full);
  const sizes = b.produced.slice(1).map((p) => p.batch.recordCount);
  assert.deepEqual(sizes.reduce((n, x) => n + x, 0), 10);
  assert.ok(sizes.length >= 2);
});

test('NOT_LEADER_OR_FOLLOWER: metadata is refreshed and the same batch is retried after retry.backoff.ms', async () => {
  const b = scriptedBroker({ produceErrors: new Map([[0, ErrorCode.NOT_LEADER_OR_FOLLOWER]]) });
  const producer = b.kafka.producer({ idempotent: false });
  const p = producer.send({ topic: 't', value: 'retry me' });
  await settle(b.time);
  assert.equal(b.produceRequests.length, 1);
  // One Metadata for the first send, one after the error.
  assert.equal(b.metadataRequests(), 2);
  b.time.advance(100);
  await settle(b.time);
  assert.equal(b.produceRequests.length, 2);
  const m = await p;
  assert.equal(m.offset, 0);
  assert.ok(b.produceRequests[0]!.topicData[0]!.partitionData[0]!.records!.equals(b.produceRequests[1]!.topicData[0]!.partitionData[0]!.records!));
});

test('a non-retriable error fails the records with Kafka’s error name', async () => {
  const b = scriptedBroker({ produceErrors: new Map([[0, ErrorCode.INVALID_RECORD]]) });
  const producer = b.kafka.producer({ idempotent: false });
  const p = assert.rejects(producer.send({ topic: 't', value: 'bad' }), { name: 'INVALID_RECORD', retriable: false });
  await settle(b.time);
  await p;
});

test('delivery.timeout.ms bounds retries', async () => {
  const errors = new Map(Array.from({ length: 100 }, (_, i) => [i, ErrorCode.NOT_ENOUGH_REPLICAS] as [number, number]));
  const b = scriptedBroker({ produceErrors: errors });
  const producer = b.kafka.producer({ idempotent: false, deliveryTimeoutMs: 1000 });
  const p = producer.send({ topic: 't', value: 'x' });
  let outcome: unknown;
  p.catch((e: unknown) => (outcome = e));
  for (let i = 0; i < 15 && outcome === undefined; i++) {
    await settle(b.time);
    b.time.advance(100);
  }
  await settle(b.time);
  assert.ok(outcome instanceof Error);
  assert.equal((outcome as Error).name, 'NOT_ENOUGH_REPLICAS');
  assert.ok(b.produceRequests.length >= 5 && b.produceRequests.length <= 12, `${b.produceRequests.length} attempts`);
});

test('idempotence: producer id and per-partition sequence numbers when the broker offers InitProducerId', async () => {
  const b = scriptedBroker({ initProducerId: true, partitions: 2 });
  const producer = b.kafka.producer();
  await Promise.all([0, 1, 0, 1].map((partition, i) => producer.send({ topic: 't', partition, value: `a${i}` })));
  await Promise.all([0, 0, 1].map((partition, i) => producer.send({ topic: 't', partition, value: `b${i}` })));
  assert.equal(producer.idempotent, true);
  const seqs = b.produced.map((p) => [p.partition, p.batch.producerId, p.batch.baseSequence, p.batch.recordCount]);
  assert.deepEqual(seqs, [
    [0, 4000, 0, 2],
    [1, 4000, 0, 2],
    [0, 4000, 2, 2],
    [1, 4000, 2, 1],
  ]);
  assert.equal(b.warnings.length, 0);
});

test('idempotence: without InitProducerId on the broker, a warning and plain batches', async () => {
  const b = scriptedBroker({});
  const producer = b.kafka.producer();
  await producer.send({ topic: 't', value: 'x' });
  assert.equal(producer.idempotent, false);
  assert.equal(b.produced[0]!.batch.producerId, -1);
  assert.equal(b.warnings.length, 1);
  assert.match(b.warnings[0]!, /InitProducerId/);
});

test('flush sends lingering batches at once; close flushes', async () => {
  const b = scriptedBroker({});
  const producer = b.kafka.producer({ lingerMs: 60_000, idempotent: false });
  const p = producer.send({ topic: 't', value: 'x' });
  await settle(b.time);
  assert.equal(b.produceRequests.length, 0);
  await producer.flush();
  assert.equal((await p).offset, 0);
  const q = producer.send({ topic: 't', value: 'y' });
  await producer.close();
  assert.equal((await q).offset, 1);
  await assert.rejects(producer.send({ topic: 't', value: 'z' }), { name: 'ClientClosedError' });
});

test('clusterOptions parses bootstrap lists, including IPv6', () => {
  const o = clusterOptions({ bootstrapServers: 'a:1, [::1]:9092,b:65535' });
  assert.deepEqual(o.bootstrapServers, [
    { host: 'a', port: 1 },
    { host: '::1', port: 9092 },
    { host: 'b', port: 65535 },
  ]);
  assert.throws(() => clusterOptions({ bootstrapServers: 'nohost' }), /host:port/);
});
