/**
 * The transaction coordinator in a real broker (startBroker): kafkajs's transactional producer
 * finds the coordinator (FindCoordinator key type 1 creates __transaction_state), initializes its
 * transactional id, sends in a transaction and commits; DescribeTransactions/ListTransactions
 * and InitProducerId's checks over the wire; the state survives a restart (replay).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../../../src/common/index.js';
import { startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';
import {
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListTransactionsRequest,
  ListTransactionsResponse,
} from '../../../src/protocol/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { WireClient, until } from './coordinator-wire.js';

const HOST = '127.0.0.1';
let dir: string;
let broker: BrokerHandle;

function props(): Map<string, string> {
  return singleNodeProperties(dir, {
    'num.partitions': '2',
    'transaction.state.log.num.partitions': '4',
    'offsets.topic.num.partitions': '4',
    'transaction.max.timeout.ms': '120000',
  });
}

function port(): number {
  return broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
}

function kafka(): Kafka {
  return new Kafka({ clientId: 'txn-test', brokers: [`${HOST}:${port()}`], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-txncoord-'));
  broker = await startBroker({ properties: props() });
});

after(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function describe(wire: WireClient, id: string) {
  const r = await wire.send(DescribeTransactionsRequest, DescribeTransactionsResponse, 0, { transactionalIds: [id] });
  return r.transactionStates[0]!;
}

test('FindCoordinator key type 1 creates __transaction_state and then names this broker', async () => {
  const wire = await WireClient.open(HOST, port());
  try {
    const r = await until(
      () => wire.send(FindCoordinatorRequest, FindCoordinatorResponse, 4, { key: '', keyType: 1, coordinatorKeys: ['tx-find'] }),
      (res) => res.coordinators[0]!.errorCode === ErrorCode.NONE,
    );
    assert.equal(r.coordinators[0]!.nodeId, broker.nodeId);
    assert.equal(r.coordinators[0]!.port, port());
    const topic = broker.context.image().topics.byName.get('__transaction_state');
    assert.equal(topic?.partitions.size, 4);
  } finally {
    wire.close();
  }
});

test('kafkajs: a transactional producer initializes, sends in a transaction and commits', async () => {
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txn-a', numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = k.producer({ transactionalId: 'tx-a', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const wire = await WireClient.open(HOST, port());
  try {
    const txn = await producer.transaction();
    await txn.send({ topic: 'txn-a', messages: [{ key: 'k1', value: 'v1' }, { key: 'k2', value: 'v2' }] });
    const ongoing = await describe(wire, 'tx-a');
    assert.equal(ongoing.errorCode, ErrorCode.NONE);
    assert.equal(ongoing.transactionState, 'Ongoing');
    assert.deepEqual(ongoing.topics.map((t) => t.topic), ['txn-a']);
    await txn.commit();
    const done = await describe(wire, 'tx-a');
    assert.ok(['PrepareCommit', 'CompleteCommit'].includes(done.transactionState), done.transactionState);
    const listed = await wire.send(ListTransactionsRequest, ListTransactionsResponse, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
    assert.equal(listed.errorCode, ErrorCode.NONE);
    assert.ok(listed.transactionStates.some((s) => s.transactionalId === 'tx-a' && s.producerId === done.producerId));
  } finally {
    wire.close();
    await producer.disconnect();
  }
});

test('InitProducerId over the wire: timeouts checked, epochs bumped, the state survives a restart', async () => {
  let wire = await WireClient.open(HOST, port());
  const init = (version: number, timeoutMs: number, producerId = -1, producerEpoch = -1) =>
    wire.send(InitProducerIdRequest, InitProducerIdResponse, version, { transactionalId: 'tx-wire', transactionTimeoutMs: timeoutMs, producerId, producerEpoch });
  try {
    assert.equal((await init(4, 120_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const first = await until(() => init(4, 10_000), (r) => r.errorCode === ErrorCode.NONE);
    assert.equal(first.producerEpoch, 0);
    const second = await init(4, 10_000, first.producerId, first.producerEpoch);
    assert.deepEqual([second.errorCode, second.producerId, second.producerEpoch], [0, first.producerId, 1]);
    // A stale epoch: PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before.
    assert.equal((await init(4, 10_000, first.producerId, 9)).errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal((await init(3, 10_000, first.producerId, 9)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    wire.close();

    await broker.close();
    broker = await startBroker({ properties: props() });
    wire = await WireClient.open(HOST, port());
    const d = await until(() => describe(wire, 'tx-wire'), (s) => s.errorCode === ErrorCode.NONE);
    assert.deepEqual([d.transactionState, d.producerId, d.producerEpoch, d.transactionTimeoutMs], ['Empty', first.producerId, 1, 10_000]);
    const third = await init(4, 10_000);
    assert.deepEqual([third.errorCode, third.producerId, third.producerEpoch], [0, first.producerId, 2]);
  } finally {
    wire.close();
  }
});
