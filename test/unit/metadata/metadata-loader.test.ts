import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetadataLoader, record, type ApiMessageAndVersion, type MetadataImage } from '../../../src/metadata/index.js';
import {
  AbortTransactionRecord,
  BeginTransactionRecord,
  EndTransactionRecord,
  FeatureLevelRecord,
  TopicRecord,
} from '../../../src/protocol/index.js';
import type { Batch } from '../../../src/raft/index.js';
import { CLUSTER_ID, FakeRaft } from './fake-raft.js';

const mv = (level: number) => record(FeatureLevelRecord, FeatureLevelRecord.create({ name: 'metadata.version', featureLevel: level }));
const topic = (name: string, id: string) => record(TopicRecord, TopicRecord.create({ name, topicId: id }));
const begin = record(BeginTransactionRecord, BeginTransactionRecord.create({ name: 'x' }));
const end = record(EndTransactionRecord, EndTransactionRecord.create({}));
const abort = record(AbortTransactionRecord, AbortTransactionRecord.create({ reason: 'failover' }));

function batch(baseOffset: number, records: ApiMessageAndVersion[]): Batch<ApiMessageAndVersion> {
  return { baseOffset, lastOffset: baseOffset + Math.max(records.length, 1) - 1, epoch: 1, appendTimestamp: 99, sizeInBytes: 100, records };
}

function recorder(loader: MetadataLoader): { images: [MetadataImage, MetadataImage][] } {
  const out = { images: [] as [MetadataImage, MetadataImage][] };
  loader.registerPublisher({ name: 'r', onMetadataUpdate: (i, p) => out.images.push([i, p]) });
  return out;
}

test('every committed batch is published synchronously, with the previous image', () => {
  const loader = new MetadataLoader({ clusterId: CLUSTER_ID });
  const r = recorder(loader);
  loader.handleCommit(batch(0, [mv(21)]));
  assert.equal(r.images.length, 1);
  loader.handleCommit(batch(1, []));
  assert.equal(r.images.length, 2);
  const [img, prev] = r.images[1] as [MetadataImage, MetadataImage];
  assert.equal(img.provenance.lastContainedOffset, 1);
  assert.equal(prev.provenance.lastContainedOffset, 0);
  assert.equal(img.features, prev.features);
  assert.equal(img.clusterId, CLUSTER_ID);
  // A publisher added later gets the current image at once; one that throws does not stop the others.
  const late: number[] = [];
  loader.registerPublisher({ name: 'bad', onMetadataUpdate: () => { throw new Error('boom'); } });
  loader.registerPublisher({ name: 'late', onMetadataUpdate: (i) => late.push(i.provenance.lastContainedOffset) });
  loader.handleCommit(batch(2, [topic('t', 'AAAAAAAAAAAAAAAAAAAAAQ')]));
  assert.deepEqual(late, [1, 2]);
  assert.throws(() => loader.registerPublisher({ name: 'late', onMetadataUpdate: () => {} }));
});

test('a metadata transaction is published when it ends; an aborted one is dropped', () => {
  const loader = new MetadataLoader({ clusterId: CLUSTER_ID });
  const r = recorder(loader);
  loader.handleCommit(batch(0, [begin, mv(21)]));
  loader.handleCommit(batch(2, [topic('t', 'AAAAAAAAAAAAAAAAAAAAAQ')]));
  assert.equal(r.images.length, 0);
  loader.handleCommit(batch(3, [end]));
  assert.equal(r.images.length, 1);
  assert.equal(loader.image().topics.byName.has('t'), true);
  assert.equal(loader.image().provenance.lastContainedOffset, 3);
  loader.handleCommit(batch(4, [begin, topic('u', 'AAAAAAAAAAAAAAAAAAAAAg')]));
  loader.handleCommit(batch(6, [abort]));
  assert.equal(loader.image().topics.byName.has('u'), false);
  assert.equal(loader.image().provenance.lastContainedOffset, 6);
});

test('snapshots: by bytes after a commit, by time through snapshotIfDue, and loading one replaces the image', () => {
  const raft = new FakeRaft();
  const loader = new MetadataLoader({ clusterId: CLUSTER_ID, snapshots: { raft, maxBytesBetweenSnapshots: 250, maxIntervalMs: 1000, recordsPerBatch: 1 } });
  loader.handleCommit(batch(0, [mv(21)]));
  loader.handleCommit(batch(1, [topic('t', 'AAAAAAAAAAAAAAAAAAAAAQ')]));
  assert.equal(raft.snapshots.length, 0);
  loader.handleCommit(batch(2, [topic('u', 'AAAAAAAAAAAAAAAAAAAAAg')]));
  assert.equal(raft.snapshots.length, 1);
  assert.equal(raft.snapshots[0]?.offset, 3);
  assert.equal(raft.snapshots[0]?.batches.length, 4); // mv, migration state, two topics: one record per batch
  assert.equal(loader.snapshotIfDue(0), false); // nothing new
  loader.handleCommit(batch(3, []));
  assert.equal(loader.snapshotIfDue(10), false); // starts the clock
  assert.equal(loader.snapshotIfDue(1010), true);
  assert.equal(raft.snapshots[1]?.offset, 4);
  const fresh = new MetadataLoader({ clusterId: CLUSTER_ID });
  const r = recorder(fresh);
  fresh.handleLoadSnapshot(raft.snapshotReader(raft.snapshots[1] as never));
  assert.equal(r.images.length, 1);
  assert.deepEqual([...fresh.image().topics.byName.keys()], ['t', 'u']);
  assert.equal(fresh.image().provenance.lastContainedOffset, 3);
  assert.deepEqual(fresh.image().topics, loader.image().topics);
});
