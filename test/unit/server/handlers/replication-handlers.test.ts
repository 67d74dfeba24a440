import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import {
  DeleteRecordsRequest,
  DescribeLogDirsRequest,
  FetchRequest,
  ListOffsetsRequest,
  OffsetForLeaderEpochRequest,
  ProduceRequest,
  RecordBatch,
  ZERO_UUID,
} from '../../../../src/protocol/index.js';
import type { FetchRequestFetchPartition, FetchResponse, ProduceResponse } from '../../../../src/protocol/index.js';
import { CLOSE_CONNECTION, NO_RESPONSE } from '../../../../src/server/handler.js';
import { createDeleteRecordsHandler } from '../../../../src/server/handlers/delete-records.js';
import { createDescribeLogDirsHandler } from '../../../../src/server/handlers/describe-log-dirs.js';
import { createFetchHandler } from '../../../../src/server/handlers/fetch.js';
import { createListOffsetsHandler } from '../../../../src/server/handlers/list-offsets.js';
import { createOffsetForLeaderEpochHandler } from '../../../../src/server/handlers/offset-for-leader-epoch.js';
import { createProduceHandler } from '../../../../src/server/handlers/produce.js';
import { NODE, TOPIC_ID, TOPIC_ID_2, call, env, image, records } from '../../replication/helpers.js';
import type { Env } from '../../replication/helpers.js';

function produceRequest(topic: string, partition: number, batch: Buffer | null, acks = -1) {
  return ProduceRequest.create({ acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] });
}

async function produce(e: Env, version: number, topic: string, partition: number, batch: Buffer | null, acks = -1) {
  return (await call(createProduceHandler(e.broker), version, produceRequest(topic, partition, batch, acks))) as ProduceResponse | symbol;
}

function partitionOf(r: ProduceResponse | symbol) {
  assert.equal(typeof r, 'object');
  return (r as ProduceResponse).responses[0]!.partitionResponses[0]!;
}

const fetchPartition = (p: Partial<FetchRequestFetchPartition> = {}): FetchRequestFetchPartition => ({
  partition: 0,
  currentLeaderEpoch: -1,
  fetchOffset: 0,
  lastFetchedEpoch: -1,
  logStartOffset: -1,
  partitionMaxBytes: 1 << 20,
  replicaDirectoryId: ZERO_UUID,
  ...p,
});

describe('Produce handler', () => {
  it('appends at v3, v9 and v11 and reports offsets', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    let expected = 0;
    for (const v of [3, 9, 11]) {
      const p = partitionOf(await produce(e, v, 't', 0, records(2)));
      assert.equal(p.errorCode, ErrorCode.NONE);
      assert.equal(p.baseOffset, expected);
      assert.equal(p.logAppendTimeMs, -1);
      assert.equal(p.logStartOffset, v >= 5 ? 0 : -1);
      expected += 2;
    }
  });

  it('acks=0: no response, and a failure closes the connection', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    assert.equal(await produce(e, 9, 't', 0, records(1), 0), NO_RESPONSE);
    assert.equal(await produce(e, 9, 'missing', 0, records(1), 0), CLOSE_CONNECTION);
    assert.equal(createProduceHandler(e.broker).expectsResponse?.(produceRequest('t', 0, null, 0), 9), false);
  });

  it('stamps LogAppendTime and the stored batch carries it', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }], { t: { 'message.timestamp.type': 'LogAppendTime' } }));
    const p = partitionOf(await produce(e, 9, 't', 0, records(2, { ts: 5 })));
    assert.equal(p.logAppendTimeMs, e.clock.nowMs());
    const [r] = await e.rm.fetchMessages({ replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, apiVersion: 12 }, [
      { topic: 't', topicId: TOPIC_ID, partition: 0, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 },
    ]);
    const b = new RecordBatch(r!.records);
    assert.equal(b.timestampType, 1);
    assert.equal(b.maxTimestamp, e.clock.nowMs());
    assert.ok(b.verifyCrc());
  });

  it('answers record errors with their batch index and message (v8+), and old formats by content', async () => {
    const e = env();
    e.apply(image([{ name: 'c', id: TOPIC_ID }], { c: { 'cleanup.policy': 'compact' } }));
    const p = partitionOf(await produce(e, 9, 'c', 0, records(3, { key: (i) => (i === 2 ? null : 'k') })));
    assert.equal(p.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(p.recordErrors.map((r) => r.batchIndex), [2]);
    assert.match(p.recordErrors[0]!.batchIndexErrorMessage ?? '', /without a key/);
    assert.match(p.errorMessage ?? '', /1 record errors/);
    const v1 = Buffer.from(records(1));
    v1.writeInt8(1, 16);
    assert.equal(partitionOf(await produce(e, 2, 'c', 0, v1)).errorCode, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
  });

  it('NOT_LEADER_OR_FOLLOWER names the new leader and its endpoint from v10', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leader: 2, leaderEpoch: 4, replicas: [2, NODE] }]));
    const r = (await produce(e, 10, 't', 0, records(1))) as ProduceResponse;
    const p = partitionOf(r);
    assert.equal(p.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(p.currentLeader, { leaderId: 2, leaderEpoch: 4 });
    assert.deepEqual(r.nodeEndpoints.map((n) => [n.nodeId, n.host, n.port]), [[2, 'localhost', 9093]]);
  });
});

describe('Fetch handler', () => {
  it('serves kafkajs-style v4, v11 by name and v13+ by topic id, UNKNOWN_TOPIC_ID for unknown ids', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    await produce(e, 9, 't', 0, records(3));
    const h = createFetchHandler(e.broker);
    for (const v of [4, 11]) {
      const r = (await call(h, v, FetchRequest.create({ maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 't', topicId: ZERO_UUID, partitions: [fetchPartition()] }] }))) as FetchResponse;
      const p = r.responses[0]!.partitions[0]!;
      assert.equal(r.responses[0]!.topic, 't');
      assert.equal(p.highWatermark, 3);
      assert.equal(new RecordBatch(p.records!).recordCount, 3);
    }
    const r = (await call(
      h,
      13,
      FetchRequest.create({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: '', topicId: TOPIC_ID, partitions: [fetchPartition()] }, { topic: '', topicId: TOPIC_ID_2, partitions: [fetchPartition()] }],
      }),
    )) as FetchResponse;
    assert.deepEqual(r.responses.map((t) => [t.topicId, t.partitions[0]!.errorCode]), [[TOPIC_ID, 0], [TOPIC_ID_2, ErrorCode.UNKNOWN_TOPIC_ID]]);
  });

  it('runs an incremental fetch session: only partitions with news come back', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, partitions: 2 }]));
    await produce(e, 9, 't', 0, records(3));
    const h = createFetchHandler(e.broker);
    const base = { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20 };
    const first = (await call(h, 12, FetchRequest.create({ ...base, sessionId: 0, sessionEpoch: 0, topics: [{ topic: 't', topicId: ZERO_UUID, partitions: [fetchPartition(), fetchPartition({ partition: 1 })] }] }))) as FetchResponse;
    assert.ok(first.sessionId > 0);
    assert.equal(first.responses[0]!.partitions.length, 2);
    const second = (await call(h, 12, FetchRequest.create({ ...base, sessionId: first.sessionId, sessionEpoch: 1, topics: [{ topic: 't', topicId: ZERO_UUID, partitions: [fetchPartition({ fetchOffset: 3 })] }] }))) as FetchResponse;
    assert.equal(second.sessionId, first.sessionId);
    assert.deepEqual(second.responses, [], 'nothing new anywhere');
    await produce(e, 9, 't', 1, records(1));
    const third = (await call(h, 12, FetchRequest.create({ ...base, sessionId: first.sessionId, sessionEpoch: 2, topics: [] }))) as FetchResponse;
    assert.deepEqual(third.responses.map((t) => t.partitions.map((p) => [p.partitionIndex, p.highWatermark])), [[[1, 1]]]);
    const lost = (await call(h, 12, FetchRequest.create({ ...base, sessionId: first.sessionId + 1, sessionEpoch: 1, topics: [] }))) as FetchResponse;
    assert.equal(lost.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    const stale = (await call(h, 12, FetchRequest.create({ ...base, sessionId: first.sessionId, sessionEpoch: 2, topics: [] }))) as FetchResponse;
    assert.equal(stale.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  });

  it('long-polls with min bytes and answers when a produce arrives', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    const h = createFetchHandler(e.broker);
    const pending = call(h, 16, FetchRequest.create({ maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: '', topicId: TOPIC_ID, partitions: [fetchPartition()] }] }));
    await produce(e, 11, 't', 0, records(2));
    const r = (await pending) as FetchResponse;
    assert.equal(new RecordBatch(r.responses[0]!.partitions[0]!.records!).recordCount, 2);
  });

  it('v16+: a fetch from a non-leader carries the leader hint and its endpoint', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leader: 3, leaderEpoch: 2, replicas: [3, NODE] }]));
    const r = (await call(createFetchHandler(e.broker), 17, FetchRequest.create({ maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: '', topicId: TOPIC_ID, partitions: [fetchPartition()] }] }))) as FetchResponse;
    const p = r.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(p.currentLeader, { leaderId: 3, leaderEpoch: 2 });
    assert.deepEqual(r.nodeEndpoints.map((n) => n.nodeId), [3]);
  });
});

describe('ListOffsets, OffsetForLeaderEpoch, DeleteRecords, DescribeLogDirs handlers', () => {
  it('ListOffsets v0, v1, v9 and duplicates', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 1 }]));
    await produce(e, 9, 't', 0, records(4, { ts: 1000 }));
    const h = createListOffsetsHandler(e.broker);
    const req = (timestamp: number, n = 1) => ListOffsetsRequest.create({ replicaId: -1, topics: [{ name: 't', partitions: Array.from({ length: n }, () => ({ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 3 })) }] });
    const v0 = (await call(h, 0, req(-1))) as { topics: Array<{ partitions: Array<{ oldStyleOffsets: number[] }> }> };
    assert.deepEqual(v0.topics[0]!.partitions[0]!.oldStyleOffsets, [4, 0]);
    const v1 = (await call(h, 1, req(1002))) as { topics: Array<{ partitions: Array<{ offset: number; timestamp: number }> }> };
    assert.deepEqual([v1.topics[0]!.partitions[0]!.offset, v1.topics[0]!.partitions[0]!.timestamp], [2, 1002]);
    const v9 = (await call(h, 9, req(-1))) as { topics: Array<{ partitions: Array<{ offset: number; leaderEpoch: number }> }> };
    assert.deepEqual([v9.topics[0]!.partitions[0]!.offset, v9.topics[0]!.partitions[0]!.leaderEpoch], [4, 1]);
    const dup = (await call(h, 5, req(-1, 2))) as { topics: Array<{ partitions: Array<{ errorCode: number }> }> };
    assert.deepEqual(dup.topics[0]!.partitions.map((p) => p.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });

  it('OffsetForLeaderEpoch v0 and v4', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 2 }]));
    await produce(e, 9, 't', 0, records(4));
    const h = createOffsetForLeaderEpochHandler(e.broker);
    for (const v of [0, 4]) {
      const r = (await call(h, v, OffsetForLeaderEpochRequest.create({ replicaId: -1, topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 2, leaderEpoch: 2 }] }] }))) as {
        topics: Array<{ partitions: Array<{ errorCode: number; leaderEpoch: number; endOffset: number }> }>;
      };
      const p = r.topics[0]!.partitions[0]!;
      assert.deepEqual([p.errorCode, p.endOffset, p.leaderEpoch], [0, 4, v >= 1 ? 2 : -1]);
    }
  });

  it('DeleteRecords v0 and v2', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    await produce(e, 9, 't', 0, records(4));
    const h = createDeleteRecordsHandler(e.broker);
    const r0 = (await call(h, 0, DeleteRecordsRequest.create({ timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 2 }] }] }))) as {
      topics: Array<{ partitions: Array<{ errorCode: number; lowWatermark: number }> }>;
    };
    assert.deepEqual(r0.topics[0]!.partitions[0], { partitionIndex: 0, lowWatermark: 2, errorCode: 0 });
    const r2 = (await call(h, 2, DeleteRecordsRequest.create({ timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 10 }] }] }))) as {
      topics: Array<{ partitions: Array<{ errorCode: number }> }>;
    };
    assert.equal(r2.topics[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('DescribeLogDirs v0 and v4', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    await produce(e, 9, 't', 0, records(4));
    const h = createDescribeLogDirsHandler(e.broker);
    for (const v of [0, 4]) {
      const r = (await call(h, v, DescribeLogDirsRequest.create({ topics: null }))) as {
        results: Array<{ logDir: string; totalBytes: number; topics: Array<{ name: string; partitions: Array<{ partitionSize: number }> }> }>;
      };
      assert.deepEqual(r.results.map((d) => d.logDir), ['/d1', '/d2']);
      assert.deepEqual(r.results.map((d) => d.totalBytes), v >= 4 ? [1000, -1] : [-1, -1]);
      const parts = r.results.flatMap((d) => d.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionSize])));
      assert.deepEqual(parts, [['t', records(4).length]]);
    }
  });
});
