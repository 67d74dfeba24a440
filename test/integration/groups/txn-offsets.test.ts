/**
 * Transactional offset commits against an in-process broker over a real socket with our codec:
 * TxnOffsetCommit writes a transactional batch of the producer into __consumer_offsets, OffsetFetch
 * with require_stable answers UNSTABLE_OFFSET_COMMIT until the transaction completes, then the
 * committed offset. Markers come over WriteTxnMarkers (the marker writer tells the coordinator) or
 * are appended directly and reported by hand (onTransactionCompleted); after a restart the loader
 * restores exactly the committed state and keeps an undecided transaction pending.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Apis, Connection, clientEnv, defaultConnectionOptions } from '../../../src/client/index.js';
import type { Api } from '../../../src/client/index.js';
import { ErrorCode } from '../../../src/common/index.js';
import { NOOP_LOGGER } from '../../../src/common/index.js';
import { SystemClock, SystemScheduler, TcpTransport, systemRandom } from '../../../src/platform/index.js';
import {
  ControlRecordType,
  FindCoordinatorRequest,
  OffsetFetchRequest,
  TxnOffsetCommitRequest,
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
  buildControlBatch,
  iterateBatches,
} from '../../../src/protocol/index.js';
import type { TxnOffsetCommitRequest as TxnOffsetCommitBody } from '../../../src/protocol/index.js';
import { startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';
import { Log } from '../../../src/storage/index.js';
import { singleNodeProperties } from '../../support/single-node.js';

const GROUP = 'txn-group';
const OFFSETS_TOPIC = '__consumer_offsets';

const { FindCoordinator: FIND_COORDINATOR, TxnOffsetCommit: TXN_OFFSET_COMMIT, OffsetFetch: OFFSET_FETCH } = Apis;
const WRITE_TXN_MARKERS: Api<WriteTxnMarkersRequest, WriteTxnMarkersResponse> = Object.freeze({
  apiKey: WriteTxnMarkersRequest.apiKey,
  name: 'WriteTxnMarkers',
  request: WriteTxnMarkersRequest,
  response: WriteTxnMarkersResponse,
  clientMinVersion: WriteTxnMarkersRequest.minVersion,
  clientMaxVersion: WriteTxnMarkersRequest.maxVersion,
});

async function connect(b: BrokerHandle): Promise<Connection> {
  const plain = b.addresses.find((a) => a.listener === 'PLAINTEXT')!;
  const env = clientEnv({ connector: new TcpTransport(), clock: new SystemClock(), scheduler: new SystemScheduler(), random: systemRandom, logger: NOOP_LOGGER });
  return Connection.open({ host: '127.0.0.1', port: plain.port }, defaultConnectionOptions, env);
}

/** Retries `attempt` while it reports a retriable coordinator error (the partition is created, then loaded); bounded. */
async function untilReady<T>(attempt: () => Promise<T>, errorOf: (r: T) => number): Promise<T> {
  const retriable = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);
  for (let i = 0; i < 200; i++) {
    const r = await attempt();
    if (!retriable.has(errorOf(r))) return r;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the group coordinator did not become ready');
}

function txnCommitBody(producerId: number, producerEpoch: number, offsets: Array<[string, number, number]>): TxnOffsetCommitBody {
  return TxnOffsetCommitRequest.create({
    transactionalId: 'tx',
    groupId: GROUP,
    producerId,
    producerEpoch,
    topics: [...new Set(offsets.map(([t]) => t))].map((name) => ({
      name,
      partitions: offsets.filter(([t]) => t === name).map(([, partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: `m${committedOffset}` })),
    })),
  });
}

async function txnCommit(c: Connection, producerId: number, producerEpoch: number, offsets: Array<[string, number, number]>, version = 3): Promise<number[][]> {
  const r = await c.send(TXN_OFFSET_COMMIT, txnCommitBody(producerId, producerEpoch, offsets), { version });
  return r.topics.map((t) => t.partitions.map((p) => p.errorCode));
}

/** [partition, offset, errorCode] of t-0 and t-1, asked with OffsetFetch v8 (require_stable) or v6 (none). */
async function fetchOffsets(c: Connection, requireStable: boolean): Promise<Array<[number, number, number]>> {
  const topics = [{ name: 't', partitionIndexes: [0, 1] }];
  if (requireStable) {
    const r = await c.send(OFFSET_FETCH, OffsetFetchRequest.create({ groups: [{ groupId: GROUP, memberId: null, memberEpoch: -1, topics }], requireStable: true }), { version: 8 });
    const g = r.groups[0]!;
    assert.equal(g.errorCode, ErrorCode.NONE);
    return g.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode]);
  }
  const r = await c.send(OFFSET_FETCH, OffsetFetchRequest.create({ groupId: GROUP, topics }), { version: 6 });
  assert.equal(r.errorCode, ErrorCode.NONE);
  return r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode]);
}

/** The transaction coordinator's part: a COMMIT/ABORT marker for __consumer_offsets-0 over the wire (WriteTxnMarkers). */
async function writeMarker(c: Connection, producerId: number, producerEpoch: number, committed: boolean): Promise<void> {
  const body = WriteTxnMarkersRequest.create({
    markers: [{ producerId, producerEpoch, transactionResult: committed, coordinatorEpoch: 0, topics: [{ name: OFFSETS_TOPIC, partitionIndexes: [0] }] }],
  });
  const r = await c.send(WRITE_TXN_MARKERS, body, { version: 1 });
  assert.equal(r.markers[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
}

/** A marker appended to the log directly, and reported to the coordinator by hand (the listener's job). */
function appendMarker(b: BrokerHandle, producerId: number, producerEpoch: number, committed: boolean): void {
  const p = b.context.replicaManager.getPartition(OFFSETS_TOPIC, 0)!;
  const type = committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
  p.appendAsLeader(buildControlBatch({ type, producerId, producerEpoch, coordinatorEpoch: 0, timestamp: b.context.clock.nowMs() }), {});
  p.maybeIncrementHighWatermark();
  b.context.groupCoordinator!.onTransactionCompleted(0, producerId, producerEpoch, committed);
}

/** The batches of __consumer_offsets-0: [producerId, isTransactional, isControl, baseSequence]. */
function offsetsTopicBatches(b: BrokerHandle): Array<[number, boolean, boolean, number]> {
  const p = b.context.replicaManager.getPartition(OFFSETS_TOPIC, 0)!;
  const data = p.log.read(p.log.logStartOffset, 1 << 20, p.highWatermark, true);
  if (data.slice === undefined) return [];
  return [...iterateBatches(Log.readSliceSync(data.slice))].map((batch) => [batch.producerId, batch.isTransactional, batch.isControl, batch.baseSequence]);
}

test('TxnOffsetCommit over the wire: pending until the marker, require_stable, markers replayed after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-txnoffsets-'));
  const props = () => singleNodeProperties(dir, { 'offsets.topic.num.partitions': '1' });
  let broker = await startBroker({ properties: props() });
  let c: Connection | undefined;
  try {
    c = await connect(broker);
    const created = await c.send(Apis.CreateTopics, { topics: [{ name: 't', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    await untilReady(
      () => c!.send(FIND_COORDINATOR, FindCoordinatorRequest.create({ key: GROUP, keyType: 0, coordinatorKeys: [GROUP] }), { version: 4 }),
      (r) => r.coordinators[0]!.errorCode,
    );
    const pid = await c.send(Apis.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.equal(pid.errorCode, ErrorCode.NONE);
    const [p1, e1] = [pid.producerId, pid.producerEpoch];

    // Unknown topics and partitions are answered by the handler; the rest are written, pending.
    await untilReady(() => txnCommit(c!, p1, e1, [['t', 0, 42]]), (r) => r[0]![0]!);
    assert.deepEqual(await txnCommit(c, p1, e1, [['t', 1, 7], ['t', 9, 1], ['nope', 0, 1]]), [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    assert.deepEqual(await txnCommit(c, p1, e1, [['t', 0, 43]], 0), [[0]]);
    // Three transactional batches of the producer with consecutive sequences (none taken for a retry).
    assert.deepEqual(offsetsTopicBatches(broker).filter(([id]) => id === p1), [[p1, true, false, 0], [p1, true, false, 1], [p1, true, false, 2]]);
    assert.deepEqual(await fetchOffsets(c, true), [[0, -1, ErrorCode.UNSTABLE_OFFSET_COMMIT], [1, -1, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
    assert.deepEqual(await fetchOffsets(c, false), [[0, -1, 0], [1, -1, 0]]);

    await writeMarker(c, p1, e1, true);
    assert.deepEqual(await fetchOffsets(c, true), [[0, 43, 0], [1, 7, 0]]);

    // A second transaction of the same producer aborts; a third producer's stays undecided.
    assert.deepEqual(await txnCommit(c, p1, e1, [['t', 0, 99]]), [[0]]);
    appendMarker(broker, p1, e1, false);
    const other = await c.send(Apis.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.deepEqual(await txnCommit(c, other.producerId, other.producerEpoch, [['t', 1, 77]]), [[0]]);
    assert.deepEqual(await fetchOffsets(c, true), [[0, 43, 0], [1, -1, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
    assert.deepEqual(await fetchOffsets(c, false), [[0, 43, 0], [1, 7, 0]]);

    c.close();
    c = undefined;
    await broker.close();
    broker = await startBroker({ properties: props() });
    c = await connect(broker);
    const stable = await untilReady(
      async () => {
        const r = await c!.send(OFFSET_FETCH, OffsetFetchRequest.create({ groups: [{ groupId: GROUP, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] }], requireStable: true }), { version: 8 });
        return r.groups[0]!;
      },
      (g) => g.errorCode,
    );
    assert.deepEqual(stable.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode]), [[0, 43, 0], [1, -1, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
    assert.deepEqual(await fetchOffsets(c, false), [[0, 43, 0], [1, 7, 0]]);
    // The undecided transaction commits after the restart.
    await writeMarker(c, other.producerId, other.producerEpoch, true);
    assert.deepEqual(await fetchOffsets(c, true), [[0, 43, 0], [1, 77, 0]]);

    // A new epoch of the producer starts its sequences again; the old epoch is fenced by the log's producer state.
    assert.deepEqual(await txnCommit(c, p1, e1 + 1, [['t', 0, 50]]), [[0]]);
    assert.deepEqual(await txnCommit(c, p1, e1 + 1, [['t', 0, 51]]), [[0]]);
    assert.deepEqual(await txnCommit(c, p1, e1, [['t', 0, 52]]), [[ErrorCode.INVALID_PRODUCER_EPOCH]]);
    await writeMarker(c, p1, e1 + 1, true);
    assert.deepEqual(await fetchOffsets(c, true), [[0, 51, 0], [1, 77, 0]]);
  } finally {
    c?.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
