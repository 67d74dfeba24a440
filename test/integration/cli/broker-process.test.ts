/**
 * The real broker started as users start it: the compiled bins, a temp data dir, ephemeral ports.
 * First start formats the storage; a restart finds the same cluster; SIGTERM exits 0 in time;
 * kcat sees the broker. Skipped until src/server exports startBroker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LISTENING_LINE_RE } from '../../../src/cli/index.js';
import { repoRoot } from '../../support/repo.js';
import { startNode, toolJs } from './tools-support.js';

const server = (await import('../../../src/server/index.js')) as Record<string, unknown>;
const skip = typeof server['startBroker'] !== 'function' ? 'src/server/broker.ts (startBroker) is not there yet' : false;
const CONFIG = join(repoRoot(), 'config', 'server.properties');

function listeners(stdout: string): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const line of stdout.split('\n')) {
    const m = LISTENING_LINE_RE.exec(line);
    if (m !== null) out.set(m[1]!, { host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) });
  }
  return out;
}

function kcatList(port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kcat', ['-L', '-b', `127.0.0.1:${port}`, '-m', '10'], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

async function startAndStop(bin: string, args: string[], dataDir: string): Promise<string> {
  const t = startNode(bin, args);
  await t.waitFor(/Kafka Server started/, 30_000);
  const plain = listeners(t.stdout).get('PLAINTEXT');
  assert.ok(plain !== undefined && plain.port > 0, t.stdout);
  const k = await kcatList(plain.port);
  assert.equal(k.code, 0, k.stderr);
  assert.match(k.stdout, /1 brokers:/);
  const killedAt = Date.now();
  t.child.kill('SIGTERM');
  assert.equal(await t.exitCode(10_000), 0, t.stdout);
  assert.ok(Date.now() - killedAt < 5_000, 'shutdown within 5 s');
  const meta = readFileSync(join(dataDir, 'meta.properties'), 'utf8');
  return /cluster.id=(\S+)/.exec(meta)![1]!;
}

test('kafka-server-start with a Kafka combined-mode file: formats on first start, same cluster on restart, SIGTERM → exit 0', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-broker-'));
  try {
    const args = [
      CONFIG,
      '--override', 'listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      '--override', 'advertised.listeners=PLAINTEXT://127.0.0.1:0',
      '--override', `log.dirs=${dir}`,
    ];
    const first = await startAndStop(toolJs('kafka-server-start'), args, dir);
    const second = await startAndStop(toolJs('kafka-server-start'), args, dir);
    assert.equal(second, first);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gregor server start with no file and only listeners, advertised.listeners and log.dirs overridden', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-broker-'));
  try {
    await startAndStop(
      toolJs('gregor'),
      ['server', 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'advertised.listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dir}`],
      dir,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
