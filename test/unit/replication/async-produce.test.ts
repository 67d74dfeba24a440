import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import type { FetchParams, FetchPartitionSpec } from '../../../src/replication/index.js';
import { SimDisk } from '../../../src/testkit/index.js';
import { TOPIC_ID, env, image, records } from './helpers.js';

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

/** A replica manager on a disk whose thread-pool writes wait for `releaseAsyncWrites()`. */
function asyncEnv(props: Record<string, string> = {}) {
  const disk = new SimDisk({ asyncWrites: true });
  const e = env(props, disk);
  e.apply(image([{ name: 't', id: TOPIC_ID }]));
  disk.holdAsyncWrites = true;
  return { ...e, disk };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await Promise.resolve();
  assert.ok(cond(), `timed out waiting for ${what}`);
}

function tracked(p: Promise<unknown> | null): { done: boolean } {
  const s = { done: p === null };
  void p?.then(() => (s.done = true));
  return s;
}

describe('ReplicaManager produce with asynchronous segment writes', () => {
  it('answers acks=1 and moves the high watermark only once the write completed', async () => {
    const e = asyncEnv();
    const p = e.rm.getPartition('t', 0)!;
    const out = e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(3) }] });
    assert.deepEqual(out.results.map((r) => [r.errorCode, r.baseOffset]), [[0, 0]], 'offsets assigned at once');
    assert.notEqual(out.done, null);
    const answered = tracked(out.done);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    assert.equal(answered.done, false, 'not before the write');
    assert.equal(p.highWatermark, 0);
    const [empty] = await e.rm.fetchMessages(consumer(), [spec()]);
    assert.equal(empty!.records.length, 0, 'consumers see nothing unwritten');
    e.disk.releaseAsyncWrites();
    await until(() => answered.done, 'the answer');
    assert.equal(p.highWatermark, 3);
    const [r] = await e.rm.fetchMessages(consumer(), [spec()]);
    assert.equal(r!.records.length, records(3).length);
  });

  it('keeps pipelined requests in order and answers each after its own write', async () => {
    const e = asyncEnv();
    const outs = [1, 2, 3].map((n) => e.rm.appendRecords({ acks: -1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(n) }] }));
    assert.deepEqual(outs.map((o) => o.results[0]!.baseOffset), [0, 1, 3]);
    const states = outs.map((o) => tracked(o.done));
    e.disk.releaseAsyncWrites();
    await until(() => states[0]!.done, 'the first answer');
    assert.equal(states[1]!.done || states[2]!.done, false, 'the grouped write of the others is still running');
    e.disk.releaseAsyncWrites();
    await until(() => states.every((s) => s.done), 'every answer');
    assert.equal(e.rm.getPartition('t', 0)!.highWatermark, 6);
    assert.ok(outs.every((o) => o.results[0]!.errorCode === ErrorCode.NONE));
  });

  it('wakes a long-polling fetch when the write completes; acks=0 moves the high watermark too', async () => {
    const e = asyncEnv();
    let answered = false;
    const waiting = e.rm.fetchMessages(consumer({ maxWaitMs: 500 }), [spec()]).then((r) => ((answered = true), r));
    const out = e.rm.appendRecords({ acks: 0, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    assert.equal(out.done, null);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    assert.equal(answered, false, 'nothing readable yet');
    e.disk.releaseAsyncWrites();
    const [r] = await waiting;
    assert.equal(r!.highWatermark, 2);
    assert.equal(r!.records.length, records(2).length);
  });

  it('answers KAFKA_STORAGE_ERROR when the write fails, and the partition goes offline', async () => {
    const e = asyncEnv();
    const out = e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    e.disk.failAsyncWrites('EIO');
    await out.done;
    assert.equal(out.results[0]!.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(e.rm.getPartition('t', 0)!.highWatermark, 0, 'nothing unwritten was exposed');
    const next = e.rm.appendRecords({ acks: 1, timeoutMs: 1000, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(1) }] });
    assert.notEqual(next.results[0]!.errorCode, ErrorCode.NONE);
  });

  it('with flush.messages=1 answers after the write and its fdatasync', async () => {
    const e = asyncEnv({ 'log.flush.interval.messages': '1' });
    const log = e.rm.getPartition('t', 0)!.log;
    const out = e.rm.appendRecords({ acks: 1, timeoutMs: 0, apiVersion: 9, entries: [{ topic: 't', partition: 0, records: records(2) }] });
    const answered = tracked(out.done);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    assert.equal(answered.done, false);
    assert.equal(log.recoveryPoint, 0);
    e.disk.releaseAsyncWrites();
    await until(() => answered.done, 'the answer');
    assert.equal(log.recoveryPoint, 2, 'answered only once durable');
    assert.equal(out.results[0]!.errorCode, ErrorCode.NONE);
  });
});
