import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { FETCH_SESSION_EVICTION_MS, FetchSessionCache } from '../../../src/replication/index.js';
import type { FetchContext, FetchedFacts, FetchPartitionSpec, FetchReadContext } from '../../../src/replication/index.js';

const p = (partition: number, fetchOffset = 0, topic = 't'): FetchPartitionSpec => ({
  topic,
  topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
  partition,
  fetchOffset,
  logStartOffset: -1,
  partitionMaxBytes: 1000,
  currentLeaderEpoch: -1,
  lastFetchedEpoch: -1,
});

const facts = (hw: number, recordsBytes = 0, errorCode = 0): FetchedFacts => ({ errorCode, highWatermark: hw, lastStableOffset: hw, logStartOffset: 0, records: { length: recordsBytes }, divergingEpoch: null });

/** Whether each partition is listed, asked in order as the fetch handler does. */
const select = (c: FetchReadContext, all: FetchedFacts[]): boolean[] => all.map((f, i) => c.listed(i, f));

function ok(c: FetchContext): Exclude<FetchContext, { kind: 'error' }> {
  assert.notEqual(c.kind, 'error');
  return c as Exclude<FetchContext, { kind: 'error' }>;
}

describe('FetchSessionCache', () => {
  it('opens a session on epoch 0, then answers incremental fetches with changed partitions only', () => {
    let now = 0;
    const cache = new FetchSessionCache(() => 10, () => now);
    const full = ok(cache.newContext({ sessionId: 0, sessionEpoch: 0, usesTopicIds: false, partitions: [p(0), p(1)], forgotten: [] }));
    assert.equal(full.kind, 'full');
    assert.ok(full.sessionId > 0);
    assert.deepEqual(select(full, [facts(5, 100), facts(0)]), [true, true]);
    // Epoch 1: nothing changed for partition 1, partition 0 fetches on from 5.
    const inc = ok(cache.newContext({ sessionId: full.sessionId, sessionEpoch: 1, usesTopicIds: false, partitions: [p(0, 5)], forgotten: [] }));
    assert.equal(inc.kind, 'incremental');
    assert.deepEqual(inc.partitions.map((x) => [x.partition, x.fetchOffset]), [[0, 5], [1, 0]]);
    assert.deepEqual(select(inc, [facts(5), facts(0)]), [false, false]);
    const inc2 = ok(cache.newContext({ sessionId: full.sessionId, sessionEpoch: 2, usesTopicIds: false, partitions: [p(2)], forgotten: [{ topic: 't', topicId: '', partition: 0 }] }));
    assert.deepEqual(inc2.partitions.map((x) => x.partition), [1, 2]);
    assert.deepEqual(select(inc2, [facts(3), facts(0, 0, ErrorCode.NOT_LEADER_OR_FOLLOWER)]), [true, true]);
  });

  it('rejects unknown sessions, wrong epochs and a switch between names and topic ids', () => {
    const cache = new FetchSessionCache(() => 10, () => 0);
    const full = ok(cache.newContext({ sessionId: 0, sessionEpoch: 0, usesTopicIds: false, partitions: [p(0)], forgotten: [] }));
    assert.deepEqual(cache.newContext({ sessionId: 12345, sessionEpoch: 1, usesTopicIds: false, partitions: [], forgotten: [] }), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    assert.deepEqual(cache.newContext({ sessionId: full.sessionId, sessionEpoch: 7, usesTopicIds: false, partitions: [], forgotten: [] }), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
    assert.deepEqual(cache.newContext({ sessionId: full.sessionId, sessionEpoch: 1, usesTopicIds: true, partitions: [], forgotten: [] }), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR });
    // Epoch -1 closes the session and fetches without one.
    const closing = ok(cache.newContext({ sessionId: full.sessionId, sessionEpoch: -1, usesTopicIds: false, partitions: [p(0)], forgotten: [] }));
    assert.equal(closing.sessionId, 0);
    assert.equal(cache.size, 0);
  });

  it('is bounded by its slots and evicts only sessions idle long enough', () => {
    let now = 0;
    const cache = new FetchSessionCache(() => 1, () => now);
    const a = ok(cache.newContext({ sessionId: 0, sessionEpoch: 0, usesTopicIds: false, partitions: [p(0)], forgotten: [] }));
    const b = ok(cache.newContext({ sessionId: 0, sessionEpoch: 0, usesTopicIds: false, partitions: [p(0)], forgotten: [] }));
    assert.ok(a.sessionId > 0);
    assert.equal(b.sessionId, 0, 'no free slot: a sessionless full fetch');
    now += FETCH_SESSION_EVICTION_MS;
    const c = ok(cache.newContext({ sessionId: 0, sessionEpoch: 0, usesTopicIds: false, partitions: [p(0)], forgotten: [] }));
    assert.ok(c.sessionId > 0 && c.sessionId !== a.sessionId);
    assert.equal(cache.size, 1);
    const none = new FetchSessionCache(() => 0, () => now);
    assert.equal(ok(none.newContext({ sessionId: 0, sessionEpoch: 0, usesTopicIds: false, partitions: [p(0)], forgotten: [] })).sessionId, 0);
  });
});
