/** The producer's transactions against a scripted broker and coordinator (no sockets, manual time). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../../src/client/index.js';
import { ErrorCode } from '../../../src/common/index.js';
import {
  AddOffsetsToTxnRequest,
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  ApiVersionsResponse,
  EndTxnRequest,
  EndTxnResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
  createApiVersionsResponse,
  decodeBody,
  iterateBatches,
} from '../../../src/protocol/index.js';
import { FakeSocket, ManualTime, fakeEnv, topicTMetadata, type SeenRequest } from './fake-env.js';

interface Script {
  /** Error codes answered to successive requests of an api key (then 0). */
  errors?: Map<number, number[]>;
}

function scripted(script: Script = {}) {
  const time = new ManualTime();
  const log: string[] = [];
  const requests: { key: number; body: unknown }[] = [];
  let epoch = 0;
  const nextError = (key: number): number => script.errors?.get(key)?.shift() ?? 0;
  const apiKeys = [0, 3, 10, 18, 22, 24, 25, 26, 28].map((apiKey) => ({ apiKey, minVersion: 0, maxVersion: { 0: 11, 3: 12, 10: 4, 18: 3, 22: 5, 24: 5, 25: 4, 26: 4, 28: 4 }[apiKey]! }));
  const handle = (s: FakeSocket, r: SeenRequest) => {
    const h = r.header.header;
    const body = <T>(d: { read: unknown } & Parameters<typeof decodeBody<T>>[0]) => decodeBody(d, r.frame, r.header.bodyOffset, h.requestApiVersion);
    switch (h.requestApiKey) {
      case 18:
        s.respond(r, ApiVersionsResponse, createApiVersionsResponse({ apiKeys }));
        return;
      case 3:
        s.respond(r, MetadataResponse, topicTMetadata({ partitions: 2 }));
        return;
      case 10: {
        const req = body(FindCoordinatorRequest);
        log.push(`FindCoordinator ${req.keyType} ${req.coordinatorKeys.join(',')}`);
        s.respond(r, FindCoordinatorResponse, {
          throttleTimeMs: 0,
          errorCode: 0,
          errorMessage: null,
          nodeId: 1,
          host: 'b1',
          port: 9092,
          coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId: 1, host: 'b1', port: 9092, errorCode: 0, errorMessage: null })),
        });
        return;
      }
      case 22: {
        const req = body(InitProducerIdRequest);
        requests.push({ key: 22, body: req });
        const error = nextError(22);
        log.push(`InitProducerId ${req.transactionalId} ${req.producerId}/${req.producerEpoch}${error ? ` -> ${error}` : ''}`);
        if (error === 0 && req.producerId >= 0) epoch++;
        s.respond(r, InitProducerIdResponse, { throttleTimeMs: 0, errorCode: error, producerId: error ? -1 : 7000, producerEpoch: error ? -1 : epoch });
        return;
      }
      case 24: {
        const req = body(AddPartitionsToTxnRequest);
        const error = nextError(24);
        log.push(`AddPartitionsToTxn ${req.v3AndBelowTopics.map((t) => `${t.name}:${t.partitions.join('+')}`).join(' ')} epoch ${req.v3AndBelowProducerEpoch}${error ? ` -> ${error}` : ''}`);
        s.respond(r, AddPartitionsToTxnResponse, {
          throttleTimeMs: 0,
          errorCode: 0,
          resultsByTransaction: [],
          resultsByTopicV3AndBelow: req.v3AndBelowTopics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: error })) })),
        });
        return;
      }
      case 0: {
        const req = body(ProduceRequest);
        const error = nextError(0);
        const parts = req.topicData.flatMap((t) => t.partitionData.map((p) => `${t.name}:${p.index}`));
        const txnal = req.topicData.every((t) => t.partitionData.every((p) => [...iterateBatches(p.records!)].every((b) => b.isTransactional)));
        log.push(`Produce ${req.transactionalId} ${parts.join(' ')} transactional=${txnal}${error ? ` -> ${error}` : ''}`);
        s.respond(r, ProduceResponse, {
          throttleTimeMs: 0,
          nodeEndpoints: [],
          responses: req.topicData.map((t) => ({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => ({
              index: p.index,
              errorCode: error,
              baseOffset: error ? -1 : 0,
              logAppendTimeMs: -1,
              logStartOffset: 0,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
            })),
          })),
        });
        return;
      }
      case 25: {
        const req = body(AddOffsetsToTxnRequest);
        log.push(`AddOffsetsToTxn ${req.groupId}`);
        s.respond(r, AddOffsetsToTxnResponse, { throttleTimeMs: 0, errorCode: nextError(25) });
        return;
      }
      case 28: {
        const req = body(TxnOffsetCommitRequest);
        log.push(`TxnOffsetCommit ${req.groupId} gen ${req.generationId} ${req.memberId} ${req.topics.map((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}@${p.committedOffset}`).join(' ')).join(' ')}`);
        const error = nextError(28);
        s.respond(r, TxnOffsetCommitResponse, {
          throttleTimeMs: 0,
          topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error })) })),
        });
        return;
      }
      case 26: {
        const req = body(EndTxnRequest);
        const error = nextError(26);
        log.push(`EndTxn ${req.committed ? 'commit' : 'abort'} epoch ${req.producerEpoch}${error ? ` -> ${error}` : ''}`);
        s.respond(r, EndTxnResponse, { throttleTimeMs: 0, errorCode: error });
        return;
      }
      default:
        throw new Error(`unexpected api ${h.requestApiKey}`);
    }
  };
  const kafka = new KafkaClient({ bootstrapServers: 'b1:9092', retryBackoffMs: 100 }, fakeEnv(time, async (a) => new FakeSocket(a, handle)));
  return { time, kafka, log };
}

/** Runs `p` to completion, letting promise jobs settle and moving manual time in 100 ms steps. */
async function drive<T>(time: ManualTime, p: Promise<T>): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => {});
  for (let i = 0; i < 500 && !done; i++) {
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    if (!done) time.advance(100);
  }
  return watched;
}

test('a transaction: partitions are added before their first batch, offsets join it, EndTxn commits', async () => {
  const b = scripted();
  const producer = b.kafka.producer({ transactionalId: 'tx-1', transactionTimeoutMs: 30_000 });
  await drive(b.time, producer.initTransactions());
  producer.beginTransaction();
  const sent = Promise.all([producer.send({ topic: 't', partition: 0, value: 'a' }), producer.send({ topic: 't', partition: 1, value: 'b' })]);
  await drive(b.time, sent);
  await drive(b.time, producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 42 }], { groupId: 'g', generationId: 3, memberId: 'm-1', groupInstanceId: null }));
  await drive(b.time, producer.commitTransaction());
  assert.deepEqual(b.log, [
    'FindCoordinator 1 tx-1',
    'InitProducerId tx-1 -1/-1',
    'AddPartitionsToTxn t:0+1 epoch 0',
    'Produce tx-1 t:0 t:1 transactional=true',
    'AddOffsetsToTxn g',
    'FindCoordinator 0 g',
    'TxnOffsetCommit g gen 3 m-1 in:0@42',
    'EndTxn commit epoch 0',
  ]);
  // The next transaction adds its partitions again.
  producer.beginTransaction();
  await drive(b.time, producer.send({ topic: 't', partition: 1, value: 'c' }));
  await drive(b.time, producer.abortTransaction());
  assert.deepEqual(b.log.slice(8), ['AddPartitionsToTxn t:1 epoch 0', 'Produce tx-1 t:1 transactional=true', 'EndTxn abort epoch 0']);
  await drive(b.time, producer.close());
});

test('retriable coordinator answers (CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS) are retried', async () => {
  const b = scripted({
    errors: new Map([
      [22, [ErrorCode.CONCURRENT_TRANSACTIONS]],
      [24, [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]],
      [26, [ErrorCode.CONCURRENT_TRANSACTIONS]],
    ]),
  });
  const producer = b.kafka.producer({ transactionalId: 'tx-2' });
  await drive(b.time, producer.initTransactions());
  producer.beginTransaction();
  await drive(b.time, producer.send({ topic: 't', partition: 0, value: 'a' }));
  await drive(b.time, producer.commitTransaction());
  assert.deepEqual(
    b.log.filter((l) => !l.startsWith('Find')),
    [
      `InitProducerId tx-2 -1/-1 -> ${ErrorCode.CONCURRENT_TRANSACTIONS}`,
      'InitProducerId tx-2 -1/-1',
      `AddPartitionsToTxn t:0 epoch 0 -> ${ErrorCode.COORDINATOR_LOAD_IN_PROGRESS}`,
      'AddPartitionsToTxn t:0 epoch 0',
      'Produce tx-2 t:0 transactional=true',
      `EndTxn commit epoch 0 -> ${ErrorCode.CONCURRENT_TRANSACTIONS}`,
      'EndTxn commit epoch 0',
    ],
  );
});

test('fencing is fatal and surfaces as PRODUCER_FENCED', async () => {
  const b = scripted({ errors: new Map([[26, [ErrorCode.PRODUCER_FENCED]]]) });
  const producer = b.kafka.producer({ transactionalId: 'tx-3' });
  await drive(b.time, producer.initTransactions());
  producer.beginTransaction();
  await drive(b.time, producer.send({ topic: 't', partition: 0, value: 'a' }));
  await assert.rejects(drive(b.time, producer.commitTransaction()), { name: 'PRODUCER_FENCED' });
  assert.throws(() => producer.beginTransaction(), { name: 'PRODUCER_FENCED' });
  await assert.rejects(producer.send({ topic: 't', value: 'x' }), { name: 'PRODUCER_FENCED' });
  await assert.rejects(drive(b.time, producer.abortTransaction()), { name: 'PRODUCER_FENCED' });

  // INVALID_PRODUCER_EPOCH on a produce is the same fencing.
  const c = scripted({ errors: new Map([[0, [ErrorCode.INVALID_PRODUCER_EPOCH]]]) });
  const p2 = c.kafka.producer({ transactionalId: 'tx-4' });
  await drive(c.time, p2.initTransactions());
  p2.beginTransaction();
  await assert.rejects(drive(c.time, p2.send({ topic: 't', partition: 0, value: 'a' })), { name: 'PRODUCER_FENCED' });
  await assert.rejects(drive(c.time, p2.commitTransaction()), { name: 'PRODUCER_FENCED' });
});

test('a failed batch makes the transaction abortable; the abort bumps the epoch (KIP-360)', async () => {
  const b = scripted({ errors: new Map([[0, [ErrorCode.INVALID_RECORD]]]) });
  const producer = b.kafka.producer({ transactionalId: 'tx-5' });
  await drive(b.time, producer.initTransactions());
  producer.beginTransaction();
  await assert.rejects(drive(b.time, producer.send({ topic: 't', partition: 0, value: 'bad' })), { name: 'INVALID_RECORD' });
  await assert.rejects(drive(b.time, producer.commitTransaction()), { name: 'INVALID_RECORD' });
  await drive(b.time, producer.abortTransaction());
  producer.beginTransaction();
  await drive(b.time, producer.send({ topic: 't', partition: 0, value: 'good' }));
  await drive(b.time, producer.commitTransaction());
  assert.deepEqual(
    b.log.filter((l) => !l.startsWith('Find')),
    [
      'InitProducerId tx-5 -1/-1',
      'AddPartitionsToTxn t:0 epoch 0',
      `Produce tx-5 t:0 transactional=true -> ${ErrorCode.INVALID_RECORD}`,
      'EndTxn abort epoch 0',
      'InitProducerId tx-5 7000/0',
      'AddPartitionsToTxn t:0 epoch 1',
      'Produce tx-5 t:0 transactional=true',
      'EndTxn commit epoch 1',
    ],
  );
});

test('misuse: sends outside a transaction, transactions without a transactionalId', async () => {
  const b = scripted();
  const producer = b.kafka.producer({ transactionalId: 'tx-6' });
  await assert.rejects(producer.send({ topic: 't', value: 'a' }), { name: 'IllegalStateError' });
  assert.throws(() => producer.beginTransaction(), { name: 'IllegalStateError' });
  await drive(b.time, producer.initTransactions());
  await assert.rejects(producer.send({ topic: 't', value: 'a' }), { name: 'IllegalStateError' });
  await assert.rejects(drive(b.time, producer.commitTransaction()), { name: 'IllegalStateError' });
  const plain = b.kafka.producer();
  await assert.rejects(plain.initTransactions(), { name: 'IllegalStateError' });
  assert.throws(() => b.kafka.producer({ transactionalId: 'x', acks: 1 }), RangeError);
});
