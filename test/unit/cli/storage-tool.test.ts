import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStorageArgs, runStorageTool } from '../../../src/cli/index.js';

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-storage-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runStorageTool(parseStorageArgs(args), { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

function writeConfig(dir: string, extra = ''): string {
  const path = join(dir, 'server.properties');
  writeFileSync(
    path,
    `process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\nlog.dirs=${join(dir, 'logs')}\n${extra}`,
  );
  return path;
}

test('kafka-storage random-uuid prints a 22-character uuid', () => {
  const r = run(['random-uuid']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^[A-Za-z0-9_-]{21}[AQgw]\n$/);
});

test('kafka-storage format then info on a temp dir; a second format fails with exit 1', () => {
  withTempDir((dir) => {
    const config = writeConfig(dir);
    const clusterId = run(['random-uuid']).out.trim();
    const f = run(['format', '-t', clusterId, '-c', config]);
    assert.equal(f.code, 0, f.err);
    assert.match(f.out, new RegExp(`Formatting metadata directory ${join(dir, 'logs')} with metadata.version 3.9-IV0.`));
    assert.match(readFileSync(join(dir, 'logs', 'meta.properties'), 'utf8'), new RegExp(`cluster.id=${clusterId}`));
    assert.ok(existsSync(join(dir, 'logs', 'bootstrap.checkpoint')));

    const info = run(['info', '-c', config]);
    assert.equal(info.code, 0);
    assert.match(info.out, new RegExp(`^Found log directory:\n  ${join(dir, 'logs')}\n\nFound metadata: \\{cluster.id=${clusterId}, directory.id=\\S+, node.id=1, version=1\\}\n`));

    const again = run(['format', '-t', clusterId, '-c', config]);
    assert.equal(again.code, 1);
    assert.equal(again.err, `Log directory ${join(dir, 'logs')} is already formatted. Use --ignore-formatted to ignore this directory and format the others.\n`);
    assert.equal(run(['format', '-t', clusterId, '-c', config, '--ignore-formatted']).code, 0);
  });
});

test('kafka-storage: usage errors, bad config and a missing file exit 1 with a message on stderr', () => {
  withTempDir((dir) => {
    const usage = run(['format', '-c', 'x']);
    assert.equal(usage.code, 1);
    assert.match(usage.err, /^usage: kafka-storage format .*\nkafka-storage: error: argument --cluster-id\/-t is required\n$/);
    const missing = run(['info', '-c', join(dir, 'nope.properties')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /Cannot read properties file .*nope.properties: no such file/);
    const bad = run(['info', '-c', writeConfig(dir, 'num.partitions=0\n')]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Invalid value 0 for configuration num.partitions/);
    const info = run(['info', '-c', writeConfig(dir)]);
    assert.equal(info.code, 1);
    assert.equal(info.out, `Found problem:\n  ${join(dir, 'logs')} does not exist\n\n`);
  });
});
