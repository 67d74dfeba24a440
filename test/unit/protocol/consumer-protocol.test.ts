import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol } from 'kafkajs';
import { AssertionError } from '../../../src/common/index.js';
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  DecodeError,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type ConsumerSubscription,
} from '../../../src/protocol/index.js';
import { Prng, testSeed } from '../../support/prng.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const FULL: ConsumerSubscription = {
  topics: ['foo', 'bar'],
  userData: Buffer.from('hello'),
  ownedPartitions: [{ topic: 'foo', partition: 1 }, { topic: 'foo', partition: 0 }],
  generationId: 3,
  rackId: 'rack-a',
};

test('subscription and assignment: both schemas cover versions 0-3 (what the round trips below walk)', () => {
  assert.deepEqual([ConsumerProtocolSubscription.minVersion, ConsumerProtocolSubscription.maxVersion], [0, 3]);
  assert.deepEqual([ConsumerProtocolAssignment.minVersion, ConsumerProtocolAssignment.maxVersion], [0, 3]);
});

test('subscription round trip at every version: fields a version lacks come back as their defaults', () => {
  for (let v = 0; v <= 3; v++) {
    const bytes = encodeSubscription(FULL, v);
    assert.equal(bytes.readInt16BE(0), v);
    const back = decodeSubscription(bytes);
    assert.deepEqual(back.topics, ['foo', 'bar'], `v${v}`);
    assert.equal(back.userData?.toString(), 'hello', `v${v}`);
    // On the wire partitions are grouped by topic, ascending.
    assert.deepEqual(back.ownedPartitions, v >= 1 ? [{ topic: 'foo', partition: 0 }, { topic: 'foo', partition: 1 }] : [], `v${v}`);
    assert.equal(back.generationId, v >= 2 ? 3 : -1, `v${v}`);
    assert.equal(back.rackId, v >= 3 ? 'rack-a' : null, `v${v}`);
    assert.deepEqual(encodeSubscription(back, v), bytes, `v${v} re-encodes to the same bytes`);
  }
  assert.equal(encodeSubscription(FULL).readInt16BE(0), 3, 'the newest version by default, as Kafka 3.9 writes');
  assert.throws(() => encodeSubscription(FULL, 4), AssertionError);
});

test('assignment round trip at every version, null and empty user data', () => {
  const partitions = [{ topic: 'foo', partition: 2 }, { topic: 'bar', partition: 1 }, { topic: 'foo', partition: 0 }];
  for (let v = 0; v <= 3; v++) {
    for (const userData of [null, Buffer.alloc(0), Buffer.from([1, 2])]) {
      const bytes = encodeAssignment({ partitions, userData }, v);
      assert.equal(bytes.readInt16BE(0), v);
      const back = decodeAssignment(bytes);
      assert.deepEqual(back.partitions, [{ topic: 'foo', partition: 0 }, { topic: 'foo', partition: 2 }, { topic: 'bar', partition: 1 }]);
      assert.deepEqual(back.userData, userData);
      assert.deepEqual(encodeAssignment(back, v), bytes);
    }
  }
  assert.throws(() => encodeAssignment({ partitions, userData: null }, -1), AssertionError);
});

test("Kafka's bytes, field by field (ConsumerProtocolSubscription / ConsumerProtocolAssignment, non-flexible)", () => {
  const subscriptionV3 = hex(`
    0003
    00000002 0003 666f6f 0003 626172
    00000005 68656c6c6f
    00000001 0003 666f6f 00000002 00000000 00000001
    00000003
    0006 7261636b2d61`);
  assert.deepEqual(encodeSubscription(FULL), subscriptionV3);
  const subscriptionV0 = hex('0000 00000001 0001 74 ffffffff'); // topics [t], user data null
  assert.deepEqual(encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0), subscriptionV0);
  assert.deepEqual(decodeSubscription(subscriptionV0), { topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  const assignmentV3 = hex(`
    0003
    00000002 0003 666f6f 00000002 00000000 00000002
             0003 626172 00000001 00000001
    ffffffff`);
  const assignment = { partitions: [{ topic: 'foo', partition: 2 }, { topic: 'foo', partition: 0 }, { topic: 'bar', partition: 1 }], userData: null };
  assert.deepEqual(encodeAssignment(assignment), assignmentV3);
  assert.deepEqual(decodeAssignment(assignmentV3).partitions, [{ topic: 'foo', partition: 0 }, { topic: 'foo', partition: 2 }, { topic: 'bar', partition: 1 }]);
});

test('subscription: v0 bytes as kafkajs (and every v0 client) writes them decode; ours decode in kafkajs', () => {
  const theirs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'bb'], userData: Buffer.from('ud') });
  const s = decodeSubscription(theirs);
  assert.deepEqual([s.topics, s.userData?.toString(), s.ownedPartitions, s.generationId], [['a', 'bb'], 'ud', [], -1]);
  const ours = encodeSubscription({ topics: ['x'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0);
  assert.deepEqual(AssignerProtocol.MemberMetadata.decode(ours), { version: 0, topics: ['x'], userData: null });
});

test('assignment: kafkajs bytes decode; ours decode in kafkajs; empty bytes are an empty assignment', () => {
  const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { t: [0, 2] }, userData: Buffer.alloc(0) });
  assert.deepEqual(decodeAssignment(theirs).partitions, [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }]);
  const ours = encodeAssignment({ partitions: [{ topic: 'u', partition: 1 }], userData: null }, 0);
  assert.deepEqual(AssignerProtocol.MemberAssignment.decode(ours)!.assignment, { u: [1] });
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { partitions: [], userData: null });
});

test('a newer version reads as v3, its extra bytes ignored (as Kafka reads future versions)', () => {
  const future = Buffer.concat([encodeSubscription(FULL), Buffer.from([9, 9, 9])]);
  future.writeInt16BE(5, 0);
  const back = decodeSubscription(future);
  assert.deepEqual([back.topics, back.generationId, back.rackId], [['foo', 'bar'], 3, 'rack-a']);
  const futureAssignment = Buffer.concat([encodeAssignment({ partitions: [{ topic: 'a', partition: 0 }], userData: null }), Buffer.from([7])]);
  futureAssignment.writeInt16BE(100, 0);
  assert.deepEqual(decodeAssignment(futureAssignment).partitions, [{ topic: 'a', partition: 0 }]);
});

test('malformed bytes fail with a DecodeError that names the message and says what is wrong', () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.alloc(0), /^consumer protocol subscription: no version header \(0 bytes\): short input/],
    [hex('00'), /^consumer protocol subscription: no version header \(1 bytes\)/],
    [hex('ffff 00000000 ffffffff'), /^consumer protocol subscription: unsupported version -1$/],
    [hex('0000 ffffffff ffffffff'), /^consumer protocol subscription v0: malformed: /], // a null topics array
    [hex('0000 7fffffff'), /^consumer protocol subscription v0: malformed: /], // 2^31-1 topics in 0 bytes
    [hex('0001 00000001 0001 74 ffffffff 00000001 0001 74 7fffffff'), /^consumer protocol subscription v1: malformed: /],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeSubscription(bytes), (e: unknown) => e instanceof DecodeError && message.test(e.message), bytes.toString('hex'));
  }
  assert.throws(() => decodeAssignment(hex('00')), /^DecodeError: consumer protocol assignment: no version header \(1 bytes\)/);
  assert.throws(() => decodeAssignment(hex('fffe 00000000 ffffffff')), /^DecodeError: consumer protocol assignment: unsupported version -2$/);
  // Every truncation of a valid message is refused (every field is required), never half-read.
  const whole: Array<[Buffer, (b: Buffer) => unknown]> = [
    [encodeSubscription(FULL), decodeSubscription],
    [encodeAssignment({ partitions: [{ topic: 'foo', partition: 1 }], userData: Buffer.from('u') }), decodeAssignment],
  ];
  for (const [full, decode] of whole) {
    for (let n = 1; n < full.length; n++) assert.throws(() => decode(full.subarray(0, n)), DecodeError, `${n} of ${full.length} bytes`);
  }
});

test('random and mutated bytes: decoding succeeds or throws DecodeError, nothing else', () => {
  const seed = testSeed();
  const prng = new Prng(seed);
  const valid = [encodeSubscription(FULL), encodeSubscription(FULL, 0), encodeAssignment({ partitions: FULL.ownedPartitions, userData: null })];
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    let bytes: Buffer;
    if (prng.chance(0.5)) {
      bytes = Buffer.alloc(prng.nextInt(48));
      for (let j = 0; j < bytes.length; j++) bytes[j] = prng.nextInt(256);
    } else {
      bytes = Buffer.from(valid[prng.nextInt(valid.length)]!);
      for (let k = prng.int(1, 3); k > 0; k--) bytes[prng.nextInt(bytes.length)] = prng.nextInt(256);
    }
    for (const decode of [decodeSubscription, decodeAssignment]) {
      try {
        decode(bytes);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof DecodeError, `seed ${seed}, input ${bytes.toString('hex')}: ${String(e)}`);
        refused++;
      }
    }
  }
  assert.ok(decoded > 1000 && refused > 1000, `decoded ${decoded}, refused ${refused} (seed ${seed})`);
});
