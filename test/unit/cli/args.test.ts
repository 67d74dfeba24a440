import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGregorArgs, parseServerStartArgs, parseStorageArgs } from '../../../src/cli/index.js';

test('kafka-server-start: the properties file, then --override k=v pairs', () => {
  assert.deepEqual(parseServerStartArgs(['s.properties', '--override', 'a=1', '--override=b=2'], true), {
    kind: 'start',
    propertiesFile: 's.properties',
    overrides: ['a=1', 'b=2'],
  });
});

test('kafka-server-start: no arguments, --help or a missing file is the usage (exit 1 like Kafka)', () => {
  assert.deepEqual(parseServerStartArgs([], true), { kind: 'usage' });
  assert.deepEqual(parseServerStartArgs(['--help'], true), { kind: 'usage' });
  assert.deepEqual(parseServerStartArgs(['--override', 'a=1'], true), { kind: 'usage' });
});

test('kafka-server-start: stray arguments, unknown options, a dangling --override and -daemon are usage errors', () => {
  assert.deepEqual(parseServerStartArgs(['s.properties', 'extra'], true), { kind: 'usage', error: 'Found non argument parameters: extra' });
  assert.deepEqual(parseServerStartArgs(['s.properties', '--bogus'], true), { kind: 'usage', error: '--bogus is not a recognized option' });
  assert.deepEqual(parseServerStartArgs(['s.properties', '--override'], true), { kind: 'usage', error: 'Option override requires an argument' });
  const daemon = parseServerStartArgs(['-daemon', 's.properties'], true);
  assert.equal(daemon.kind, 'usage');
  assert.match((daemon as { error?: string }).error ?? '', /-daemon is not supported/);
});

test('gregor server start: the file is optional', () => {
  assert.deepEqual(parseServerStartArgs(['--override', 'log.dirs=/x'], false), { kind: 'start', propertiesFile: undefined, overrides: ['log.dirs=/x'] });
  assert.deepEqual(parseServerStartArgs([], false), { kind: 'start', propertiesFile: undefined, overrides: [] });
});

test('kafka-storage format: long and short options, = forms, flags', () => {
  assert.deepEqual(parseStorageArgs(['format', '-t', 'abc', '-c', 's.properties']), {
    kind: 'format',
    config: 's.properties',
    clusterId: 'abc',
    ignoreFormatted: false,
    releaseVersion: undefined,
    standalone: false,
  });
  assert.deepEqual(parseStorageArgs(['format', '--cluster-id=abc', '--config', 's', '--ignore-formatted', '--release-version', '3.8', '--standalone']), {
    kind: 'format',
    config: 's',
    clusterId: 'abc',
    ignoreFormatted: true,
    releaseVersion: '3.8',
    standalone: true,
  });
  assert.deepEqual(parseStorageArgs(['format', '-g', '-s', '-r', '3.7-IV4', '-t', 'x', '-c', 'y']), {
    kind: 'format',
    config: 'y',
    clusterId: 'x',
    ignoreFormatted: true,
    releaseVersion: '3.7-IV4',
    standalone: true,
  });
});

test('kafka-storage: required options and unknown input are argparse-style errors', () => {
  const msg = (args: string[]): string => {
    const r = parseStorageArgs(args);
    assert.equal(r.kind, 'error');
    return (r as { message: string }).message;
  };
  assert.equal(msg(['format', '-c', 's']), 'kafka-storage: error: argument --cluster-id/-t is required');
  assert.equal(msg(['format', '-t', 'x']), 'kafka-storage: error: argument --config/-c is required');
  assert.equal(msg(['info']), 'kafka-storage: error: argument --config/-c is required');
  assert.equal(msg(['format', '-t']), 'kafka-storage: error: argument --cluster-id/-t: expected one argument');
  assert.equal(msg(['format', '-t', 'x', '-c', 's', '--what']), "kafka-storage: error: unrecognized arguments: '--what'");
  assert.equal(msg(['format', '-t', 'x', '-c', 's', '--feature', 'kraft.version=1']), 'kafka-storage: error: argument --feature: not supported by Gregor yet');
  assert.equal(msg(['frobnicate']), "kafka-storage: error: argument command: invalid choice: 'frobnicate' (choose from 'info', 'format', 'random-uuid')");
  assert.equal(msg([]), 'kafka-storage: error: too few arguments');
  assert.equal(msg(['random-uuid', 'x']), "kafka-storage: error: unrecognized arguments: 'x'");
});

test('kafka-storage: info, random-uuid and help', () => {
  assert.deepEqual(parseStorageArgs(['info', '-c', 's']), { kind: 'info', config: 's' });
  assert.deepEqual(parseStorageArgs(['random-uuid']), { kind: 'random-uuid' });
  assert.equal(parseStorageArgs(['--help']).kind, 'help');
  assert.equal(parseStorageArgs(['format', '-h']).kind, 'help');
});

test('gregor: subcommands, help and version', () => {
  assert.deepEqual(parseGregorArgs([]), { kind: 'help', exitCode: 1 });
  assert.deepEqual(parseGregorArgs(['--help']), { kind: 'help', exitCode: 0 });
  assert.deepEqual(parseGregorArgs(['--version']), { kind: 'version' });
  assert.deepEqual(parseGregorArgs(['server', 'start', 'a.properties']), {
    kind: 'server-start',
    args: { kind: 'start', propertiesFile: 'a.properties', overrides: [] },
  });
  assert.deepEqual(parseGregorArgs(['storage', 'random-uuid']), { kind: 'storage', args: { kind: 'random-uuid' } });
  assert.equal(parseGregorArgs(['server', 'stop']).kind, 'error');
  assert.equal(parseGregorArgs(['topics']).kind, 'error');
});
