import { assertNever } from '../common/index.js';
import { KafkaLogger, isLogLevel, type LogLevel } from './kafka-logger.js';
import { GREGOR_HELP, GREGOR_SERVER_START_USAGE, KAFKA_SERVER_START_USAGE, parseGregorArgs, parseServerStartArgs, parseStorageArgs } from './args.js';
import { packageVersion, shippedServerProperties } from './package-files.js';
import { runServerStart, type ServerStartDeps, type StartBroker } from './server-start.js';
import { runStorageTool } from './storage-tool.js';
import { CliError } from './properties-file.js';
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { clientEnv, type ClientEnv } from '../client/index.js';
import { SystemClock, SystemScheduler, TcpTransport, systemRandom } from '../platform/index.js';
import type { ToolIo } from './tools/context.js';
import { runTool, type Tool } from './tools/tool.js';
import { GREGOR_CLIENT_COMMANDS, gregorClient, parseGregorClientArgs } from './tools/gregor.js';

/**
 * The process side of the tools: real stdout/stderr, signals, timers and the broker. Everything
 * that decides anything lives in args.ts, server-start.ts and storage-tool.ts.
 */

function stdout(text: string): void {
  process.stdout.write(text);
}
function stderr(text: string): void {
  process.stderr.write(text);
}

/** GREGOR_LOG_LEVEL=error|warn|info|debug (default info): Gregor has no log4j.properties. */
function logLevel(): LogLevel {
  const v = (process.env['GREGOR_LOG_LEVEL'] ?? 'info').toLowerCase();
  return isLogLevel(v) ? v : 'info';
}

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** The composition root's startBroker, loaded when first needed. */
async function loadStartBroker(): Promise<StartBroker> {
  const server = (await import('../server/index.js')) as unknown as { startBroker?: StartBroker };
  if (typeof server.startBroker !== 'function') throw new CliError('This build of Gregor has no broker yet (src/server/broker.ts).');
  return server.startBroker;
}

function processDeps(): ServerStartDeps {
  return {
    startBroker: async (options) => (await loadStartBroker())(options),
    logger: new KafkaLogger({ name: 'kafka.Kafka$', level: logLevel() }),
    usage: stderr,
    onSignal: (handler) => {
      const listener = (signal: NodeJS.Signals): void => handler(signal);
      // SIGHUP too: the JVM shuts Kafka down cleanly when its terminal goes away; Node would just die.
      for (const s of SHUTDOWN_SIGNALS) process.on(s, listener);
      return () => {
        for (const s of SHUTDOWN_SIGNALS) process.off(s, listener);
      };
    },
    schedule: (delayMs, fn) => {
      const t = setTimeout(fn, delayMs);
      return () => clearTimeout(t);
    },
    defaultPropertiesFile: shippedServerProperties(),
    version: packageVersion(),
  };
}

/** `overrides` replace process dependencies (tests run the real process path with a stub broker). */
export async function kafkaServerStartMain(argv: readonly string[], overrides: Partial<ServerStartDeps> = {}): Promise<number> {
  return runServerStart(parseServerStartArgs(argv, true), KAFKA_SERVER_START_USAGE, { ...processDeps(), ...overrides });
}

export function kafkaStorageMain(argv: readonly string[]): number {
  return runStorageTool(parseStorageArgs(argv), { stdout, stderr });
}

export async function gregorMain(argv: readonly string[]): Promise<number> {
  if (argv[0] !== undefined && GREGOR_CLIENT_COMMANDS.includes(argv[0])) {
    return runTool({ ...gregorClient, parse: (a) => parseGregorClientArgs(a, process.env) }, argv, processToolIo());
  }
  const parsed = parseGregorArgs(argv);
  switch (parsed.kind) {
    case 'help':
      (parsed.exitCode === 0 ? stdout : stderr)(GREGOR_HELP);
      return parsed.exitCode;
    case 'version':
      stdout(`gregor ${packageVersion()} (Apache Kafka 3.9 wire protocol)\n`);
      return 0;
    case 'error':
      stderr(`${parsed.message}\n`);
      return 1;
    case 'server-start':
      return runServerStart(parsed.args, GREGOR_SERVER_START_USAGE, processDeps());
    case 'storage':
      return runStorageTool(parsed.args, { stdout, stderr });
    default:
      return assertNever(parsed);
  }
}

/** The client's real outside world: TCP sockets, the system clock and timers, real randomness. */
export function processClientEnv(): ClientEnv {
  return clientEnv({ connector: new TcpTransport(), clock: new SystemClock(), scheduler: new SystemScheduler({ keepAlive: true }), random: systemRandom });
}

/** The real IO of a client tool: process streams, stdin lines, SIGINT/SIGTERM, sockets and clocks. */
export function processToolIo(): ToolIo {
  let reader: Interface | undefined;
  // A closed pipe (`... | head`) ends the tool quietly, as Kafka's tools stop on a stdout error.
  process.stdout.on('error', () => process.exit(0));
  return {
    stdout,
    stderr,
    stdinLines: () => {
      reader = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
      return reader;
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onInterrupt: (handler) => {
      const listener = (): void => {
        reader?.close();
        handler();
      };
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
    readText: (path) => readFileSync(path, 'utf8'),
    clientEnv: processClientEnv(),
    version: packageVersion(),
    env: process.env,
  };
}

/** A client tool's process main: `runMain(toolMain(kafkaTopics))`. */
export function toolMain<A>(tool: Tool<A>): (argv: readonly string[]) => Promise<number> {
  return (argv) => runTool(tool, argv, processToolIo());
}

/** Runs a tool's main and ends the process with its exit code (a started broker leaves handles behind). */
export function runMain(main: (argv: readonly string[]) => number | Promise<number>): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        stderr(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
      },
    );
}
