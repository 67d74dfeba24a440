/** Child processes the tests run to completion: kcat, the Python clients' scripts. */
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';

/** Debian's python3, which has kafka-python and confluent_kafka (a pyenv python3 on PATH may not). */
export const PYTHON = '/usr/bin/python3';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a command to completion (bounded: SIGKILL after `timeoutMs`), feeding `input` on stdin. */
export function run(cmd: string, args: readonly string[], input?: Buffer | string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
    child.stdin!.end(input ?? '');
  });
}

/**
 * The values of one partition, read by kcat from the beginning to the end (librdkafka's default
 * isolation.level, read_committed), one per line; fails if kcat does.
 */
export async function kcatValues(bootstrap: string, topic: string, partition = 0, timeoutMs = 30_000): Promise<string[]> {
  const r = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], undefined, timeoutMs);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.toString('utf8').split('\n').filter((l) => l !== '');
}
