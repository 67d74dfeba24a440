/**
 * Runs the compiled tools as child processes, the way users run them: `node dist/src/cli/bin/<tool>.js`
 * or the repo's `bin/<tool>.sh` wrappers, with stdin text and bounded waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo.js';

export const toolJs = (name: string): string => join(repoRoot(), 'dist', 'src', 'cli', 'bin', `${name}.js`);

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running tool: output collected, bounded waits for output and for its exit. */
export class RunningTool {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(command: string, args: readonly string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}) {
    this.child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot(),
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.#append('stdout', d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => this.#append('stderr', d));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        running.delete(this.child);
        for (const w of this.#waiters.splice(0)) w();
        resolve(code);
      }),
    );
    if (options.input !== undefined) this.child.stdin!.end(options.input);
  }

  #append(which: 'stdout' | 'stderr', d: string): void {
    this[which] += d;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until `pred(this)` holds; rejects after `timeoutMs` or if the process exits first. */
  async until(pred: (t: RunningTool) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pred(this)) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited before ${what}: ${this.stdout}${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${this.stdout}${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first match of `re` in stdout; rejects after `timeoutMs` or if the process exits first. */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    await this.until(() => (m = re.exec(this.stdout)) !== null, String(re), timeoutMs);
    return m!;
  }

  /** The exit code, or a rejection after `timeoutMs` (the process is then killed). */
  async exitCode(timeoutMs = 15_000): Promise<number | null> {
    return (await this.result(timeoutMs)).code;
  }

  async result(timeoutMs = 30_000): Promise<RunResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms: ${this.stdout}${this.stderr}`));
      }, timeoutMs);
    });
    try {
      const code = await Promise.race([this.exited, timeout]);
      return { code, stdout: this.stdout, stderr: this.stderr };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Starts `node <script> args...` (a compiled tool or test program), stdin at its end. */
export function startNode(script: string, args: readonly string[], env: Record<string, string> = {}): RunningTool {
  return new RunningTool(process.execPath, [script, ...args], { input: '', env });
}

/** Runs `node dist/src/cli/bin/<tool>.js args...` to completion. */
export function runTool(tool: string, args: readonly string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return new RunningTool(process.execPath, [toolJs(tool), ...args], options).result(options.timeoutMs);
}

/** Runs a shell command line (a tutorial's `bin/kafka-*.sh ...` line) from the repo root. */
export function runShell(line: string, options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new RunningTool('/bin/sh', ['-c', line], options).result(options.timeoutMs);
}

/** Exactly one line on stderr, no stack trace. */
export function isOneLine(text: string): boolean {
  const lines = text.trimEnd().split('\n');
  return lines.length === 1 && lines[0] !== '' && !/\n\s+at /.test(text);
}
