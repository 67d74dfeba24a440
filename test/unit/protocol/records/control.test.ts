import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ControlRecordType,
  CorruptRecordsError,
  RecordBatch,
  buildControlBatch,
  buildRecordBatch,
  controlTypeName,
  endTxnMarkerOf,
  parseControlRecordType,
  parseEndTxnMarker,
  validateBatch,
} from '../../../../src/protocol/records/index.js';

test('a COMMIT marker batch has Kafka\'s layout: transactional control batch, one record', () => {
  const buf = buildControlBatch({ type: ControlRecordType.COMMIT, producerId: 1234, producerEpoch: 5, coordinatorEpoch: 17, timestamp: 1_700_000_000_000, baseOffset: 42, partitionLeaderEpoch: 3 });
  assert.equal(validateBatch(buf), null);
  const b = new RecordBatch(buf);
  assert.equal(b.isControl, true);
  assert.equal(b.isTransactional, true);
  assert.equal(b.producerId, 1234);
  assert.equal(b.producerEpoch, 5);
  assert.equal(b.baseSequence, -1);
  assert.equal(b.baseOffset, 42);
  assert.equal(b.partitionLeaderEpoch, 3);
  assert.equal(b.recordCount, 1);
  assert.equal(b.maxTimestamp, 1_700_000_000_000);
  const [record] = b.records();
  assert.ok(record);
  // key: version 0, type 1 (COMMIT); value: version 0, coordinatorEpoch 17.
  assert.deepEqual(record.key, Buffer.from([0, 0, 0, 1]));
  assert.deepEqual(record.value, Buffer.from([0, 0, 0, 0, 0, 17]));
  assert.deepEqual(endTxnMarkerOf(b), { type: 1, coordinatorEpoch: 17 });
});

test('ABORT markers round-trip', () => {
  const b = new RecordBatch(buildControlBatch({ type: ControlRecordType.ABORT, producerId: 9, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 5 }));
  assert.deepEqual(endTxnMarkerOf(b), { type: 0, coordinatorEpoch: 0 });
  assert.equal(controlTypeName(0), 'ABORT');
  assert.equal(controlTypeName(1), 'COMMIT');
});

test('a data batch has no marker', () => {
  assert.equal(endTxnMarkerOf(new RecordBatch(buildRecordBatch({ records: [{ value: 'x' }] }))), null);
});

test('newer key versions with extra bytes still parse; unknown types are reported as codes', () => {
  assert.equal(parseControlRecordType(Buffer.from([0, 1, 0, 1, 9, 9])), 1);
  assert.equal(parseControlRecordType(Buffer.from([0, 0, 0, 7])), 7);
  assert.throws(() => parseEndTxnMarker({ key: Buffer.from([0, 0, 0, 7]), value: Buffer.alloc(6) }), CorruptRecordsError);
});

test('malformed markers are CorruptRecordsError', () => {
  assert.throws(() => parseControlRecordType(null), CorruptRecordsError);
  assert.throws(() => parseControlRecordType(Buffer.from([0, 0, 1])), CorruptRecordsError);
  assert.throws(() => parseControlRecordType(Buffer.from([0xff, 0xff, 0, 1])), CorruptRecordsError);
  assert.throws(() => parseEndTxnMarker({ key: Buffer.from([0, 0, 0, 1]), value: null }), CorruptRecordsError);
  assert.throws(() => parseEndTxnMarker({ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0]) }), CorruptRecordsError);
  const empty = new RecordBatch(buildRecordBatch({ records: [], isControl: true }));
  assert.throws(() => endTxnMarkerOf(empty), CorruptRecordsError);
});
