import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, ZOOKEEPER_REFUSAL, parseConfigList, parseKeyValues, parseOptions, usageText, type ToolSpec } from '../../../src/cli/tools/options.js';

const SPEC: ToolSpec = {
  tool: 't',
  summary: 'A tool.',
  options: [
    { name: 'bootstrap-server', arg: 'required', help: 'servers' },
    { name: 'topic', arg: 'required', help: 'topic' },
    { name: 'config', arg: 'required', help: 'k=v' },
    { name: 'compression-codec', arg: 'optional', help: 'codec' },
    { name: 'list', help: 'list' },
    { name: 'help', help: 'help' },
  ],
};

test('values, flags, --opt=value, repeats and unique prefixes', () => {
  const o = parseOptions(SPEC, ['--bootstrap-server', 'h:1', '--topic=t', '--config', 'a=1', '--config', 'b=2', '--list', '--comp']);
  assert.equal(o.value('bootstrap-server'), 'h:1');
  assert.equal(o.value('topic'), 't');
  assert.deepEqual(o.all('config'), ['a=1', 'b=2']);
  assert.ok(o.has('list'));
  assert.ok(o.has('compression-codec'));
  assert.equal(o.value('compression-codec'), undefined);
  assert.equal(parseOptions(SPEC, ['--compression-codec', 'lz4']).value('compression-codec'), 'lz4');
  assert.equal(parseOptions(SPEC, ['--bootstrap', 'x:1']).value('bootstrap-server'), 'x:1');
});

test('--broker-list is --bootstrap-server; --zookeeper is refused with one line', () => {
  assert.equal(parseOptions(SPEC, ['--broker-list', 'h:9092']).value('bootstrap-server'), 'h:9092');
  assert.throws(() => parseOptions(SPEC, ['--zookeeper', 'localhost:2181']), (e: unknown) => e instanceof UsageError && e.message === ZOOKEEPER_REFUSAL);
  assert.match(ZOOKEEPER_REFUSAL, /--bootstrap-server/);
  assert.ok(!ZOOKEEPER_REFUSAL.includes('\n'));
});

test('unknown options, missing values and ambiguous prefixes are usage errors', () => {
  assert.throws(() => parseOptions(SPEC, ['--nope']), /nope is not a recognized option/);
  assert.throws(() => parseOptions(SPEC, ['--topic']), /Option topic requires an argument/);
  assert.throws(() => parseOptions(SPEC, ['--topic', '--list']), /Option topic requires an argument/);
  assert.throws(() => parseOptions(SPEC, ['--list=1']), /does not take an argument/);
  assert.throws(() => parseOptions(SPEC, ['-x']), /x is not a recognized option/);
  assert.deepEqual(parseOptions(SPEC, ['free', '-5']).positional, ['free', '-5']);
  assert.throws(() => parseOptions(SPEC, ['--topic', 'x']).int('topic'), /Cannot parse argument 'x'/);
});

test('usage text lists every option', () => {
  const text = usageText(SPEC);
  assert.match(text, /^A tool\.\nOption +Description\n------ +-----------\n/);
  assert.match(text, /--bootstrap-server <String> +servers/);
  assert.match(text, /--compression-codec \[String\] +codec/);
});

test('key=value lists', () => {
  assert.deepEqual([...parseKeyValues(['a=1', 'b= x=y'], 'p')], [['a', '1'], ['b', 'x=y']]);
  assert.throws(() => parseKeyValues(['nokey'], 'property'), /Invalid property 'nokey'/);
  assert.deepEqual([...parseConfigList('retention.ms=1000,cleanup.policy=[compact,delete]')], [
    ['retention.ms', '1000'],
    ['cleanup.policy', 'compact,delete'],
  ]);
});
