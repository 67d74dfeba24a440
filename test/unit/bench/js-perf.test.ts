import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsumerPerfTest, parseProducerPerfTest } from '../../../bench/macro/js-perf.js';

test('js-perf: reads the Kafka-format totals of our perf-test tools', () => {
  const p = parseProducerPerfTest(
    '1000 records sent, 500.0 records/sec (0.49 MB/sec), 1.0 ms avg latency, 3.0 ms max latency.\n' +
      '2000 records sent, 999.500250 records/sec (0.98 MB/sec), 1.20 ms avg latency, 30.00 ms max latency, 1 ms 50th, 2 ms 95th, 3 ms 99th, 5 ms 99.9th.\n',
  );
  assert.deepEqual([p.msgs, p.msgsPerSec, p.mbPerSec], [2000, 1000, 0.98]);
  const c = parseConsumerPerfTest(
    'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n' +
      '2024-01-02 03:04:05:006, 2024-01-02 03:04:07:006, 2.0000, 1.0000, 2048, 1024.0000, 1000, 1000, 2.0000, 2048.0000\n',
  );
  assert.deepEqual([c.msgs, c.msgsPerSec, c.mbPerSec], [2048, 2048, 2], 'the fetch phase, without the group join');
  assert.throws(() => parseProducerPerfTest('nothing'));
  assert.throws(() => parseConsumerPerfTest('nothing'));
});
