import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsoleProducerArgs, parseLine, lineReaderProps } from '../../../src/cli/tools/console-producer.js';
import { formatRecord, formatterProps, parseConsoleConsumerArgs } from '../../../src/cli/tools/console-consumer.js';

test('console producer: the tutorials\' line, Kafka\'s defaults and options', () => {
  const p = parseConsoleProducerArgs(['--broker-list', 'localhost:9092', '--topic', 'test']);
  assert.equal(p.kind, 'run');
  if (p.kind !== 'run') return;
  assert.equal(p.args.bootstrap, 'localhost:9092');
  assert.equal(p.args.producer.acks, -1);
  assert.equal(p.args.producer.lingerMs, 1000);
  assert.equal(p.args.producer.compression, undefined);
  const q = parseConsoleProducerArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--compression-codec', '--producer-property', 'acks=1', '--property', 'parse.key=true']);
  assert.equal(q.kind, 'run');
  if (q.kind !== 'run') return;
  assert.equal(q.args.producer.compression, 'gzip');
  assert.equal(q.args.producer.acks, 1);
  assert.ok(q.args.reader.parseKey);
  const r = parseConsoleProducerArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--compression-codec', 'zstd']);
  assert.equal(r.kind === 'run' && r.args.producer.compression, 'zstd');
  assert.equal(parseConsoleProducerArgs(['--bootstrap-server', 'h:1']).kind, 'error');
  assert.equal(parseConsoleProducerArgs(['--zookeeper', 'h:2181', '--topic', 't']).kind, 'error');
  assert.equal(parseConsoleProducerArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--compression-codec', 'brotli']).kind, 'error');
});

test('console producer: lines split as LineMessageReader splits them', () => {
  const plain = lineReaderProps(new Map());
  assert.deepEqual(parseLine('hello\tworld', 1, plain), { key: null, value: 'hello\tworld' });
  const keyed = lineReaderProps(new Map([['parse.key', 'true'], ['key.separator', ':']]));
  assert.deepEqual(parseLine('k:v:w', 1, keyed), { key: 'k', value: 'v:w' });
  assert.throws(() => parseLine('novalue', 3, keyed), /No key separator found on line number 3: 'novalue'/);
  assert.deepEqual(parseLine('novalue', 3, { ...keyed, ignoreError: true }), { key: null, value: 'novalue' });
  const headers = lineReaderProps(new Map([['parse.headers', 'true'], ['parse.key', 'true'], ['null.marker', 'NULL']]));
  assert.deepEqual(parseLine('h1:v1,h2:NULL\tk\tNULL', 1, headers), {
    key: 'k',
    value: null,
    headers: [
      { key: 'h1', value: 'v1' },
      { key: 'h2', value: null },
    ],
  });
});

test('console consumer: options and Kafka\'s combination checks', () => {
  const c = parseConsoleConsumerArgs(['--topic', 'rta', '--bootstrap-server', 'localhost:9092', '--from-beginning']);
  assert.equal(c.kind, 'run');
  if (c.kind !== 'run') return;
  assert.ok(c.args.fromBeginning);
  assert.equal(c.args.maxMessages, -1);
  const err = (argv: string[]): string => {
    const p = parseConsoleConsumerArgs(argv);
    assert.equal(p.kind, 'error');
    return (p as { message: string }).message;
  };
  assert.match(err(['--zookeeper', 'localhost:2181', '--topic', 't', '--from-beginning']), /--bootstrap-server/);
  assert.match(err(['--bootstrap-server', 'h:1', '--topic', 't', '--offset', '5']), /partition is required/);
  assert.match(err(['--bootstrap-server', 'h:1', '--topic', 't', '--partition', '0', '--offset', 'x']), /offset value 'x' is incorrect/);
  assert.match(err(['--bootstrap-server', 'h:1', '--topic', 't', '--partition', '0', '--offset', '1', '--from-beginning']), /cannot be specified together/);
  assert.match(err(['--bootstrap-server', 'h:1']), /Exactly one of --include\/--topic/);
  assert.match(err(['--bootstrap-server', 'h:1', '--topic', 't', '--isolation-level', 'x']), /isolation.level/);
  const p = parseConsoleConsumerArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--partition', '1', '--offset', 'earliest', '--max-messages', '3']);
  assert.ok(p.kind === 'run' && p.args.offset === 'earliest' && p.args.partition === 1 && p.args.maxMessages === 3);
});

test('console consumer: DefaultMessageFormatter output', () => {
  const r = {
    timestamp: 1700000000000,
    timestampType: 'CreateTime' as const,
    partition: 2,
    offset: 7,
    headers: [{ key: 'h', value: Buffer.from('x') }],
    key: Buffer.from('k'),
    value: Buffer.from('v'),
  };
  assert.equal(formatRecord(r, formatterProps(new Map())), 'v\n');
  assert.equal(formatRecord(r, formatterProps(new Map([['print.key', 'true']]))), 'k\tv\n');
  assert.equal(
    formatRecord(r, formatterProps(new Map([['print.key', 'true'], ['print.timestamp', 'true'], ['print.headers', 'true'], ['print.partition', 'true'], ['print.offset', 'true'], ['key.separator', '|']]))),
    'CreateTime:1700000000000|Partition:2|Offset:7|h:x|k|v\n',
  );
  assert.equal(formatRecord({ ...r, key: null, headers: [] }, formatterProps(new Map([['print.key', 'true'], ['print.headers', 'true']]))), 'NO_HEADERS\tnull\tv\n');
});
