/**
 * Helpers of the exactly-once tests (issue 6): a broker process configured for transactions, the
 * copier child processes (copier.py on confluent-kafka, copier-kafkajs.js on kafkajs) with their JSON
 * event lines, input production, and read_committed / read_uncommitted reads with Gregor's client.
 * Every wait is bounded and says what it waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import { Kafka, type ConsumerRecord, type IsolationLevelName } from '../../../src/index.js';
import { BrokerProcess } from '../../support/broker-process.js';
import { repoRoot } from '../../support/repo.js';
import { PYTHON } from '../../support/run.js';
import { waitFor } from '../../support/wait.js';

export type CopierKind = 'confluent' | 'kafkajs';

/** A broker process for transaction tests: few internal partitions, fast group joins, fast timed-out-transaction aborts. */
export function startTxnBroker(extra: Readonly<Record<string, string>> = {}): Promise<BrokerProcess> {
  return BrokerProcess.start({
    properties: {
      'offsets.topic.num.partitions': '5',
      'transaction.state.log.num.partitions': '5',
      'group.initial.rebalance.delay.ms': '0',
      'group.min.session.timeout.ms': '1000',
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': '1000',
      ...extra,
    },
  });
}

export type ChildEvent = Record<string, unknown>;

/** A child process that prints one JSON object per stdout line; keeps events and stderr. */
export class JsonChild {
  readonly events: ChildEvent[] = [];
  stderr = '';
  exit: number | string | null | undefined;
  readonly exited: Promise<number | string | null>;
  readonly child: ChildProcess;
  #waiters: (() => void)[] = [];

  constructor(readonly label: string, command: string, args: readonly string[]) {
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          this.events.push(JSON.parse(line) as ChildEvent);
          for (const w of this.#waiters.splice(0)) w();
        } catch {
          this.stderr += `[stdout] ${line}\n`;
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-20_000);
    });
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.exit = code ?? signal;
        for (const w of this.#waiters.splice(0)) w();
        resolve(this.exit);
      }),
    );
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  count(key: string): number {
    return this.events.filter((e) => key in e).length;
  }

  sum(key: string): number {
    return this.events.reduce((n, e) => n + (typeof e[key] === 'number' ? (e[key] as number) : 0), 0);
  }

  describe(): string {
    return `${this.label} (exit ${String(this.exit)}) events: ${JSON.stringify(this.events.slice(-8))}\nstderr: ${this.stderr.slice(-3000)}`;
  }

  /** Waits until `cond(events)` holds, checked on every event (no polling delay); fails early if the process exits first. */
  async waitEvent(what: string, cond: (events: readonly ChildEvent[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (cond(this.events)) return;
      if (!this.running) throw new Error(`${this.label} exited before ${what}: ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${this.label}: ${what}\n${this.describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}

export interface CopierArgs {
  readonly bootstrap: string;
  readonly input: string;
  readonly output: string;
  readonly group: string;
  readonly transactionalId: string;
  readonly maxBatch: number;
  /** The transaction of this run that stops after sending (0: none). */
  readonly stallAt: number;
}

export function startCopier(kind: CopierKind, label: string, a: CopierArgs): JsonChild {
  const args = [a.bootstrap, a.input, a.output, a.group, a.transactionalId, String(a.maxBatch), String(a.stallAt)];
  const dir = join(repoRoot(), 'dist', 'test', 'integration', 'transactions');
  return kind === 'confluent'
    ? new JsonChild(label, PYTHON, [join(repoRoot(), 'test', 'integration', 'transactions', 'copier.py'), ...args])
    : new JsonChild(label, process.execPath, [join(dir, 'copier-kafkajs.js'), ...args]);
}

export function inputValue(p: number, i: number): string {
  return `v${p}-${i}`;
}

/** Creates `topic` with `partitions` partitions and writes `perPartition` records `v<p>-<i>` (key `k<p>-<i>`) to each. */
export async function produceInput(bootstrap: string, topic: string, partitions: number, perPartition: number): Promise<void> {
  const kafka = new Kafka({ bootstrapServers: bootstrap, clientId: 'eos-input' });
  const producer = kafka.producer({ lingerMs: 5 });
  try {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < perPartition; i++) {
      for (let p = 0; p < partitions; p++) sends.push(producer.send({ topic, partition: p, key: `k${p}-${i}`, value: inputValue(p, i) }));
    }
    await Promise.all(sends);
  } finally {
    await producer.close();
  }
}

/**
 * Like produceInput, but in kafkajs transactions of 25 records per partition, each committed one
 * followed by an aborted one of 5 records per partition (values `aborted-<p>-<j>`).
 */
export async function produceTransactionalInput(bootstrap: string, topic: string, partitions: number, perPartition: number): Promise<void> {
  const kafka = new KafkaJs({ clientId: 'eos-input-txn', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: `${topic}-input`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let aborted = 0;
  try {
    for (let from = 0; from < perPartition; from += 25) {
      const committed = await producer.transaction();
      const messages = [];
      for (let p = 0; p < partitions; p++) {
        for (let i = from; i < Math.min(perPartition, from + 25); i++) messages.push({ partition: p, key: `k${p}-${i}`, value: inputValue(p, i) });
      }
      await committed.send({ topic, acks: -1, messages });
      await committed.commit();
      const abort = await producer.transaction();
      const junk = [];
      for (let p = 0; p < partitions; p++) for (let j = 0; j < 5; j++) junk.push({ partition: p, value: `aborted-${p}-${aborted++}` });
      await abort.send({ topic, acks: -1, messages: junk });
      await abort.abort();
    }
  } finally {
    await producer.disconnect();
  }
}

export async function createTopics(bootstrap: string, topics: readonly { name: string; partitions: number }[]): Promise<void> {
  const kafka = new Kafka({ bootstrapServers: bootstrap, clientId: 'eos-admin' });
  const admin = kafka.admin();
  try {
    await admin.createTopics(topics.map((t) => ({ name: t.name, numPartitions: t.partitions })));
  } finally {
    await admin.close();
  }
}

/** End offsets per partition: the high watermark (read_uncommitted) or the last stable offset (read_committed). */
export async function endOffsets(bootstrap: string, topic: string, partitions: number, isolation: IsolationLevelName): Promise<number[]> {
  const kafka = new Kafka({ bootstrapServers: bootstrap, clientId: 'eos-offsets' });
  const admin = kafka.admin();
  try {
    const answers = await admin.listOffsets(
      Array.from({ length: partitions }, (_, partition) => ({ topic, partition, spec: 'latest' as const })),
      { isolationLevel: isolation },
    );
    const out = new Array<number>(partitions).fill(-1);
    for (const a of answers) out[a.partition] = a.offset;
    return out;
  } finally {
    await admin.close();
  }
}

/** Waits until no transaction is undecided on the topic: last stable offset == high watermark everywhere. */
export async function waitStable(bootstrap: string, topic: string, partitions: number, timeoutMs: number): Promise<number[]> {
  let hw: number[] = [];
  let lso: number[] = [];
  await waitFor(`${topic}: last stable offset = high watermark on every partition`, async () => {
    hw = await endOffsets(bootstrap, topic, partitions, 'read_uncommitted');
    lso = await endOffsets(bootstrap, topic, partitions, 'read_committed');
    return hw.every((h, p) => lso[p] === h);
  }, timeoutMs, () => `high watermarks ${JSON.stringify(hw)}, last stable offsets ${JSON.stringify(lso)}`);
  return hw;
}

/**
 * Every record of `topic` (per partition, in offset order) that a consumer with `isolation` sees
 * from the beginning up to the partition's end for that isolation, read with Gregor's client.
 */
export async function readAll(bootstrap: string, topic: string, partitions: number, isolation: IsolationLevelName, timeoutMs = 30_000): Promise<ConsumerRecord[][]> {
  const ends = await endOffsets(bootstrap, topic, partitions, isolation);
  const kafka = new Kafka({ bootstrapServers: bootstrap, clientId: `eos-reader-${isolation}` });
  const consumer = kafka.consumer({ isolationLevel: isolation, autoOffsetReset: 'earliest', fetchMaxWaitMs: 200 });
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  const out: ConsumerRecord[][] = tps.map(() => []);
  try {
    consumer.assign(tps);
    consumer.seekToBeginning();
    let idlePolls = 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const positions = await Promise.all(tps.map((tp) => consumer.position(tp)));
      if (positions.every((pos, p) => pos >= ends[p]!)) break;
      // A partition whose tail is a control (or aborted) batch right after records may keep its
      // position short of the end; two empty polls once every fetch saw the end mean it is read.
      if (idlePolls >= 2 && tps.every((tp, p) => consumer.highWatermark(tp) >= ends[p]!)) break;
      if (Date.now() > deadline) throw new Error(`reading ${topic} (${isolation}) took over ${timeoutMs} ms: positions ${JSON.stringify(positions)}, ends ${JSON.stringify(ends)}`);
      const got = await consumer.poll(300);
      idlePolls = got.length === 0 ? idlePolls + 1 : 0;
      for (const r of got) if (r.offset < ends[r.partition]!) out[r.partition]!.push(r);
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/** The group's committed offsets on `topic` (kafkajs admin; -1 when none). */
export async function groupOffsets(bootstrap: string, group: string, topic: string): Promise<Map<number, number>> {
  const admin = new KafkaJs({ clientId: 'eos-group-offsets', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const got = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((got[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export function value(r: ConsumerRecord): string {
  return r.value?.toString() ?? '<null>';
}

export function header(r: ConsumerRecord, key: string): string | undefined {
  return r.headers.find((h) => h.key === key)?.value?.toString();
}

/** Starts eos-txn.py (scripted confluent-kafka transactional producers A, B, ... sharing `transactionalId`). */
export function startTxnScript(label: string, bootstrap: string, topic: string, transactionalId: string, transactionTimeoutMs: number, ops: readonly string[]): JsonChild {
  const script = join(repoRoot(), 'test', 'integration', 'transactions', 'eos-txn.py');
  return new JsonChild(label, PYTHON, [script, bootstrap, topic, transactionalId, String(transactionTimeoutMs), ...ops]);
}

/** The outcome event of `op` in an eos-txn.py run. */
export function opResult(c: JsonChild, op: string): ChildEvent {
  const e = c.events.find((ev) => ev['op'] === op);
  if (e === undefined) throw new Error(`${c.label}: no result for ${op}: ${c.describe()}`);
  return e;
}

/** Every partition read to its end by confluent-kafka (eos-read.py): [offset, value] per record. */
export async function readWithConfluent(bootstrap: string, topic: string, partitions: number, isolation: IsolationLevelName): Promise<[number, string][][]> {
  const script = join(repoRoot(), 'test', 'integration', 'transactions', 'eos-read.py');
  const c = new JsonChild(`confluent reader (${isolation})`, PYTHON, [script, bootstrap, topic, String(partitions), isolation]);
  await c.exited;
  const got = c.events.find((e) => 'partitions' in e);
  if (c.exit !== 0 || got === undefined) throw new Error(`reading ${topic} with confluent-kafka failed: ${c.describe()}`);
  return got['partitions'] as [number, string][][];
}
