import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_ERRORS, ErrorCode, KafkaError, errorByCode, errorByName } from '../../../src/common/errors.js';

test('codes and names are unique, codes ascend from -1 to 127', () => {
  const codes = ALL_ERRORS.map((e) => e.code);
  const names = ALL_ERRORS.map((e) => e.name);
  assert.equal(new Set(codes).size, codes.length);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
  assert.equal(codes[0], -1);
  assert.equal(codes.at(-1), 127);
  // Kafka 3.9 defines every code from -1 to 127 except 99 (POSITION_OUT_OF_RANGE was never released).
  assert.equal(ALL_ERRORS.length, 128);
  assert.equal(errorByCode(99), undefined);
});

test('spot checks against Kafka 3.9', () => {
  const cases: Array<[number, string, boolean]> = [
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [0, 'NONE', false],
    [1, 'OFFSET_OUT_OF_RANGE', false],
    [2, 'CORRUPT_MESSAGE', true],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [7, 'REQUEST_TIMED_OUT', true],
    [10, 'MESSAGE_TOO_LARGE', false],
    [15, 'COORDINATOR_NOT_AVAILABLE', true],
    [16, 'NOT_COORDINATOR', true],
    [25, 'UNKNOWN_MEMBER_ID', false],
    [27, 'REBALANCE_IN_PROGRESS', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [36, 'TOPIC_ALREADY_EXISTS', false],
    [41, 'NOT_CONTROLLER', true],
    [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false],
    [51, 'CONCURRENT_TRANSACTIONS', true],
    [56, 'KAFKA_STORAGE_ERROR', true],
    [73, 'TOPIC_DELETION_DISABLED', false],
    [87, 'INVALID_RECORD', false],
    [89, 'THROTTLING_QUOTA_EXCEEDED', true],
    [100, 'UNKNOWN_TOPIC_ID', true],
    [120, 'TRANSACTION_ABORTABLE', false],
    [127, 'VOTER_NOT_FOUND', false],
  ];
  for (const [code, name, retriable] of cases) {
    const info = errorByCode(code);
    assert.ok(info, `code ${code}`);
    assert.equal(info.name, name);
    assert.equal(info.retriable, retriable, name);
    assert.equal(errorByName(name), info);
    assert.equal((ErrorCode as Record<string, number>)[name], code);
  }
  assert.equal(errorByCode(3)?.message, 'This server does not host this topic-partition.');
  assert.equal(errorByCode(0)?.message, null);
  assert.equal(errorByName('NO_SUCH_ERROR'), undefined);
});

test('ErrorCode has literal types usable in switches', () => {
  const c: 3 = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  assert.equal(c, 3);
  assert.equal(ErrorCode.NONE, 0);
  assert.ok(Object.isFrozen(ErrorCode));
});

test('KafkaError carries code, name, retriable and Kafka default message', () => {
  const e = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.ok(e instanceof Error);
  assert.equal(e.code, 6);
  assert.equal(e.name, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(e.retriable, true);
  assert.match(e.message, /not the current leader/);
  assert.match(String(e), /^NOT_LEADER_OR_FOLLOWER: /);

  const byName = new KafkaError('INVALID_CONFIG', 'segment.bytes too small');
  assert.equal(byName.code, 40);
  assert.equal(byName.message, 'segment.bytes too small');
  assert.equal(byName.retriable, false);

  const unknown = new KafkaError(4242);
  assert.equal(unknown.code, 4242);
  assert.equal(unknown.name, 'UNKNOWN_SERVER_ERROR');
  assert.equal(unknown.retriable, false);
  assert.match(unknown.message, /4242/);
});
