import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { TopicConfig } from '../../../src/config/index.js';
import { RecordBatch } from '../../../src/protocol/index.js';
import { partitionConfigOf } from '../../../src/replication/index.js';
import type { FetchParams, FetchPartitionSpec } from '../../../src/replication/index.js';
import { NEVER } from '../../../src/storage/index.js';
import { EMPTY_IMAGE, NODE, TOPIC_ID, TOPIC_ID_2, brokerConfig, env, image, records } from './helpers.js';

const consumer = (p: Partial<FetchParams> = {}): FetchParams => ({
  replicaId: -1,
  maxWaitMs: 0,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  apiVersion: 12,
  ...p,
});

const spec = (p: Partial<FetchPartitionSpec> = {}): FetchPartitionSpec => ({
  topic: 't',
  topicId: TOPIC_ID,
  partition: 0,
  fetchOffset: 0,
  logStartOffset: -1,
  partitionMaxBytes: 1 << 20,
  currentLeaderEpoch: -1,
  lastFetchedEpoch: -1,
  ...p,
});

describe('partitionConfigOf', () => {
  it('maps topic overrides and broker synonyms onto storage and produce settings', () => {
    const broker = brokerConfig({ 'log.segment.bytes': '4096', 'log.retention.hours': '1' });
    const c = partitionConfigOf(
      new TopicConfig(broker, new Map([['cleanup.policy', 'compact,delete'], ['flush.messages', '1'], ['message.timestamp.type', 'LogAppendTime'], ['message.timestamp.difference.max.ms', '5000'], ['message.timestamp.after.max.ms', '100']])),
    );
    assert.equal(c.log.segmentBytes, 4096);
    assert.equal(c.log.retentionMs, 3_600_000);
    assert.equal(c.log.cleanupPolicy, 'compact,delete');
    assert.equal(c.log.flushMessages, 1);
    assert.equal(c.log.flushMs, NEVER);
    assert.equal(c.log.messageTimestampType, 'LogAppendTime');
    assert.equal(c.timestampBeforeMaxMs, 5000, 'difference.max.ms stands in for an unset before.max.ms');
    assert.equal(c.timestampAfterMaxMs, 100);
    assert.equal(c.minInsyncReplicas, 1);
    const d = partitionConfigOf(new TopicConfig(broker, new Map([['retention.ms', '-1'], ['cleanup.policy', 'compact']])));
    assert.equal(d.log.retentionMs, -1);
    assert.equal(d.log.cleanupPolicy, 'compact');
    assert.equal(d.timestampBeforeMaxMs, NEVER);
  });
});

describe('ReplicaManager.applyMetadata', () => {
  it('creates logs for led partitions with the topic id, leads at the image epoch, follows otherwise', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, partitions: 2, leaderEpoch: 3 }, { name: 'f', id: TOPIC_ID_2, leader: 2, replicas: [2, NODE] }]));
    const p = e.rm.getPartition('t', 1)!;
    assert.equal(p.isLeader, true);
    assert.equal(p.leaderEpoch, 3);
    assert.equal(p.log.topicId, TOPIC_ID);
    assert.deepEqual(p.log.leaderEpochCache.all(), [{ epoch: 3, startOffset: 0 }]);
    const f = e.rm.getPartition('f', 0)!;
    assert.equal(f.isLeader, false);
    assert.ok(e.logManager.getLog({ topic: 'f', partition: 0 }), 'followers keep a log too');
    const out = e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 'f', partition: 0, records: records(1) }] });
    assert.equal(out.results[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('deletes the logs of deleted topics and recreates a topic of the same name afresh', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3) }] });
    assert.equal(e.rm.getPartition('t', 0)!.log.logEndOffset, 3);
    e.apply(image([{ name: 't', id: TOPIC_ID_2 }], {}, 2));
    const p = e.rm.getPartition('t', 0)!;
    assert.equal(p.topicId, TOPIC_ID_2);
    assert.equal(p.log.logEndOffset, 0);
    e.apply(EMPTY_IMAGE);
    assert.equal(e.rm.getPartition('t', 0), undefined);
    assert.equal(e.logManager.getLog({ topic: 't', partition: 0 }), undefined);
    const out = e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(1) }] });
    assert.equal(out.results[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('applies topic config changes to the log', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    const log = e.rm.getPartition('t', 0)!.log;
    assert.equal(log.config.segmentBytes, 1024 * 1024 * 1024);
    e.apply(image([{ name: 't', id: TOPIC_ID }], { t: { 'segment.bytes': '100000', 'retention.ms': '1000' } }, 2));
    assert.equal(log.config.segmentBytes, 100000);
    assert.equal(log.config.retentionMs, 1000);
    assert.equal(e.rm.logConfigFor('t')?.segmentBytes, 100000);
  });
});

describe('ReplicaManager produce', () => {
  it('appends, moves the HW to the log end with a single-replica ISR, and answers at once', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    const out = e.rm.appendRecords({ acks: -1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3) }, { topic: 't', partition: 0, records: records(2) }] });
    assert.equal(out.done, null);
    assert.deepEqual(out.results.map((r) => [r.errorCode, r.baseOffset]), [[0, 0], [0, 3]]);
    assert.equal(e.rm.getPartition('t', 0)!.highWatermark, 5);
  });

  it('rejects bad acks, unknown partitions and too small an ISR', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }], { t: { 'min.insync.replicas': '2' } }));
    const bad = e.rm.appendRecords({ acks: 2, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(1) }] });
    assert.equal(bad.results[0]!.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
    const out = e.rm.appendRecords({
      acks: -1,
      timeoutMs: 1000,
      apiVersion: 9,
      entries: [{ topic: 't', partition: 0, records: records(1) }, { topic: 't', partition: 7, records: records(1) }, { topic: 'nope', partition: 0, records: records(1) }],
    });
    assert.deepEqual(out.results.map((r) => r.errorCode), [ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const one = e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(1) }] });
    assert.equal(one.results[0]!.errorCode, ErrorCode.NONE, 'min.insync.replicas only binds acks=-1');
  });

  it('with flush.messages=1 answers acks=-1 after the fdatasync, not before', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }], { t: { 'flush.messages': '1' } }));
    const log = e.rm.getPartition('t', 0)!.log;
    const out = e.rm.appendRecords({ acks: -1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    assert.notEqual(out.done, null);
    assert.ok(log.recoveryPoint < 2);
    await out.done;
    assert.equal(log.recoveryPoint, 2, 'answered only once durable');
    assert.equal(out.results[0]!.errorCode, ErrorCode.NONE, 'durability is part of the append, not bounded by timeout_ms');
  });

  it('acks=-1 with a follower in the ISR waits for its fetch, and times out without it', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, replicas: [NODE, 2], isr: [NODE, 2] }]));
    const p = e.rm.getPartition('t', 0)!;
    const first = e.rm.appendRecords({ acks: -1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    assert.notEqual(first.done, null);
    assert.equal(p.highWatermark, 0);
    // The follower fetches from offset 2: it has everything, the HW moves and the produce completes.
    const fetched = await e.rm.fetchMessages(consumer({ replicaId: 2 }), [spec({ fetchOffset: 2 })]);
    assert.equal(fetched[0]!.highWatermark, 2);
    await first.done;
    assert.equal(first.results[0]!.errorCode, ErrorCode.NONE);
    const second = e.rm.appendRecords({ acks: -1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(1) }] });
    e.scheduler.advance(999);
    assert.equal(e.rm.purgatory.size, 1);
    e.scheduler.advance(1);
    await second.done;
    assert.equal(second.results[0]!.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    assert.equal(e.rm.purgatory.size, 0);
  });

  it('a waiting acks=-1 produce is answered NOT_LEADER_OR_FOLLOWER when leadership moves', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, replicas: [NODE, 2], isr: [NODE, 2] }]));
    const out = e.rm.appendRecords({ acks: -1, timeoutMs: 30_000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(1) }] });
    e.apply(image([{ name: 't', id: TOPIC_ID, replicas: [NODE, 2], isr: [NODE, 2], leader: 2, leaderEpoch: 1 }], {}, 2));
    await out.done;
    assert.equal(out.results[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});

describe('ReplicaManager fetch', () => {
  it('returns whole batches up to the HW, the whole batch for an offset inside it, and offsets out of range', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3) }] });
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    const [r] = await e.rm.fetchMessages(consumer(), [spec({ fetchOffset: 1 })]);
    assert.equal(r!.errorCode, ErrorCode.NONE);
    assert.equal(r!.highWatermark, 5);
    assert.equal(r!.lastStableOffset, 5);
    assert.equal(r!.logStartOffset, 0);
    assert.equal(r!.abortedTransactions, null);
    const batch = new RecordBatch(r!.records);
    assert.equal(batch.baseOffset, 0, 'the batch holding offset 1 is returned whole');
    assert.equal(r!.records.length, records(3).length + records(2).length);
    const [oor] = await e.rm.fetchMessages(consumer(), [spec({ fetchOffset: 6 })]);
    assert.equal(oor!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(oor!.highWatermark, -1);
    const [committed] = await e.rm.fetchMessages(consumer({ isolationLevel: 1 }), [spec()]);
    assert.deepEqual(committed!.abortedTransactions, []);
  });

  it('bounds the response by max bytes, but returns at least one batch for the first partition', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, partitions: 2 }]));
    for (const partition of [0, 1]) {
      for (let i = 0; i < 3; i++) e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition, records: records(5) }] });
    }
    const size = records(5).length;
    const rs = await e.rm.fetchMessages(consumer({ maxBytes: 10 }), [spec(), spec({ partition: 1 })]);
    assert.deepEqual(rs.map((r) => r.records.length), [size, 0]);
    const rs2 = await e.rm.fetchMessages(consumer({ maxBytes: size * 2 + 1 }), [spec({ partitionMaxBytes: size }), spec({ partition: 1 })]);
    assert.deepEqual(rs2.map((r) => r.records.length), [size, size]);
  });

  it('long-polls until enough bytes arrive, or answers empty at max wait', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }]));
    let answered = false;
    const waiting = e.rm.fetchMessages(consumer({ maxWaitMs: 500 }), [spec()]).then((r) => ((answered = true), r));
    await Promise.resolve();
    assert.equal(answered, false);
    assert.equal(e.rm.purgatory.size, 1);
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    const [r] = await waiting;
    assert.equal(new RecordBatch(r!.records).recordCount, 2);
    const empty = e.rm.fetchMessages(consumer({ maxWaitMs: 500 }), [spec({ fetchOffset: 2 })]);
    e.scheduler.advance(500);
    const [r2] = await empty;
    assert.equal(r2!.records.length, 0);
    assert.equal(r2!.highWatermark, 2);
    assert.equal(e.rm.purgatory.size, 0);
  });

  it('fences stale and unknown leader epochs and reports a diverging epoch', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 1 }]));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3) }] });
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 4 }], {}, 2));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    const rs = await e.rm.fetchMessages(consumer(), [spec({ currentLeaderEpoch: 3 }), spec({ currentLeaderEpoch: 5 }), spec({ currentLeaderEpoch: 4, fetchOffset: 4, lastFetchedEpoch: 2 })]);
    assert.equal(rs[0]!.errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(rs[1]!.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal(rs[2]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(rs[2]!.divergingEpoch, { epoch: 1, endOffset: 3 });
    assert.equal(rs[2]!.records.length, 0);
  });
});

describe('ReplicaManager offsets and log dirs', () => {
  it('lists offsets: earliest, latest, by timestamp, max timestamp, v0 old style', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 2 }]));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3, { ts: 1000 }) }] });
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3, { ts: 2000 }) }] });
    const q = { topic: 't', partition: 0, currentLeaderEpoch: -1, isolationLevel: 0, replicaId: -1, apiVersion: 9, maxNumOffsets: 1 };
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: -2 })), [0, -1, 0, 2]);
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: -1 })), [0, -1, 6, 2]);
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: 1001 })), [0, 1001, 1, 2]);
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: 1500 })), [0, 2000, 3, 2]);
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: 9999 })), [0, -1, -1, -1]);
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: -3 })), [0, 2002, 5, 2]);
    assert.deepEqual(pick(e.rm.listOffset({ ...q, timestamp: -5 })), [0, -1, -1, -1]);
    assert.deepEqual(e.rm.listOffset({ ...q, apiVersion: 0, timestamp: -1, maxNumOffsets: 5 }).oldStyleOffsets, [6, 0]);
    assert.deepEqual(e.rm.listOffset({ ...q, apiVersion: 0, timestamp: -2, maxNumOffsets: 5 }).oldStyleOffsets, [0]);
    assert.equal(e.rm.listOffset({ ...q, timestamp: -1, currentLeaderEpoch: 1 }).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  });

  it('answers OffsetForLeaderEpoch as Kafka: next epoch start, log end for the latest, unknown newer epochs', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 1 }]));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3) }] });
    e.apply(image([{ name: 't', id: TOPIC_ID, leaderEpoch: 3 }], {}, 2));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    const at = (epoch: number) => e.rm.lastOffsetForLeaderEpoch('t', 0, -1, epoch, -1);
    assert.deepEqual(at(1), { errorCode: 0, leaderEpoch: 1, endOffset: 3 });
    assert.deepEqual(at(2), { errorCode: 0, leaderEpoch: 1, endOffset: 3 });
    assert.deepEqual(at(3), { errorCode: 0, leaderEpoch: 3, endOffset: 5 });
    assert.deepEqual(at(0), { errorCode: 0, leaderEpoch: 0, endOffset: 0 });
    assert.deepEqual(at(9), { errorCode: 0, leaderEpoch: -1, endOffset: -1 });
    assert.equal(e.rm.lastOffsetForLeaderEpoch('t', 0, 2, 1, -1).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(e.rm.lastOffsetForLeaderEpoch('x', 0, -1, 1, -1).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('deletes records up to the HW, refuses beyond it and on compact-only topics', async () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID }, { name: 'c', id: TOPIC_ID_2 }], { c: { 'cleanup.policy': 'compact' } }));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(5) }] });
    assert.deepEqual(e.rm.deleteRecords('t', 0, 9), { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 });
    assert.deepEqual(e.rm.deleteRecords('t', 0, 3), { errorCode: 0, lowWatermark: 3 });
    assert.deepEqual(e.rm.deleteRecords('t', 0, -1), { errorCode: 0, lowWatermark: 5 });
    assert.equal(e.rm.deleteRecords('c', 0, 0).errorCode, ErrorCode.POLICY_VIOLATION);
    const [r] = await e.rm.fetchMessages(consumer(), [spec({ fetchOffset: 0 })]);
    assert.equal(r!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('describes every log dir with its partitions, sizes and capacity', () => {
    const e = env();
    e.apply(image([{ name: 't', id: TOPIC_ID, partitions: 2 }]));
    e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(5) }] });
    const dirs = e.rm.describeLogDirs(null);
    assert.deepEqual(dirs.map((d) => [d.logDir, d.errorCode, d.totalBytes, d.usableBytes]), [['/d1', 0, 1000, 400], ['/d2', 0, -1, -1]]);
    const all = dirs.flatMap((d) => [...d.topics].flatMap(([t, ps]) => ps.map((p) => [t, p.partition, p.size, p.offsetLag])));
    assert.deepEqual(all.sort(), [['t', 0, records(5).length, 0], ['t', 1, 0, 0]].sort());
    const only = e.rm.describeLogDirs(new Map([['t', new Set([1])]]));
    assert.deepEqual(only.flatMap((d) => [...d.topics.values()].flat().map((p) => p.partition)), [1]);
  });
});

function pick(r: { errorCode: number; timestamp: number; offset: number; leaderEpoch: number }): number[] {
  return [r.errorCode, r.timestamp, r.offset, r.leaderEpoch];
}
