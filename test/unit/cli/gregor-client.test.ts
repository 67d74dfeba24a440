import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConsumed, parseGregorClientArgs } from '../../../src/cli/tools/gregor.js';
import { styleFor, table } from '../../../src/cli/tools/format.js';

function run(argv: string[], env: Record<string, string> = {}) {
  const p = parseGregorClientArgs(argv, env);
  if (p.kind !== 'run') throw new Error(JSON.stringify(p));
  return p.args;
}

test('gregor client commands: brokers, short flags, positionals', () => {
  assert.equal(run(['topic', 'list']).brokers, 'localhost:9092');
  assert.equal(run(['topic', 'list'], { GREGOR_BROKERS: 'b:1' }).brokers, 'b:1');
  assert.equal(run(['topic', 'list', '-b', 'x:2'], { GREGOR_BROKERS: 'b:1' }).brokers, 'x:2');
  assert.deepEqual(run(['topic', 'create', 'a', 'b', '-p', '3', '-r', '1', '-c', 'retention.ms=5']).command, {
    kind: 'topic-create',
    names: ['a', 'b'],
    partitions: 3,
    replicas: 1,
    configs: new Map([['retention.ms', '5']]),
    ifNotExists: false,
  });
  const p = run(['produce', 't', 'v1', 'v2', '-k', 'key', '-H', 'a=b', '-p', '2', '-z', 'lz4']).command;
  assert.ok(p.kind === 'produce' && p.values?.join() === 'v1,v2' && p.key === 'key' && p.partition === 2 && p.compression === 'lz4' && p.headers.get('a') === 'b');
  const c = run(['consume', 't', '-o', '-5', '-n', '10', '-f', 'json']).command;
  assert.ok(c.kind === 'consume' && typeof c.offset === 'object' && c.offset.fromEnd === 5 && c.count === 10 && c.format === 'json');
  assert.ok(run(['consume', 't', '--json']).json);
  const r = run(['group', 'reset', 'g', '--to', '2024-01-01T00:00:00', '--execute']).command;
  assert.ok(r.kind === 'group-reset' && r.to.kind === 'datetime' && r.to.timestamp === Date.UTC(2024, 0, 1) && r.execute);
  assert.equal(run(['cluster', 'info', '--json']).command.kind, 'cluster-info');
});

test('gregor client commands: usage errors and help', () => {
  const err = (argv: string[]): string => {
    const p = parseGregorClientArgs(argv, {});
    assert.equal(p.kind, 'error', JSON.stringify(p));
    return (p as { message: string }).message;
  };
  assert.match(err(['topic', 'frobnicate']), /unknown command 'topic frobnicate'/);
  assert.match(err(['topic', 'describe']), /exactly one topic name/);
  assert.match(err(['produce']), /needs a topic/);
  assert.match(err(['consume', 't', '-o', 'soon']), /--offset soon/);
  assert.match(err(['consume', 't', '-g', 'g', '-p', '0']), /cannot be used together/);
  assert.match(err(['group', 'reset', 'g']), /needs --to/);
  assert.match(err(['topic', 'list', '--zookeeper', 'x']), /--bootstrap-server/);
  assert.equal(parseGregorClientArgs(['topic'], {}).kind, 'help');
  assert.equal(parseGregorClientArgs(['consume', '--help'], {}).kind, 'help');
});

test('tables and colours: readable, colour only on a terminal', () => {
  assert.equal(table(['name', 'partitions'], [['orders', '3']]), 'NAME    PARTITIONS\norders  3\n');
  const plain = styleFor(false, {});
  assert.equal(plain.bold('x'), 'x');
  assert.equal(styleFor(true, { NO_COLOR: '1' }).red('x'), 'x');
  assert.equal(styleFor(true, {}).red('x'), '\x1b[31mx\x1b[0m');
  const r = { topic: 't', partition: 0, offset: 5, timestamp: 0, timestampType: 'CreateTime' as const, key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('1') }], leaderEpoch: 0 };
  const base = { kind: 'consume' as const, topic: 't', group: undefined, offset: 'start' as const, partition: undefined, count: undefined, timeoutMs: undefined, showKey: true, showHeaders: true, showTimestamp: true };
  assert.equal(formatConsumed(r, { ...base, format: 'text' }, plain), '1970-01-01T00:00:00.000Z\th=1\tk\tv\n');
  assert.deepEqual(JSON.parse(formatConsumed(r, { ...base, format: 'json' }, plain)), { topic: 't', partition: 0, offset: 5, timestamp: 0, key: 'k', value: 'v', headers: { h: '1' } });
});
