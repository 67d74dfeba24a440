import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo.js';

export const BIN = (name: string): string => join(repoRoot(), 'dist', 'src', 'cli', 'bin', `${name}.js`);

/** Every tool still running when the test process exits is killed, so a failed test leaks no broker. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** A spawned tool whose output is collected, with bounded waits for a line and for its exit. */
export class Tool {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(script: string, args: readonly string[], env: Record<string, string> = {}, cwd = repoRoot()) {
    this.child = spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.#append('stdout', d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => this.#append('stderr', d));
    running.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        running.delete(this.child);
        resolve(code);
      }),
    );
  }

  #append(which: 'stdout' | 'stderr', d: string): void {
    this[which] += d;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves with the first match in stdout; rejects after `timeoutMs` or if the process exits first. */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
      for (const w of this.#waiters.splice(0)) w();
    });
    for (;;) {
      const m = re.exec(this.stdout);
      if (m !== null) return m;
      if (exited) throw new Error(`exited before ${re}: ${this.stdout}${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}: ${this.stdout}${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The exit code, or a rejection after `timeoutMs` (the process is then killed). */
  async exitCode(timeoutMs = 15_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms: ${this.stdout}${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
