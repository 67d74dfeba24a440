/** Transactional offset commits: pending until the marker, require_stable, ordering against regular commits, replay, deletion and expiry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { decodeRecord } from '../../../src/coordinator/index.js';
import type { OffsetCommitRequest, TxnOffsetCommitRequest } from '../../../src/protocol/index.js';
import { Harness, Tracked, flush, joinDynamic, subscription, sync } from './harness.js';

const PID = 1000;
const EPOCH = 3;

type Offsets = Array<[string, number, number]>;

function txnReq(offsets: Offsets, init: Partial<TxnOffsetCommitRequest> = {}): TxnOffsetCommitRequest {
  const topics = new Map<string, TxnOffsetCommitRequest['topics'][number]>();
  for (const [topic, partition, offset] of offsets) {
    let t = topics.get(topic);
    if (t === undefined) topics.set(topic, (t = { name: topic, partitions: [] }));
    t.partitions.push({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 2, committedMetadata: `m${offset}` });
  }
  return {
    transactionalId: 'tx',
    groupId: 'g',
    producerId: PID,
    producerEpoch: EPOCH,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [...topics.values()],
    ...init,
  };
}

async function txnCommit(h: Harness, offsets: Offsets, init: Partial<TxnOffsetCommitRequest> = {}, version = 3): Promise<number[]> {
  const r = new Tracked(h.gc.txnOffsetCommit(txnReq(offsets, init), version));
  await flush();
  return r.get().topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

async function commit(h: Harness, offsets: Offsets, init: Partial<OffsetCommitRequest> = {}): Promise<number[]> {
  const req: OffsetCommitRequest = {
    groupId: 'g',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: offsets.map(([name, partitionIndex, committedOffset]) => ({
      name,
      partitions: [{ partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }],
    })),
    ...init,
  };
  const r = new Tracked(h.gc.commitOffsets(req, 8));
  await flush();
  return r.get().flatMap((t) => t.partitions.map((p) => p.errorCode));
}

/** [topic, partition, offset, errorCode] of t-0..t-1 (or the given topics). */
function fetched(h: Harness, requireStable: boolean, groupId = 'g', topics: Array<{ name: string; partitionIndexes: number[] }> | null = [{ name: 't', partitionIndexes: [0, 1] }]) {
  const r = h.gc.fetchOffsets(groupId, topics, requireStable);
  assert.equal(r.errorCode, ErrorCode.NONE);
  return r.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset, p.errorCode]));
}

const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT;

test('a transactional commit is a transactional append of the producer, pending until its marker commits it', async () => {
  const h = new Harness();
  assert.deepEqual(await commit(h, [['t', 1, 5]]), [0]);
  assert.deepEqual(await txnCommit(h, [['t', 0, 42]]), [0]);
  const w = h.written.at(-1)!;
  assert.deepEqual(w.options, { transactional: { producerId: PID, producerEpoch: EPOCH } });
  const rec = decodeRecord(w.records[0]!.key, w.records[0]!.value);
  assert.ok(rec.type === 'offset' && rec.value !== null);
  assert.deepEqual([rec.key, rec.value.offset, rec.value.leaderEpoch, rec.value.metadata, rec.value.expireTimestamp], [{ group: 'g', topic: 't', partition: 0 }, 42, 2, 'm42', -1]);

  // Pending: invisible; with require_stable only its partition is unstable.
  assert.deepEqual(fetched(h, false), [['t', 0, -1, 0], ['t', 1, 5, 0]]);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, UNSTABLE], ['t', 1, 5, 0]]);
  assert.deepEqual(fetched(h, true, 'g', null), [['t', 1, 5, 0]]);
  assert.deepEqual(fetched(h, true, 'other'), [['t', 0, -1, 0], ['t', 1, -1, 0]]);
  assert.ok(h.gc.partitionFor('g') === 0);

  // Another producer's marker, or another partition's, changes nothing.
  h.gc.onTransactionCompleted(0, PID + 1, 0, true);
  h.gc.onTransactionCompleted(7, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, UNSTABLE], ['t', 1, 5, 0]]);

  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, 42, 0], ['t', 1, 5, 0]]);
  assert.deepEqual(h.gc.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0]!.partitions[0], {
    partitionIndex: 0,
    committedOffset: 42,
    committedLeaderEpoch: 2,
    metadata: 'm42',
    errorCode: 0,
  });
  // A second marker of the same producer is a no-op.
  h.gc.onTransactionCompleted(0, PID, EPOCH, false);
  assert.deepEqual(fetched(h, false), [['t', 0, 42, 0], ['t', 1, 5, 0]]);
});

test('an aborted transaction drops its pending offsets; the committed ones stay', async () => {
  const h = new Harness();
  await commit(h, [['t', 0, 5]]);
  assert.deepEqual(await txnCommit(h, [['t', 0, 8], ['t', 1, 9]]), [0, 0]);
  // The same producer commits again in its transaction: the later offset replaces the earlier.
  assert.deepEqual(await txnCommit(h, [['t', 0, 10]]), [0]);
  assert.equal(h.gc.partitions().length, 1);
  h.gc.onTransactionCompleted(0, PID, EPOCH, false);
  assert.deepEqual(fetched(h, true), [['t', 0, 5, 0], ['t', 1, -1, 0]]);

  await txnCommit(h, [['t', 0, 8], ['t', 1, 9]]);
  await txnCommit(h, [['t', 0, 10]]);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, 10, 0], ['t', 1, 9, 0]]);
});

test('regular and transactional commits of a partition: the record later in the log wins, as Kafka orders them', async () => {
  const h = new Harness();
  // Regular commit after the transactional one: it stays when the transaction commits.
  await txnCommit(h, [['t', 0, 20]]);
  await commit(h, [['t', 0, 15]]);
  assert.deepEqual(fetched(h, false), [['t', 0, 15, 0], ['t', 1, -1, 0]]);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, UNSTABLE], ['t', 1, -1, 0]]);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, 15, 0], ['t', 1, -1, 0]]);

  // Regular commit before the transactional one: the transaction's offset replaces it.
  await commit(h, [['t', 1, 30]]);
  await txnCommit(h, [['t', 1, 31]]);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, 15, 0], ['t', 1, 31, 0]]);

  // Two producers on one partition: each marker decides its own offsets, the later record wins.
  await txnCommit(h, [['t', 0, 50]], { producerId: 1 });
  await txnCommit(h, [['t', 0, 60]], { producerId: 2 });
  h.gc.onTransactionCompleted(0, 2, 0, true);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, UNSTABLE], ['t', 1, 31, 0]]);
  h.gc.onTransactionCompleted(0, 1, 0, true);
  assert.deepEqual(fetched(h, true), [['t', 0, 60, 0], ['t', 1, 31, 0]]);
});

test('a regular commit whose write completes after the marker does not overwrite a later transactional offset', async () => {
  const h = new Harness();
  let release!: (code: number) => void;
  h.outcome = () => new Promise<number>((resolve) => (release = resolve));
  const slow = new Tracked(h.gc.commitOffsets({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] }, 8));
  const first = release;
  h.outcome = () => 0;
  await txnCommit(h, [['t', 0, 2]]);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  first(0);
  await flush();
  assert.ok(slow.done);
  assert.deepEqual(fetched(h, false), [['t', 0, 2, 0], ['t', 1, -1, 0]]);
});

test('TxnOffsetCommit errors: group id, coordinator, generation, members; no rebalance check; failed appends drop the pending offsets', async () => {
  const h = new Harness({ offsetMetadataMaxBytes: 3 });
  assert.deepEqual(await txnCommit(h, [['t', 0, 1]], { groupId: '' }), [ErrorCode.INVALID_GROUP_ID]);
  // An unknown group with a generation: ILLEGAL_GENERATION (Kafka), for every version.
  assert.deepEqual(await txnCommit(h, [['t', 0, 1], ['u', 3, 1]], { generationId: 1, memberId: 'm' }), [ErrorCode.ILLEGAL_GENERATION, ErrorCode.ILLEGAL_GENERATION]);
  // Metadata too large is per partition ('m1' fits in 3 bytes, 'm100' does not).
  assert.deepEqual(await txnCommit(h, [['t', 0, 1], ['t', 1, 100]]), [0, ErrorCode.OFFSET_METADATA_TOO_LARGE]);

  // A consumer group completing a rebalance: transactional commits are checked by member and generation only.
  const j = await joinDynamic(h, { protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  h.advance(0);
  await flush();
  const m = j.get().memberId;
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'CompletingRebalance');
  assert.deepEqual(await txnCommit(h, [['t', 0, 2]], { generationId: 1, memberId: m }), [0]);
  assert.deepEqual(await commit(h, [['t', 0, 2]], { generationIdOrMemberEpoch: 1, memberId: m }), [ErrorCode.REBALANCE_IN_PROGRESS]);
  assert.deepEqual(await txnCommit(h, [['t', 0, 2]], { generationId: 2, memberId: m }), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(await txnCommit(h, [['t', 0, 2]], { generationId: 1, memberId: 'nobody' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await txnCommit(h, [['t', 0, 2]], { generationId: 1, memberId: m, groupInstanceId: 'i' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  // v0-v2 carry no member fields: accepted in a non-empty group (a plain commit would be UNKNOWN_MEMBER_ID).
  assert.deepEqual(await txnCommit(h, [['t', 0, 3]], {}, 0), [0]);
  assert.deepEqual(await commit(h, [['t', 0, 3]]), [ErrorCode.UNKNOWN_MEMBER_ID]);
  sync(h, m, 1, [{ memberId: m, assignment: Buffer.alloc(0) }]);
  await flush();

  // A failed append answers every partition with the mapped error and leaves nothing pending.
  h.outcome = () => ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.deepEqual(await txnCommit(h, [['u', 0, 7], ['u', 1, 7]], { producerId: 5 }), [ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_COORDINATOR]);
  h.outcome = () => Promise.resolve(ErrorCode.REQUEST_TIMED_OUT);
  assert.deepEqual(await txnCommit(h, [['u', 0, 8]], { producerId: 5 }), [ErrorCode.COORDINATOR_NOT_AVAILABLE]);
  assert.deepEqual(fetched(h, true, 'g', [{ name: 'u', partitionIndexes: [0, 1] }]), [['u', 0, -1, 0], ['u', 1, -1, 0]]);
  h.outcome = () => ErrorCode.INVALID_PRODUCER_EPOCH;
  assert.deepEqual(await txnCommit(h, [['u', 0, 9]], { producerId: 5 }), [ErrorCode.INVALID_PRODUCER_EPOCH]);

  const unloaded = new Harness({}, false);
  assert.deepEqual(await txnCommit(unloaded, [['t', 0, 1]]), [ErrorCode.NOT_COORDINATOR]);
  unloaded.gc.beginLoad(0);
  assert.deepEqual(await txnCommit(unloaded, [['t', 0, 1]]), [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
  assert.equal(unloaded.written.length, 0);
});

test('DeleteGroups and OffsetDelete write tombstones for pending offsets too; a later commit marker materializes nothing', async () => {
  const h = new Harness();
  await commit(h, [['t', 0, 1]]);
  await txnCommit(h, [['t', 0, 2], ['t', 1, 3]]);
  const before = h.written.length;
  const deleted = new Tracked(h.gc.deleteGroups(['g']));
  await flush();
  assert.deepEqual(deleted.get().map((r) => r.errorCode), [0]);
  const tombstones = h.written.slice(before).flatMap((w) => w.records).map((r) => decodeRecord(r.key, r.value));
  assert.deepEqual(
    tombstones.map((r) => (r.type === 'offset' ? [r.key.topic, r.key.partition, r.value] : [r.type, r.type === 'group' ? r.value : undefined])),
    [['t', 0, null], ['t', 1, null], ['group', null]],
  );
  assert.deepEqual(fetched(h, true), [['t', 0, -1, 0], ['t', 1, -1, 0]]);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, 0], ['t', 1, -1, 0]]);

  // OffsetDelete of a partition with only a pending offset: tombstone, and the pending offset is gone.
  await txnCommit(h, [['u', 0, 4], ['u', 1, 5]]);
  const before2 = h.written.length;
  const del = new Tracked(h.gc.deleteOffsets('g', [{ name: 'u', partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }]));
  await flush();
  assert.equal(del.get().errorCode, 0);
  assert.equal(h.written.slice(before2).flatMap((w) => w.records).length, 1);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true, 'g', [{ name: 'u', partitionIndexes: [0, 1] }]), [['u', 0, -1, 0], ['u', 1, 5, 0]]);
});

test('expiry waits for pending transactional offsets of a partition, and keeps a group with an open transaction', async () => {
  const retention = 1000;
  const h = new Harness({ offsetsRetentionMs: retention });
  await commit(h, [['t', 0, 1], ['t', 1, 1]]);
  await txnCommit(h, [['t', 0, 2]]);
  h.clock.advance(retention);
  assert.equal(h.gc.cleanupExpiredOffsets(), 1); // t-1 only
  await flush();
  assert.deepEqual(fetched(h, false), [['t', 0, 1, 0], ['t', 1, -1, 0]]);
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Empty');

  // A group with only pending offsets is not removed either.
  await txnCommit(h, [['v', 0, 2]], { groupId: 'pending-only', producerId: 7 });
  h.clock.advance(retention);
  h.gc.cleanupExpiredOffsets();
  await flush();
  assert.equal(h.gc.describeGroups(['pending-only'])[0]!.groupState, 'Empty');
  h.gc.onTransactionCompleted(0, 7, 0, false);
  h.gc.onTransactionCompleted(0, PID, EPOCH, false);
  h.clock.advance(retention);
  assert.equal(h.gc.cleanupExpiredOffsets(), 1); // t-0
  await flush();
  assert.equal(h.gc.describeGroups(['pending-only'])[0]!.groupState, 'Dead');
  assert.equal(h.gc.describeGroups(['g'])[0]!.groupState, 'Dead');
});

test('replay: transactional batches stay pending per producer, markers commit or abort them, an undecided one stays pending', async () => {
  const h = new Harness();
  await commit(h, [['t', 0, 1], ['t', 1, 1]]);
  await txnCommit(h, [['t', 0, 10]], { producerId: 1 });
  await txnCommit(h, [['t', 1, 20]], { producerId: 2 });
  await commit(h, [['t', 1, 2]]);
  await txnCommit(h, [['t', 0, 30], ['u', 0, 31]], { producerId: 3 });
  await txnCommit(h, [['t', 0, 11]], { producerId: 1 });
  // The log: each write is one batch at consecutive offsets; markers interleaved after the data.
  type Entry = { kind: 'batch'; index: number } | { kind: 'marker'; producerId: number; committed: boolean };
  const log: Entry[] = [
    ...[0, 1, 2, 3, 4, 5].map((index): Entry => ({ kind: 'batch', index })),
    { kind: 'marker', producerId: 1, committed: true },
    { kind: 'marker', producerId: 2, committed: false },
  ];
  const h2 = new Harness({}, false);
  const shard = h2.gc.beginLoad(0);
  let offset = 0;
  for (const e of log) {
    if (e.kind === 'marker') {
      shard.replayEndTransactionMarker(e.producerId, e.committed);
      offset++;
      continue;
    }
    const w = h.written[e.index]!;
    for (const r of w.records) shard.replay(r.key, r.value, offset++, w.options?.transactional?.producerId ?? -1);
  }
  // Markers arriving while loading are left to the loader (it reads them from the log).
  h2.gc.onTransactionCompleted(0, 3, 0, true);
  h2.gc.completeLoad(0);
  assert.deepEqual(fetched(h2, false), [['t', 0, 11, 0], ['t', 1, 2, 0]]);
  assert.deepEqual(fetched(h2, true), [['t', 0, -1, UNSTABLE], ['t', 1, 2, 0]]);
  assert.deepEqual(fetched(h2, true, 'g', [{ name: 'u', partitionIndexes: [0] }]), [['u', 0, -1, UNSTABLE]]);
  // Producer 3's transaction is decided after the load: t-0 keeps producer 1's offset (its record
  // is later in the log), u-0 takes producer 3's.
  h2.gc.onTransactionCompleted(0, 3, 0, true);
  assert.deepEqual(fetched(h2, true), [['t', 0, 11, 0], ['t', 1, 2, 0]]);
  assert.deepEqual(fetched(h2, true, 'g', [{ name: 'u', partitionIndexes: [0] }]), [['u', 0, 31, 0]]);
  // Writes after the load order after every replayed record.
  await txnCommit(h2, [['t', 0, 40]], { producerId: 9 });
  await commit(h2, [['t', 1, 41]]);
  h2.gc.onTransactionCompleted(0, 9, 0, true);
  assert.deepEqual(fetched(h2, true), [['t', 0, 40, 0], ['t', 1, 41, 0]]);
});

test('replay: a tombstone drops the pending offsets written before it', async () => {
  const h = new Harness();
  const shard = h.gc.beginLoad(0);
  const [txn] = (() => {
    const src = new Harness();
    void src.gc.txnOffsetCommit(txnReq([['t', 0, 5]]), 3);
    return src.written.map((w) => w.records[0]!);
  })();
  const tombstone = { key: txn!.key, value: null };
  shard.replay(txn!.key, txn!.value, 0, PID);
  shard.replay(tombstone.key, tombstone.value, 1);
  shard.replayEndTransactionMarker(PID, true);
  h.gc.completeLoad(0);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, 0], ['t', 1, -1, 0]]);
});

test('a failed (e.g. fenced) transactional write leaves the producer\'s earlier pending offset in place', async () => {
  const h = new Harness();
  assert.deepEqual(await txnCommit(h, [['t', 0, 5]]), [0]);
  h.outcome = () => ErrorCode.INVALID_PRODUCER_EPOCH;
  assert.deepEqual(await txnCommit(h, [['t', 0, 6], ['t', 1, 6]], { producerEpoch: EPOCH - 1 }), [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH]);
  assert.deepEqual(fetched(h, true), [['t', 0, -1, UNSTABLE], ['t', 1, -1, 0]]);
  h.gc.onTransactionCompleted(0, PID, EPOCH, true);
  assert.deepEqual(fetched(h, true), [['t', 0, 5, 0], ['t', 1, -1, 0]]);
});
