import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/common/index.js';
import { buildControlBatch, RecordBatch } from '../../../src/protocol/index.js';
import { partitionConfigOf, validateProducedRecords } from '../../../src/replication/index.js';
import type { ProduceValidation } from '../../../src/replication/index.js';
import { TopicConfig } from '../../../src/config/index.js';
import { brokerConfig, records } from './helpers.js';

const NOW = 1_700_000_000_000;

function check(buf: Buffer | null, overrides: Record<string, string> = {}, apiVersion = 9): ProduceValidation {
  const config = partitionConfigOf(new TopicConfig(brokerConfig(), new Map(Object.entries(overrides))));
  return validateProducedRecords(buf, { apiVersion, config, nowMs: NOW, partitionName: 't-0' });
}

function code(v: ProduceValidation): number {
  return v.ok ? 0 : v.errorCode;
}

/** A copy of `buf` changed by `fn`, CRC recomputed. */
function patched(buf: Buffer, fn: (b: RecordBatch) => void): Buffer {
  const copy = Buffer.from(buf);
  const b = new RecordBatch(copy);
  fn(b);
  b.updateCrc();
  return copy;
}

describe('validateProducedRecords', () => {
  it('accepts a v2 batch and counts producer batches', () => {
    const v = check(records(3));
    assert.deepEqual(v, { ok: true, batches: 1, producerIdBatches: 0 });
  });

  it('requires exactly one v2 batch from Produce v3 on, and refuses old formats', () => {
    assert.equal(code(check(Buffer.concat([records(1), records(1)]))), ErrorCode.INVALID_RECORD);
    assert.equal(code(check(Buffer.concat([records(1), records(1)]), {}, 2)), 0, 'Produce v0-v2 may carry several batches');
    assert.equal(code(check(null)), ErrorCode.INVALID_RECORD);
    assert.equal(code(check(Buffer.alloc(0))), ErrorCode.INVALID_RECORD);
    const v1 = Buffer.from(records(1));
    v1.writeInt8(1, 16);
    assert.equal(code(check(v1, {}, 9)), ErrorCode.INVALID_RECORD);
    assert.equal(code(check(v1, {}, 2)), ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    const v7 = Buffer.from(records(1));
    v7.writeInt8(7, 16);
    assert.equal(code(check(v7, {}, 2)), ErrorCode.CORRUPT_MESSAGE);
    assert.equal(code(check(records(1).subarray(0, 40))), ErrorCode.CORRUPT_MESSAGE);
  });

  it('checks size, CRC, base offset, offsets against count, control batches, sequences, zstd before v7', () => {
    assert.equal(code(check(records(50), { 'max.message.bytes': '100' })), ErrorCode.MESSAGE_TOO_LARGE);
    const bad = Buffer.from(records(2));
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
    assert.equal(code(check(bad)), ErrorCode.CORRUPT_MESSAGE);
    assert.equal(code(check(patched(records(2), (b) => (b.baseOffset = 5)))), ErrorCode.INVALID_RECORD);
    const miscounted = patched(records(3), (b) => b.buf.writeInt32BE(1, 23));
    assert.equal(code(check(miscounted)), ErrorCode.INVALID_RECORD);
    const control = buildControlBatch({ producerId: 1, producerEpoch: 0, baseOffset: 0, timestamp: NOW, type: 1, coordinatorEpoch: 0 } as never);
    assert.equal(code(check(control)), ErrorCode.INVALID_RECORD);
    const noSequence = patched(records(1), (b) => {
      b.buf.writeBigInt64BE(7n, 43);
      b.buf.writeInt32BE(-1, 53);
    });
    assert.equal(code(check(noSequence)), ErrorCode.INVALID_RECORD);
    assert.equal(code(check(records(2, { compression: 4 }), {}, 6)), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    assert.equal(code(check(records(2, { compression: 4 }), {}, 7)), 0);
  });

  it('refuses keyless records on compacted topics with record errors, compressed or not', () => {
    for (const compression of [0, 1, 3] as const) {
      const v = check(records(4, { compression, key: (i) => (i % 2 === 1 ? null : `k${i}`) }), { 'cleanup.policy': 'compact' });
      assert.equal(v.ok, false);
      if (v.ok) continue;
      assert.equal(v.errorCode, ErrorCode.INVALID_RECORD);
      assert.deepEqual(v.recordErrors.map((e) => e.batchIndex), [1, 3]);
      assert.match(v.errorMessage ?? '', /2 record errors/);
    }
    assert.equal(code(check(records(4), { 'cleanup.policy': 'compact' })), 0);
    assert.equal(code(check(records(4, { key: () => null }))), 0, 'keys are optional when not compacted');
  });

  it('checks CreateTime timestamps against before/after max ms', () => {
    const v = check(records(3, { ts: NOW - 10_000 }), { 'message.timestamp.before.max.ms': '5000' });
    assert.equal(code(v), ErrorCode.INVALID_TIMESTAMP);
    if (!v.ok) assert.deepEqual(v.recordErrors.map((e) => e.batchIndex), [0, 1, 2]);
    assert.equal(code(check(records(3, { ts: NOW + 10_000 }), { 'message.timestamp.after.max.ms': '5000' })), ErrorCode.INVALID_TIMESTAMP);
    assert.equal(code(check(records(3, { ts: NOW + 1000 }), { 'message.timestamp.after.max.ms': '5000' })), 0);
    assert.equal(code(check(records(3, { ts: 0 }), { 'message.timestamp.difference.max.ms': '5000' })), ErrorCode.INVALID_TIMESTAMP);
    assert.equal(code(check(records(3, { ts: 0 }), { 'message.timestamp.difference.max.ms': '5000', 'message.timestamp.type': 'LogAppendTime' })), 0);
  });

  it('refuses batches whose producer set LogAppendTime on a LogAppendTime topic', () => {
    const lat = patched(records(2), (b) => b.buf.writeInt16BE(b.attributes | 0x08, 21));
    assert.equal(code(check(lat, { 'message.timestamp.type': 'LogAppendTime' })), ErrorCode.INVALID_TIMESTAMP);
  });
});
