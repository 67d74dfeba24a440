import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GREGOR_SERVER_START_USAGE,
  KAFKA_SERVER_START_USAGE,
  KafkaLogger,
  LISTENING_LINE_RE,
  addImplicitControllerListener,
  parseServerStartArgs,
  runServerStart,
  type BrokerHandle,
  type BrokerOptions,
  type ServerStartDeps,
} from '../../../src/cli/index.js';
import { ConfigException } from '../../../src/config/index.js';
import { FormatterException } from '../../../src/server/index.js';

const PROPS = `process.roles=broker,controller
node.id=3
controller.quorum.voters=3@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
log.dirs=/tmp/x
`;

interface Harness {
  deps: ServerStartDeps;
  out: string[];
  usage: string[];
  started: BrokerOptions[];
  signal(name: string): void;
  fireTimer(): void;
  closeCalls: number;
  finishClose(): void;
}

function harness(opts: { start?: (o: BrokerOptions) => Promise<BrokerHandle>; files?: Record<string, string> } = {}): Harness {
  const h: Harness = {
    out: [],
    usage: [],
    started: [],
    closeCalls: 0,
    signal: () => {},
    fireTimer: () => {},
    finishClose: () => {},
    deps: undefined as unknown as ServerStartDeps,
  };
  let signalHandler: ((s: string) => void) | undefined;
  let timer: (() => void) | undefined;
  h.signal = (s) => signalHandler?.(s);
  h.fireTimer = () => timer?.();
  const files: Record<string, string> = { 'server.properties': PROPS, '/pkg/config/server.properties': PROPS, ...opts.files };
  h.deps = {
    startBroker:
      opts.start ??
      (async (o) => {
        h.started.push(o);
        return {
          nodeId: 3,
          clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
          addresses: [
            { listener: 'PLAINTEXT', host: '127.0.0.1', port: 40001 },
            { listener: 'CONTROLLER', host: '::1', port: 40002 },
          ],
          close: () => {
            h.closeCalls++;
            return new Promise<void>((resolve) => (h.finishClose = resolve));
          },
        };
      }),
    logger: new KafkaLogger({ name: 'test', write: (l) => h.out.push(l), nowMs: () => 0 }),
    usage: (t) => h.usage.push(t),
    onSignal: (handler) => {
      signalHandler = handler;
      return () => (signalHandler = undefined);
    },
    schedule: (_ms, fn) => {
      timer = fn;
      return () => (timer = undefined);
    },
    defaultPropertiesFile: '/pkg/config/server.properties',
    readText: (p) => {
      const t = files[p];
      if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return t;
    },
  };
  return h;
}

/** Lets pending promise callbacks run (bounded; no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

test('start: properties plus overrides reach the broker; listeners printed in the parseable line; SIGTERM closes and exits 0', async () => {
  const h = harness();
  const run = runServerStart(parseServerStartArgs(['server.properties', '--override', 'num.partitions=4'], true), KAFKA_SERVER_START_USAGE, h.deps);
  await settle();
  assert.equal(h.started.length, 1);
  assert.equal(h.started[0]!.properties.get('num.partitions'), '4');
  assert.equal(h.started[0]!.properties.get('node.id'), '3');
  const text = h.out.join('');
  const ports = h.out.flatMap((l) => {
    const m = LISTENING_LINE_RE.exec(l);
    return m === null ? [] : [`${m[1]} ${m[2]} ${m[3]}`];
  });
  assert.deepEqual(ports, ['PLAINTEXT 127.0.0.1 40001', 'CONTROLLER [::1] 40002']);
  assert.match(text, /\[1970-01-01 \d\d:00:00,000\] INFO \[KafkaRaftServer nodeId=3\] Kafka Server started \(kafka.server.KafkaRaftServer\)\n/);
  h.signal('SIGTERM');
  assert.equal(h.closeCalls, 1);
  h.finishClose();
  assert.equal(await run, 0);
  assert.match(h.out.join(''), /Terminating process due to signal SIGTERM[\s\S]*Shut down completed/);
});

test('shutdown taking longer than the timeout exits 1 with a message; a second signal exits at once', async () => {
  const h = harness();
  const run = runServerStart(parseServerStartArgs(['server.properties'], true), KAFKA_SERVER_START_USAGE, h.deps);
  await settle();
  h.signal('SIGINT');
  h.fireTimer();
  assert.equal(await run, 1);
  assert.match(h.out.join(''), /ERROR .*Shutdown did not complete within 5000 ms: exiting anyway/);

  const h2 = harness();
  const run2 = runServerStart(parseServerStartArgs(['server.properties'], true), KAFKA_SERVER_START_USAGE, h2.deps);
  await settle();
  h2.signal('SIGINT');
  h2.signal('SIGINT');
  assert.equal(await run2, 1);
  assert.equal(h2.closeCalls, 1);
});

test('a signal during startup closes the broker as soon as it has started', async () => {
  let release: () => void = () => {};
  const h = harness();
  const inner = h.deps.startBroker;
  const gate = new Promise<void>((r) => (release = r));
  const deps = { ...h.deps, startBroker: async (o: BrokerOptions) => (await gate, inner(o)) };
  const run = runServerStart(parseServerStartArgs(['server.properties'], true), KAFKA_SERVER_START_USAGE, deps);
  await settle();
  h.signal('SIGTERM');
  release();
  await settle();
  assert.equal(h.closeCalls, 1);
  h.finishClose();
  assert.equal(await run, 0);
});

test('bad usage prints the usage and exits 1 without starting anything', async () => {
  const h = harness();
  assert.equal(await runServerStart(parseServerStartArgs([], true), KAFKA_SERVER_START_USAGE, h.deps), 1);
  assert.deepEqual(h.usage, [`${KAFKA_SERVER_START_USAGE}\n`]);
  assert.equal(h.started.length, 0);
});

test('bad config lists every problem, no stack trace, exit 1', async () => {
  const h = harness();
  const args = parseServerStartArgs(['server.properties', '--override', 'num.partitions=zero', '--override', 'log.segment.bytes=1'], true);
  assert.equal(await runServerStart(args, KAFKA_SERVER_START_USAGE, h.deps), 1);
  const text = h.out.join('');
  assert.match(text, /ERROR Invalid configuration: Invalid value zero for configuration num.partitions: Not a number of type INT \(kafka.Kafka\$\)/);
  assert.match(text, /ERROR Invalid configuration: Invalid value 1 for configuration log.segment.bytes/);
  assert.match(text, /Exiting Kafka due to fatal exception during startup/);
  assert.doesNotMatch(text, /\n\s+at /);
  assert.equal(h.started.length, 0);
});

test('a missing properties file and a malformed override are reported plainly', async () => {
  const h = harness();
  assert.equal(await runServerStart(parseServerStartArgs(['nope.properties'], true), KAFKA_SERVER_START_USAGE, h.deps), 1);
  assert.match(h.out.join(''), /ERROR Cannot read properties file nope.properties: no such file/);
  const h2 = harness();
  assert.equal(await runServerStart(parseServerStartArgs(['server.properties', '--override', 'novalue'], true), KAFKA_SERVER_START_USAGE, h2.deps), 1);
  assert.match(h2.out.join(''), /Invalid override 'novalue': expected key=value/);
});

test('start failures from the broker (config, storage, ports) exit 1 without a stack trace', async () => {
  for (const err of [
    new ConfigException('a\nb', ['a', 'b']),
    new FormatterException("Stored node id 1 doesn't match previous node id 3"),
    Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:9092'), { code: 'EADDRINUSE' }),
  ]) {
    const h = harness({ start: () => Promise.reject(err) });
    assert.equal(await runServerStart(parseServerStartArgs(['server.properties'], true), KAFKA_SERVER_START_USAGE, h.deps), 1);
    const text = h.out.join('');
    assert.doesNotMatch(text, /\n\s+at /);
    assert.match(text, /Exiting Kafka due to fatal exception during startup/);
  }
});

test('gregor server start with no file uses the shipped properties; a listeners override without the controller adds one on port 0', async () => {
  const h = harness();
  const args = parseServerStartArgs(['--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'advertised.listeners=PLAINTEXT://127.0.0.1:0', '--override', 'log.dirs=/tmp/y'], false);
  const run = runServerStart(args, GREGOR_SERVER_START_USAGE, h.deps);
  await settle();
  const props = h.started[0]!.properties;
  assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0');
  assert.equal(props.get('log.dirs'), '/tmp/y');
  assert.match(h.out.join(''), /with the shipped \/pkg\/config\/server.properties/);
  h.signal('SIGTERM');
  h.finishClose();
  assert.equal(await run, 0);
});

test('addImplicitControllerListener leaves configs that already have the controller listener, or no controller role, alone', () => {
  const base = { 'process.roles': 'broker,controller', 'controller.listener.names': 'CONTROLLER' };
  const has = new Map(Object.entries({ ...base, listeners: 'PLAINTEXT://:1,CONTROLLER://:2' }));
  assert.equal(addImplicitControllerListener(has), undefined);
  const brokerOnly = new Map(Object.entries({ ...base, 'process.roles': 'broker', listeners: 'PLAINTEXT://:1' }));
  assert.equal(addImplicitControllerListener(brokerOnly), undefined);
  const missing = new Map(Object.entries({ ...base, listeners: 'PLAINTEXT://:1' }));
  assert.equal(addImplicitControllerListener(missing), 'CONTROLLER://127.0.0.1:0');
});

test('KafkaLogger: log4j layout, level filter, fields and logger-name override', () => {
  const lines: string[] = [];
  const log = new KafkaLogger({ name: 'a.B', prefix: '[B id=1] ', level: 'info', write: (l) => lines.push(l), nowMs: () => new Date(2026, 10, 21, 10, 0, 0, 123).getTime() });
  log.info('hello', { connectionId: 7 });
  log.debug('hidden');
  log.warn('named', { logger: 'kafka.network.Processor' });
  log.error('failed', { error: new Error('boom') });
  assert.deepEqual(lines, [
    '[2026-11-21 10:00:00,123] INFO [B id=1] hello connectionId=7 (a.B)\n',
    '[2026-11-21 10:00:00,123] WARN [B id=1] named (kafka.network.Processor)\n',
    '[2026-11-21 10:00:00,123] ERROR [B id=1] failed error=boom (a.B)\n',
  ]);
});
