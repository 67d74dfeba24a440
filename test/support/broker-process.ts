/**
 * A Gregor broker run the way users run it: the compiled `kafka-server-start` bin as a child
 * process, with a Kafka combined-mode server.properties written to a temp dir, loopback ports that
 * were free a moment ago, and a temp log dir. Used by the compat tests (real clients over real
 * sockets) and the restart tests (SIGKILL / SIGTERM, then start again on the same dirs and ports).
 *
 * Everything the process prints (all runs) is kept, so a failing test can show the broker's side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

export const HOST = '127.0.0.1';
const READY_RE = /Kafka Server started/;
const LISTENING_RE = /Listening on ([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^\s:]*):(\d+)/g;

/** A loopback port nobody listens on right now (bind 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface BrokerProcessOptions {
  /** Extra or overriding server.properties entries (e.g. `{'message.max.bytes': '2000000'}`). */
  readonly properties?: Readonly<Record<string, string>>;
  /** Environment additions for the process (e.g. GREGOR_LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Bound on the wait for `Kafka Server started`. */
  readonly readyTimeoutMs?: number;
}

export class BrokerProcess {
  readonly dir: string;
  readonly dataDir: string;
  readonly propertiesFile: string;
  readonly port: number;
  readonly controllerPort: number;
  /** Output of every run, in order, with a marker line per start. */
  output = '';
  /** Listener name -> port, as printed by the last run's `Listening on` lines. */
  listeners = new Map<string, number>();
  #child: ChildProcess | undefined;
  #exited: Promise<number | string | null> = Promise.resolve(null);
  #waiters: (() => void)[] = [];
  #runs = 0;
  readonly #options: BrokerProcessOptions;

  private constructor(port: number, controllerPort: number, options: BrokerProcessOptions) {
    this.port = port;
    this.controllerPort = controllerPort;
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'gregor-compat-'));
    this.dataDir = join(this.dir, 'kraft-combined-logs');
    this.propertiesFile = join(this.dir, 'server.properties');
    writeFileSync(this.propertiesFile, this.#propertiesText());
  }

  /** Writes the properties, spawns the broker and waits until it says it started. */
  static async start(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    const b = new BrokerProcess(await freePort(), await freePort(), options);
    try {
      await b.startAgain();
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  }

  get bootstrap(): string {
    return `${HOST}:${this.port}`;
  }
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #propertiesText(): string {
    const props: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@${HOST}:${this.controllerPort}`,
      listeners: `PLAINTEXT://${HOST}:${this.port},CONTROLLER://${HOST}:${this.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://${HOST}:${this.port}`,
      'inter.broker.listener.name': 'PLAINTEXT',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': this.dataDir,
      'num.partitions': '1',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      ...this.#options.properties,
    };
    return `# written by test/support/broker-process.ts\n${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
  }

  /** Starts the process on the same properties, dirs and ports (first start or restart). */
  async startAgain(): Promise<void> {
    if (this.running) throw new Error('broker is already running');
    this.#runs++;
    const mark = this.output.length;
    this.output += `\n----- start #${this.#runs} -----\n`;
    const bin = join(repoRoot(), 'dist', 'src', 'cli', 'bin', 'kafka-server-start.js');
    const child = spawn(process.execPath, [bin, this.propertiesFile], {
      cwd: this.dir,
      env: { ...process.env, ...this.#options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const append = (d: string): void => {
      this.output += d;
      for (const w of this.#waiters.splice(0)) w();
    };
    child.stdout!.setEncoding('utf8').on('data', append);
    child.stderr!.setEncoding('utf8').on('data', append);
    this.#exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        append(`\n----- exit ${code ?? signal} -----\n`);
        resolve(code ?? signal);
      }),
    );
    await this.#waitForOutput(READY_RE, mark, this.#options.readyTimeoutMs ?? 30_000);
    this.listeners = new Map();
    for (const m of this.output.slice(mark).matchAll(LISTENING_RE)) this.listeners.set(m[1]!, Number(m[3]));
    if (this.listeners.get('PLAINTEXT') !== this.port) {
      throw new Error(`broker did not report PLAINTEXT on port ${this.port}:\n${this.logTail()}`);
    }
  }

  async #waitForOutput(re: RegExp, from: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (re.test(this.output.slice(from))) return;
      if (!this.running) throw new Error(`broker exited before ${re}:\n${this.logTail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`broker not ready within ${timeoutMs} ms:\n${this.logTail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** SIGTERM; resolves with the exit code (or signal name), killing the process if it takes over `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<number | string | null> {
    if (!this.running) return this.#exited;
    this.#child!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const r = await Promise.race([this.#exited, late]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.#child!.kill('SIGKILL');
      await this.#exited;
      throw new Error(`broker did not exit within ${timeoutMs} ms of SIGTERM:\n${this.logTail()}`);
    }
    return r;
  }

  /** SIGKILL: no shutdown hooks run, unsynced page-cache data survives (the OS keeps it), the process does not. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child!.kill('SIGKILL');
    await this.#exited;
  }

  /** The last `lines` lines of everything the broker printed, for failure messages. */
  logTail(lines = 80): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  /** Runs `fn`; if it throws, the error message gets the broker's log tail appended. */
  async check<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Error) {
        e.message += `\n--- broker log (tail) ---\n${this.logTail(40)}`;
        throw e;
      }
      throw e;
    }
  }

  /** Stops the broker (SIGKILL if SIGTERM does not do it) and removes its directory. */
  async close(): Promise<void> {
    try {
      if (this.running) await this.stop().catch(() => this.kill());
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
