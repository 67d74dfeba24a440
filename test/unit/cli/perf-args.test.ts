import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProducerStats,
  consumerSettings,
  consumerTotalLine,
  formatDate,
  parseConsumerPerfArgs,
  parseProducerPerfArgs,
  percentiles,
  producerSettings,
  propsFromPairs,
} from '../../../src/cli/index.js';

test('producer perf: Kafka flags, --producer-props takes several k=v up to the next flag', () => {
  const r = parseProducerPerfArgs(['--topic', 't', '--num-records', '1000', '--record-size', '1024', '--throughput', '-1', '--producer-props', 'bootstrap.servers=h:1', 'acks=1', '--print-metrics']);
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.equal(r.args.topic, 't');
  assert.equal(r.args.numRecords, 1000);
  assert.equal(r.args.recordSize, 1024);
  assert.equal(r.args.throughput, -1);
  assert.deepEqual(r.args.producerProps, ['bootstrap.servers=h:1', 'acks=1']);
  assert.equal(r.args.printMetrics, true);
});

test('producer perf: missing or conflicting flags are errors, --help is help', () => {
  assert.equal(parseProducerPerfArgs(['--help']).kind, 'help');
  const missing = parseProducerPerfArgs(['--topic', 't', '--num-records', '1', '--throughput', '1', '--producer-props', 'a=b']);
  assert.equal(missing.kind, 'error');
  const both = parseProducerPerfArgs(['--topic', 't', '--num-records', '1', '--record-size', '1', '--payload-file', 'f', '--throughput', '1', '--producer-props', 'a=b']);
  assert.equal(both.kind, 'error');
  assert.equal(parseProducerPerfArgs(['--topic', 't', '--num-records', 'x', '--record-size', '1', '--throughput', '1', '--producer-props', 'a=b']).kind, 'error');
  assert.equal(parseProducerPerfArgs(['--bogus', '1']).kind, 'error');
});

test('producer perf: Kafka property names map onto the client config; unknown ones are reported', () => {
  const s = producerSettings(propsFromPairs(['bootstrap.servers=h:1', 'acks=all', 'linger.ms=5', 'batch.size=65536', 'compression.type=lz4', 'enable.idempotence=false', 'client.id=x', 'foo=bar']));
  assert.equal(s.kafka.bootstrapServers, 'h:1');
  assert.equal(s.kafka.clientId, 'x');
  assert.deepEqual(s.client, { acks: -1, lingerMs: 5, batchSize: 65536, compression: 'lz4', idempotent: false });
  assert.deepEqual(s.unused, ['foo']);
  assert.equal(s.bufferMemory, 33_554_432);
  assert.throws(() => producerSettings(propsFromPairs(['acks=2', 'bootstrap.servers=h:1'])));
  assert.throws(() => producerSettings(propsFromPairs(['acks=1'])), /bootstrap.servers/);
});

test('producer perf: the total line has Kafka format; percentiles are the element at floor(p * n)', () => {
  const stats = new ProducerStats(4, 0);
  for (const l of [1, 2, 3, 10]) assert.equal(stats.record(l, 1024, 100), undefined);
  assert.equal(
    stats.totalLine(1000),
    '4 records sent, 4.000000 records/sec (0.00 MB/sec), 4.00 ms avg latency, 10.00 ms max latency, 3 ms 50th, 10 ms 95th, 10 ms 99th, 10 ms 99.9th.',
  );
  assert.deepEqual(percentiles(Int32Array.from([5, 1, 3]), [0.5, 0.999]), [3, 5]);
  const windowed = new ProducerStats(10, 0, 5000);
  windowed.record(2, 1048576, 1000);
  assert.equal(windowed.record(4, 1048576, 5000), '2 records sent, 0.4 records/sec (0.40 MB/sec), 3.0 ms avg latency, 4.0 ms max latency.');
});

test('consumer perf: flags, defaults and the total line', () => {
  const r = parseConsumerPerfArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--messages', '10'], () => 'perf-consumer-1');
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.equal(r.args.group, 'perf-consumer-1');
  assert.equal(r.args.timeoutMs, 10000);
  assert.equal(r.args.fetchSize, 1048576);
  assert.equal(parseConsumerPerfArgs(['--topic', 't', '--messages', '1'], () => 'g').kind, 'error');
  const s = consumerSettings(new Map([['fetch.max.wait.ms', '100']]), r.args);
  assert.equal(s.kafka.bootstrapServers, 'h:1');
  assert.deepEqual(s.client, { autoOffsetReset: 'earliest', maxPartitionFetchBytes: 1048576, fetchMaxWaitMs: 100 });
  const start = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
  assert.equal(formatDate(start, 'yyyy-MM-dd HH:mm:ss:SSS'), '2024-01-02 03:04:05:006');
  assert.equal(
    consumerTotalLine({ startMs: start, endMs: start + 2000, bytes: 2 * 1048576, messages: 2048, joinMs: 1000, dateFormat: 'yyyy-MM-dd HH:mm:ss:SSS' }),
    '2024-01-02 03:04:05:006, 2024-01-02 03:04:07:006, 2.0000, 1.0000, 2048, 1024.0000, 1000, 1000, 2.0000, 2048.0000',
  );
});
