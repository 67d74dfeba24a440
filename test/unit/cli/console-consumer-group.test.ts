import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatedGroupId } from '../../../src/cli/tools/console-consumer.js';

test('kafka-console-consumer without --group: Kafka\'s generated console-consumer-N group (N < 100000)', () => {
  assert.equal(generatedGroupId(() => 0), 'console-consumer-0');
  assert.equal(generatedGroupId(() => 0.123456), 'console-consumer-12345');
  assert.equal(generatedGroupId(() => 0.9999999), 'console-consumer-99999');
  assert.match(generatedGroupId(), /^console-consumer-\d{1,5}$/);
});
