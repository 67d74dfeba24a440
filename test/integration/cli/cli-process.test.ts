/**
 * The compiled tools as processes: usage and exit codes, bad config, kafka-storage on a temp dir,
 * and the server lifecycle (listeners line, SIGTERM/SIGINT, forced exit) around a stub broker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LISTENING_LINE_RE } from '../../../src/cli/index.js';
import { repoRoot } from '../../support/repo.js';
import { startNode, toolJs } from './tools-support.js';

const STUB = join(repoRoot(), 'dist', 'test', 'integration', 'cli', 'stub-server-start.js');
const CONFIG = join(repoRoot(), 'config', 'server.properties');
const EPHEMERAL = ['--override', 'listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0', '--override', 'advertised.listeners=PLAINTEXT://localhost:9092'];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gregor-cli-'));
}

test('kafka-server-start without arguments prints Kafka\'s usage and exits 1', async () => {
  const t = startNode(toolJs('kafka-server-start'), []);
  assert.equal(await t.exitCode(), 1);
  assert.equal(t.stderr, 'USAGE: kafka-server-start [-daemon] server.properties [--override property=value]*\n');
});

test('gregor --version and --help exit 0; an unknown command exits 1', async () => {
  const v = startNode(toolJs('gregor'), ['--version']);
  assert.equal(await v.exitCode(), 0);
  assert.match(v.stdout, /^gregor \d+\.\d+\.\d+/);
  const h = startNode(toolJs('gregor'), ['--help']);
  assert.equal(await h.exitCode(), 0);
  assert.match(h.stdout, /gregor server start \[server.properties\]/);
  const u = startNode(toolJs('gregor'), ['frob']);
  assert.equal(await u.exitCode(), 1);
  assert.match(u.stderr, /unknown command 'frob'/);
});

test('bad config: every problem listed on stdout, no stack trace, exit 1', async () => {
  const t = startNode(toolJs('kafka-server-start'), [CONFIG, '--override', 'num.partitions=0', '--override', 'node.id=-5']);
  assert.equal(await t.exitCode(), 1);
  assert.match(t.stdout, /ERROR Invalid configuration: Invalid value 0 for configuration num.partitions: Value must be at least 1 \(kafka.Kafka\$\)/);
  assert.match(t.stdout, /Exiting Kafka due to fatal exception during startup/);
  assert.doesNotMatch(t.stdout + t.stderr, /\n\s+at /);
});

test('kafka-storage random-uuid, format, info as processes', async () => {
  const dir = tempDir();
  try {
    const props = join(dir, 'server.properties');
    writeFileSync(props, `process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\nlog.dirs=${join(dir, 'logs')}\n`);
    const u = startNode(toolJs('kafka-storage'), ['random-uuid']);
    assert.equal(await u.exitCode(), 0);
    const id = u.stdout.trim();
    const f = startNode(toolJs('kafka-storage'), ['format', '-t', id, '-c', props]);
    assert.equal(await f.exitCode(), 0, f.stderr);
    assert.match(f.stdout, /Formatting metadata directory .* with metadata.version 3.9-IV0./);
    const i = startNode(toolJs('gregor'), ['storage', 'info', '-c', props]);
    assert.equal(await i.exitCode(), 0);
    assert.match(i.stdout, new RegExp(`cluster.id=${id}`));
    const again = startNode(toolJs('kafka-storage'), ['format', '-t', id, '-c', props]);
    assert.equal(await again.exitCode(), 1);
    assert.match(again.stderr, /is already formatted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function startStub(signal: NodeJS.Signals): Promise<void> {
  const dir = tempDir();
  try {
    const t = startNode(STUB, [CONFIG, ...EPHEMERAL, '--override', `log.dirs=${dir}`]);
    await t.waitFor(/Kafka Server started/);
    const listeners = t.stdout.split('\n').flatMap((l) => {
      const m = LISTENING_LINE_RE.exec(l);
      return m === null ? [] : [{ name: m[1]!, host: m[2]!, port: Number(m[3]) }];
    });
    assert.deepEqual(listeners.map((l) => l.name).sort(), ['CONTROLLER', 'PLAINTEXT']);
    const plain = listeners.find((l) => l.name === 'PLAINTEXT')!;
    assert.ok(plain.port > 0);
    await new Promise<void>((resolve, reject) => connect(plain.port, plain.host).once('connect', resolve).once('error', reject));
    t.child.kill(signal);
    assert.equal(await t.exitCode(10_000), 0);
    assert.match(t.stdout, new RegExp(`Terminating process due to signal ${signal}[\\s\\S]*Shut down completed`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('server start: listeners printed, reachable; SIGTERM shuts down with exit 0', () => startStub('SIGTERM'));
test('server start: SIGINT (Ctrl-C) too', () => startStub('SIGINT'));
test('server start: SIGHUP (terminal closed) too', () => startStub('SIGHUP'));

test('server start: a shutdown that hangs is cut off with a message and exit 1', async () => {
  const t = startNode(STUB, [CONFIG, ...EPHEMERAL, '--override', 'log.dirs=/nonexistent/gregor-stub'], { STUB_HANG_CLOSE: '1', STUB_SHUTDOWN_MS: '300' });
  await t.waitFor(/Kafka Server started/);
  t.child.kill('SIGTERM');
  assert.equal(await t.exitCode(10_000), 1);
  assert.match(t.stdout, /Shutdown did not complete within 300 ms: exiting anyway/);
});
