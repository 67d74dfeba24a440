import { assertNever } from '../common/index.js';
import { KafkaLogger, isLogLevel, type LogLevel } from './kafka-logger.js';
import { GREGOR_HELP, GREGOR_SERVER_START_USAGE, KAFKA_SERVER_START_USAGE, parseGregorArgs, parseServerStartArgs, parseStorageArgs } from './args.js';
import { packageVersion, shippedServerProperties } from './package-files.js';
import { runServerStart, type ServerStartDeps, type StartBroker } from './server-start.js';
import { runStorageTool } from './storage-tool.js';
import { CliError } from './properties-file.js';

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
