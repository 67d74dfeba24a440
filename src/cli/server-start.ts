import type { Logger } from '../common/index.js';
import { BrokerConfig, ConfigException, parseListeners } from '../config/index.js';
import { FormatterException } from '../server/index.js';
import type { ServerStartArgs } from './args.js';
import { KafkaLogger } from './kafka-logger.js';
import { CliError, loadPropertiesFile, mergeOverrides } from './properties-file.js';

/** The broker API of src/server/broker.ts, restated structurally so the CLI can be tested with a stub. */
export interface BrokerOptions {
  readonly properties: ReadonlyMap<string, string>;
  readonly logger?: Logger;
}
export interface BrokerAddress {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
}
export interface BrokerHandle {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly addresses: readonly BrokerAddress[];
  close(): Promise<void>;
}
export type StartBroker = (options: BrokerOptions) => Promise<BrokerHandle>;

export const SHUTDOWN_TIMEOUT_MS = 5000;

export interface ServerStartDeps {
  readonly startBroker: StartBroker;
  /** Root logger; the server's lines are written through children of it. */
  readonly logger: KafkaLogger;
  /** Where usage text goes (stderr). */
  readonly usage: (text: string) => void;
  /** Subscribes to SIGTERM/SIGINT; returns an unsubscribe function. */
  readonly onSignal: (handler: (signal: string) => void) => () => void;
  /** Arms the forced-exit timer; returns a cancel function. */
  readonly schedule: (delayMs: number, fn: () => void) => () => void;
  /** The properties file used when none is given (the shipped config/server.properties). */
  readonly defaultPropertiesFile: string;
  readonly readText?: (path: string) => string;
  readonly shutdownTimeoutMs?: number;
  readonly version?: string;
}

/** The line printed once per bound listener; tests and scripts find the ports with LISTENING_LINE_RE. */
export function listeningLine(a: BrokerAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return `Listening on ${a.listener}://${host}:${a.port}`;
}
export const LISTENING_LINE_RE = /Listening on ([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^\s:]*):(\d+)/;

/**
 * With no properties file (`gregor server start --override listeners=PLAINTEXT://:19092 ...`), a
 * `listeners` override that leaves out the controller listener would make a combined node invalid.
 * Gregor then adds the controller listener on an ephemeral loopback port: the single-voter quorum
 * needs it to exist, nobody needs to reach it. Returns the endpoint added, if any.
 */
export function addImplicitControllerListener(props: Map<string, string>): string | undefined {
  const roles = (props.get('process.roles') ?? '').split(',').map((r) => r.trim());
  const names = (props.get('controller.listener.names') ?? '').split(',').map((n) => n.trim().toUpperCase()).filter((n) => n !== '');
  const first = names[0];
  if (!roles.includes('controller') || first === undefined) return undefined;
  let listeners;
  try {
    listeners = parseListeners(props.get('listeners') ?? null);
  } catch {
    return undefined; // validation will report it
  }
  if (listeners.some((l) => names.includes(l.listenerName))) return undefined;
  const added = `${first}://127.0.0.1:0`;
  const text = props.get('listeners') ?? '';
  props.set('listeners', text.trim() === '' ? added : `${text},${added}`);
  return added;
}

function errorCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Errors an operator fixes (config, storage, ports): their message suffices, a stack trace would only hide it. */
function reportFatal(log: KafkaLogger, e: unknown): void {
  if (e instanceof ConfigException) {
    for (const p of e.problems) log.error(`Invalid configuration: ${p}`);
  } else if (e instanceof FormatterException || e instanceof CliError) {
    log.error(e.message);
  } else if (errorCode(e) !== undefined) {
    log.error(`${(e as Error).message}`);
  } else {
    log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  log.error('Exiting Kafka due to fatal exception during startup.');
}

/**
 * `kafka-server-start` / `gregor server start`: loads the properties, validates them, starts the
 * broker, prints the bound listeners, and on SIGTERM/SIGINT closes it. Resolves with the exit code
 * once the process should exit: 0 after a clean shutdown, 1 on bad usage or config, on a failed
 * start, when shutdown takes longer than 5 s, or on a second signal.
 */
export async function runServerStart(args: ServerStartArgs, usageText: string, deps: ServerStartDeps): Promise<number> {
  if (args.kind === 'usage') {
    deps.usage(`${args.error === undefined ? '' : `${args.error}\n`}${usageText}\n`);
    return 1;
  }
  const main = deps.logger.child('kafka.Kafka$');
  let properties: Map<string, string>;
  let config: BrokerConfig;
  const file = args.propertiesFile ?? deps.defaultPropertiesFile;
  try {
    properties = mergeOverrides(loadPropertiesFile(file, deps.readText), args.overrides);
    if (args.propertiesFile === undefined) {
      const added = addImplicitControllerListener(properties);
      if (added !== undefined) main.info(`No controller listener among the overridden listeners: added ${added}`);
    }
    config = BrokerConfig.fromProperties(properties);
  } catch (e) {
    reportFatal(main, e);
    return 1;
  }
  const nodeId = config.nodeId();
  const log = deps.logger.child('kafka.server.KafkaRaftServer', `[KafkaRaftServer nodeId=${nodeId}] `);
  for (const w of config.warnings) deps.logger.child('kafka.server.KafkaConfig').warn(w);
  const version = deps.version === undefined ? '' : ` ${deps.version}`;
  log.info(`Starting Gregor${version} with ${args.propertiesFile === undefined ? `the shipped ${file}` : file}`);

  let signalled: string | undefined;
  let onFirstSignal: ((signal: string) => void) | undefined;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const unsubscribe = deps.onSignal((signal) => {
    deps.logger.child('org.apache.kafka.common.utils.LoggingSignalHandler').info(`Terminating process due to signal ${signal}`);
    if (signalled !== undefined) {
      log.warn(`Received ${signal} during shutdown: exiting now`);
      resolveExit(1);
      return;
    }
    signalled = signal;
    onFirstSignal?.(signal);
  });

  let handle: BrokerHandle;
  try {
    handle = await deps.startBroker({ properties, logger: log });
  } catch (e) {
    unsubscribe();
    reportFatal(main, e);
    return 1;
  }
  for (const a of handle.addresses) log.info(listeningLine(a));
  log.info(`Cluster ID: ${handle.clusterId}`);
  log.info('Kafka Server started');

  const shutdown = (): void => {
    log.info('Shutting down');
    const timeoutMs = deps.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
    const cancel = deps.schedule(timeoutMs, () => {
      log.error(`Shutdown did not complete within ${timeoutMs} ms: exiting anyway`);
      resolveExit(1);
    });
    handle.close().then(
      () => {
        cancel();
        log.info('Shut down completed');
        resolveExit(0);
      },
      (e: unknown) => {
        cancel();
        log.error(`Error during shutdown: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        resolveExit(1);
      },
    );
  };
  if (signalled !== undefined) shutdown();
  else onFirstSignal = shutdown;
  const code = await exited;
  unsubscribe();
  return code;
}
