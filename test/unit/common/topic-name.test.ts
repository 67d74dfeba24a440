import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOPIC_NAME_MAX_LENGTH, hasCollisionChars, invalidTopicReason, isValidTopicName, unifyCollisionChars } from '../../../src/common/index.js';

test("topic names: Kafka 3.9's rules and messages (Topic.validate), word for word", () => {
  const long = 'a'.repeat(TOPIC_NAME_MAX_LENGTH + 1);
  const cases: Array<[string, string]> = [
    ['', 'Topic name is invalid: the empty string is not allowed'],
    ['.', "Topic name is invalid: '.' is not allowed"],
    ['..', "Topic name is invalid: '..' is not allowed"],
    [long, `Topic name is invalid: the length of '${long}' is longer than the max allowed length 249`],
    ['a b', "Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
    ['tópico', "Topic name is invalid: 'tópico' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
  ];
  for (const [name, message] of cases) {
    assert.equal(invalidTopicReason(name), message);
    assert.equal(isValidTopicName(name), false, name);
  }
  for (const name of ['a', '...', 'A-z_0.9', 'a'.repeat(TOPIC_NAME_MAX_LENGTH), '__consumer_offsets']) {
    assert.equal(invalidTopicReason(name), undefined, name);
    assert.equal(isValidTopicName(name), true, name);
  }
});

test("topic names: '.' and '_' collide (metric names)", () => {
  assert.deepEqual(['a.b', 'a_b', 'a-b', 'ab'].map(hasCollisionChars), [true, true, false, false]);
  assert.equal(unifyCollisionChars('a.b_c.d'), 'a_b_c_d');
  assert.equal(unifyCollisionChars('a.b'), unifyCollisionChars('a_b'));
});
