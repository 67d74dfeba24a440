/**
 * One scenario per real client (and per compression codec for librdkafka): the client produces
 * known records to the fake broker and reads them back through a consumer group. What each
 * scenario sends is fixed here, so the same expectations check the live capture and the hex
 * fixtures stored from an earlier capture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { CompressionType } from '../../src/protocol/records/index.js';
import { API, type FakeBroker, type VersionMode } from '../support/fake-broker.js';
import { PYTHON } from '../support/run.js';

export interface SentRecord {
  key: string | null;
  value: string;
  headers: [string, string][];
}

export type FlexibleExpectation = 'none' | 'all' | 'any';

export interface Scenario {
  /** Also the name of its fixture directory. */
  name: string;
  clientId: string;
  topic: string;
  group: string;
  /** Which versions the fake advertises. */
  versions: VersionMode;
  minVersions: Readonly<Record<number, number>>;
  /** Whether the client's requests use flexible versions: kafkajs never, platformatic always. */
  flexible: FlexibleExpectation;
  acks: number;
  /** Every record produced, in produce order. */
  sent: SentRecord[];
  /** The codecs the captured batches must use, as a set. */
  compressions: CompressionType[];
  /** Idempotent producers get producer id 4242 from the fake's InitProducerId. */
  idempotent: boolean;
  /** @platformatic/kafka's subscription quirk (see checks.ts). */
  subscriptionV1WithV0Body?: boolean;
  /** The apis that must show up in the capture. */
  mustSee: number[];
  run(broker: FakeBroker, timeoutMs: number): Promise<void>;
}

const GROUP_APIS = [API.FindCoordinator, API.JoinGroup, API.SyncGroup, API.ListOffsets];
const BASIC_APIS = [API.ApiVersions, API.Metadata, API.Produce, API.Fetch, ...GROUP_APIS];

/** Rejects after `ms` (the timer is cleared when `p` settles), so no client can hang the suite. */
export async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- child processes ---------------------------------------------------------------------------

const running = new Set<ChildProcess>();

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; on timeout it is killed (by PID) and the promise rejects. */
export async function runProcess(cmd: string, args: string[], input: string, timeoutMs: number): Promise<ProcessResult> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<ProcessResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  child.stdin!.end(input);
  try {
    const r = await bounded(exited, timeoutMs, `${cmd} ${args.join(' ')}`);
    if (r.code !== 0) throw new Error(`${cmd} exited with ${r.code ?? r.signal}: ${r.stderr}`);
    return r;
  } finally {
    await killProcess(child);
  }
}

async function killProcess(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGKILL');
  await gone;
}

/** Kills every client process still running (each by its PID). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map(killProcess));
}

// ---- kafkajs: old, non-flexible versions only ---------------------------------------------------

const kafkajsSent: SentRecord[] = [
  { key: 'k1', value: 'v1', headers: [['h1', 'x'], ['h2', 'y']] },
  { key: null, value: 'v2', headers: [] },
  { key: 'k3', value: 'gzip me '.repeat(20), headers: [['h3', 'z']] },
];

const kafkajsScenario: Scenario = {
  name: 'kafkajs',
  clientId: 'golden-kafkajs',
  topic: 'golden-kafkajs',
  group: 'golden-kafkajs-group',
  versions: 'all',
  minVersions: {},
  flexible: 'none',
  acks: -1,
  sent: kafkajsSent,
  compressions: [CompressionType.none, CompressionType.gzip],
  idempotent: false,
  mustSee: [...BASIC_APIS, API.OffsetFetch],
  async run(broker, timeoutMs) {
    const kafka = new Kafka({ clientId: this.clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const toMessage = (r: SentRecord) => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers) });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: this.group, maxWaitTimeInMs: 100 });
    try {
      await bounded(
        (async () => {
          await producer.connect();
          await producer.send({ topic: this.topic, acks: this.acks, messages: kafkajsSent.slice(0, 2).map(toMessage) });
          await producer.send({ topic: this.topic, acks: this.acks, compression: CompressionTypes.GZIP, messages: kafkajsSent.slice(2).map(toMessage) });
          await consumer.connect();
          await consumer.subscribe({ topic: this.topic, fromBeginning: true });
          let received = 0;
          await new Promise<void>((resolve, reject) => {
            consumer.run({ eachMessage: async () => { if (++received === kafkajsSent.length) resolve(); } }).catch(reject);
          });
        })(),
        timeoutMs,
        'kafkajs session',
      );
    } finally {
      await producer.disconnect();
      await consumer.disconnect();
    }
  },
};

// ---- @platformatic/kafka: new, flexible versions only -------------------------------------------

const platformaticSent: SentRecord[] = [
  { key: 'k1', value: 'v1', headers: [['h1', 'x']] },
  { key: 'k2', value: 'v2', headers: [] },
];

const platformaticScenario: Scenario = {
  name: 'platformatic',
  clientId: 'golden-platformatic',
  topic: 'golden-platformatic',
  group: 'golden-platformatic-group',
  versions: 'all',
  minVersions: {},
  flexible: 'all',
  subscriptionV1WithV0Body: true,
  acks: -1,
  sent: platformaticSent,
  compressions: [CompressionType.none],
  idempotent: false,
  mustSee: BASIC_APIS,
  async run(broker, timeoutMs) {
    const base = { clientId: this.clientId, bootstrapBrokers: [broker.bootstrap] };
    const producer = new Producer({ ...base, serializers: stringSerializers });
    const consumer = new Consumer({ ...base, groupId: this.group, deserializers: stringDeserializers, maxWaitTime: 100 });
    try {
      await bounded(
        (async () => {
          await producer.send({
            acks: this.acks,
            messages: platformaticSent.map((r) => ({
              topic: this.topic,
              ...(r.key === null ? {} : { key: r.key }),
              value: r.value,
              headers: new Map(r.headers),
            })),
          });
          const stream = await consumer.consume({ topics: [this.topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
          let received = 0;
          for await (const _ of stream) if (++received === platformaticSent.length) break;
          await stream.close();
        })(),
        timeoutMs,
        'platformatic session',
      );
    } finally {
      await producer.close(true);
      await consumer.close(true);
    }
  },
};

// ---- kcat (librdkafka): one scenario per codec, and one against a non-flexible broker ------------

const kcatSent: SentRecord[] = [
  { key: 'k1', value: 'v1', headers: [['h1', 'x']] },
  { key: 'k2', value: 'v2 '.repeat(30), headers: [['h1', 'x']] },
  { key: 'k3', value: '', headers: [['h1', 'x']] },
];

type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

interface KcatOptions {
  name?: string;
  versions?: VersionMode;
  minVersions?: Readonly<Record<number, number>>;
  /** What the batches end up as, when that is not the codec asked for. */
  expected?: Codec;
}

function kcatScenario(codec: Codec, options: KcatOptions = {}): Scenario {
  const name = options.name ?? `kcat-${codec}`;
  return {
    name,
    clientId: `golden-${name}`,
    topic: `golden-${name}`,
    group: `golden-${name}-group`,
    versions: options.versions ?? 'all',
    minVersions: options.minVersions ?? {},
    // librdkafka 2.0 opens with ApiVersions v3 (flexible) whatever the broker; against the
    // non-flexible fake it then retries ApiVersions v0, and the advertised ranges (checked for
    // every request) keep everything else non-flexible.
    flexible: 'any',
    acks: -1,
    sent: kcatSent,
    compressions: [CompressionType[options.expected ?? codec]],
    idempotent: false,
    mustSee: [...BASIC_APIS, API.OffsetFetch, API.Heartbeat],
    async run(broker, timeoutMs) {
      const common = ['-b', broker.bootstrap, '-X', `client.id=${this.clientId}`, '-q'];
      // -K: splits key and value; -H adds the header to every record; -z sets compression.codec.
      const lines = kcatSent.map((r) => `${r.key}:${r.value}\n`).join('');
      // The linger keeps the three records in one batch however the lines arrive (EOF flushes at once).
      const produce = [...common, '-P', '-t', this.topic, '-K', ':', '-H', 'h1=x', '-X', 'acks=all', '-X', 'linger.ms=100', '-z', codec];
      await runProcess('kcat', produce, lines, timeoutMs);
      const out = await runProcess(
        'kcat',
        [...common, '-G', this.group, '-X', 'auto.offset.reset=earliest', '-c', String(kcatSent.length), '-f', '%k\\n', this.topic],
        '',
        timeoutMs,
      );
      const keys = out.stdout.trim().split('\n');
      if (keys.join() !== kcatSent.map((r) => r.key).join()) throw new Error(`kcat consumed ${out.stdout}`);
    },
  };
}

// ---- Python clients (Debian's packages live under /usr/bin/python3) ------------------------------

// Values long enough to compress (both clients send a batch uncompressed when compressing does
// not shrink it), and a linger so that both records go in one batch whatever the timing.
const PYTHON_V1 = 'python value one, '.repeat(8);
const PYTHON_V2 = 'python value two, '.repeat(8);
const pythonSent: SentRecord[] = [
  { key: 'k1', value: PYTHON_V1, headers: [['h1', 'x']] },
  { key: 'k2', value: PYTHON_V2, headers: [] },
];

// Produces pythonSent, then consumes it back in a group; prints the keys it read.
const KAFKA_PYTHON_SCRIPT = `
import sys
from kafka import KafkaProducer, KafkaConsumer
addr, topic, group, client_id, v1, v2 = sys.argv[1:7]
p = KafkaProducer(bootstrap_servers=addr, client_id=client_id, acks='all', compression_type='gzip', linger_ms=100)
p.send(topic, key=b'k1', value=v1.encode(), headers=[('h1', b'x')])
p.send(topic, key=b'k2', value=v2.encode())
p.flush(); p.close()
c = KafkaConsumer(topic, bootstrap_servers=addr, group_id=group, client_id=client_id,
                  auto_offset_reset='earliest', consumer_timeout_ms=10000, fetch_max_wait_ms=100)
keys = []
for m in c:
    keys.append(m.key.decode())
    if len(keys) == 2: break
c.close()
print(','.join(keys))
`;

const CONFLUENT_SCRIPT = `
import sys
from confluent_kafka import Producer, Consumer
addr, topic, group, client_id, v1, v2 = sys.argv[1:7]
p = Producer({'bootstrap.servers': addr, 'client.id': client_id, 'enable.idempotence': True, 'compression.type': 'lz4', 'linger.ms': 100})
p.produce(topic, key=b'k1', value=v1.encode(), headers=[('h1', b'x')])
p.produce(topic, key=b'k2', value=v2.encode())
if p.flush(10) != 0: raise SystemExit('flush timed out')
c = Consumer({'bootstrap.servers': addr, 'group.id': group, 'client.id': client_id,
              'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 100})
c.subscribe([topic])
keys = []
while len(keys) < 2:
    m = c.poll(10)
    if m is None: raise SystemExit('poll timed out')
    if m.error(): continue
    keys.append(m.key().decode())
c.close()
print(','.join(keys))
`;

function pythonScenario(name: string, script: string, rest: Pick<Scenario, 'compressions' | 'idempotent' | 'flexible' | 'mustSee'>): Scenario {
  return {
    name,
    clientId: `golden-${name}`,
    topic: `golden-${name}`,
    group: `golden-${name}-group`,
    versions: 'all',
    minVersions: {},
    acks: -1,
    sent: pythonSent,
    ...rest,
    async run(broker, timeoutMs) {
      const r = await runProcess(PYTHON, ['-c', script, broker.bootstrap, this.topic, this.group, this.clientId, PYTHON_V1, PYTHON_V2], '', timeoutMs);
      if (r.stdout.trim() !== 'k1,k2') throw new Error(`${name} consumed ${r.stdout}`);
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  kafkajsScenario,
  platformaticScenario,
  kcatScenario('none'),
  kcatScenario('gzip'),
  kcatScenario('snappy'),
  kcatScenario('lz4'),
  kcatScenario('zstd'),
  kcatScenario('none', { name: 'kcat-none-non-flexible', versions: 'non-flexible' }),
  // librdkafka up to 2.11 only uses gzip, snappy and lz4 if the broker advertises Produce v0
  // (it asks whether Produce [0, 0] is supported): a broker that starts at v3, as Kafka 4 does,
  // silently gets uncompressed batches. Pinned here because Gregor's ApiVersions must account for it.
  kcatScenario('gzip', { name: 'kcat-gzip-produce-from-v3', minVersions: { [API.Produce]: 3 }, expected: 'none' }),
  // kafka-python 2.0 caps every api at old versions of its own (it infers "broker 2.4" from ApiVersions).
  pythonScenario('kafka-python', KAFKA_PYTHON_SCRIPT, {
    compressions: [CompressionType.gzip],
    idempotent: false,
    flexible: 'none',
    mustSee: [...BASIC_APIS, API.OffsetFetch],
  }),
  // confluent-kafka-python runs librdkafka too; here as an idempotent producer (InitProducerId).
  pythonScenario('confluent-kafka-python', CONFLUENT_SCRIPT, {
    compressions: [CompressionType.lz4],
    idempotent: true,
    flexible: 'any',
    mustSee: [...BASIC_APIS, API.InitProducerId],
  }),
];
