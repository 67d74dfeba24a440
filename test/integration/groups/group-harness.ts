/**
 * Shared pieces of the consumer-group integration tests: group members run as child
 * processes (kafkajs, @platformatic/kafka, kafka-python, confluent-kafka, kcat -G) that report
 * their assignment and consumed records as JSON lines, the broker-side view of a group
 * (DescribeGroups with decoded assignments, OffsetFetch vs log end), and a broker that can be
 * restarted on the same log dir.
 *
 * Member protocol (stdout, one JSON object per line): {"assigned":[partitions]} after every
 * assignment, {"consumed":"<value>"} per record, {"error":"<text>"} per error the client reports,
 * {"closed":true} after a clean close (SIGTERM). kcat reports assignments on stderr instead.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { Kafka as GregorKafka, startBroker } from '../../../src/index.js';
import type { BrokerHandle } from '../../../src/index.js';
import { freePort } from '../../support/broker-process.js';
import { repoRoot } from '../../support/repo.js';
import { PYTHON } from '../../support/run.js';
import { within } from '../../support/wait.js';
import { groupBrokerProps } from './broker-props.js';

/** Whether the partition lists cover 0..partitions-1 with each partition in exactly one list. */
export function ownsAllOnce(assignments: readonly (readonly number[])[], partitions: number): boolean {
  const all = assignments.flat().sort((a, b) => a - b);
  return all.length === partitions && all.every((p, i) => p === i);
}

interface MemberEvent {
  readonly assigned?: number[];
  readonly consumed?: string;
  readonly error?: string;
  readonly closed?: boolean;
}

/** A group member in a child process, observed through its JSON-line reports. */
export class ChildMember {
  assigned: number[] = [];
  /** How many assignments the member has reported (a rebalance adds one). */
  assignments = 0;
  readonly consumed: string[] = [];
  readonly errors: string[] = [];
  closed = false;
  exit: number | string | null | undefined = undefined;
  #log = '';
  readonly #exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    stderrEvents?: (line: string) => MemberEvent | undefined,
  ) {
    this.#exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = signal ?? code;
        resolve();
      });
    });
    lines(child.stdout!, (line) => {
      let ev: MemberEvent;
      try {
        ev = JSON.parse(line) as MemberEvent;
      } catch {
        this.#note(`stdout: ${line}`);
        return;
      }
      this.#apply(ev);
    });
    lines(child.stderr!, (line) => {
      this.#note(line);
      const ev = stderrEvents?.(line);
      if (ev !== undefined) this.#apply(ev);
    });
  }

  #apply(ev: MemberEvent): void {
    if (ev.assigned !== undefined) {
      this.assigned = [...ev.assigned].sort((a, b) => a - b);
      this.assignments++;
    }
    if (ev.consumed !== undefined) this.consumed.push(ev.consumed);
    if (ev.error !== undefined) this.errors.push(ev.error);
    if (ev.closed === true) this.closed = true;
  }

  #note(line: string): void {
    this.#log = (this.#log + line + '\n').slice(-2000);
  }

  /** The tail of what the member printed that was not a report (for failure messages). */
  get log(): string {
    return this.#log;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  /** SIGTERM (the member closes cleanly: commits, leaves) and wait for the process to end. */
  async stop(timeoutMs = 20_000): Promise<void> {
    this.kill('SIGTERM');
    await within(`${this.name} closing on SIGTERM (log: ${this.#log})`, timeoutMs, this.#exited);
  }

  async killed(): Promise<void> {
    this.kill('SIGKILL');
    await within(`${this.name} exiting on SIGKILL`, 10_000, this.#exited);
  }

  summary(): string {
    return `${this.name}${JSON.stringify(this.assigned)}#${this.assignments} consumed=${this.consumed.length}${this.errors.length > 0 ? ` errors=${JSON.stringify(this.errors)}` : ''}${this.exit !== undefined ? ` exit=${String(this.exit)}` : ''}`;
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
  });
}

export interface MemberOptions {
  readonly sessionTimeoutMs?: number;
  /** Static membership (KIP-345): group.instance.id. */
  readonly instanceId?: string;
  /** A Kafka-standard assignor name: 'range', 'roundrobin' (all clients here), 'cooperative-sticky' (librdkafka). */
  readonly assignor?: 'range' | 'roundrobin' | 'cooperative-sticky';
  readonly name?: string;
  /** librdkafka properties set over the member's defaults (confluent members only). */
  readonly librdkafka?: Readonly<Record<string, string>>;
}

export type MemberKind = 'kafkajs' | 'platformatic' | 'kafka-python' | 'confluent' | 'kcat';

const GROUPS_DIST = (): string => join(repoRoot(), 'dist', 'test', 'integration', 'groups');

/** Starts a member of the given client in its own process. */
export function startMember(kind: MemberKind, bootstrap: string, group: string, topic: string, o: MemberOptions = {}): ChildMember {
  const session = String(o.sessionTimeoutMs ?? 4000);
  const name = o.name ?? kind;
  switch (kind) {
    case 'kafkajs':
    case 'platformatic': {
      const script = join(GROUPS_DIST(), kind === 'kafkajs' ? 'kafkajs-member.js' : 'platformatic-member.js');
      const extra = [`session=${session}`, ...(o.assignor !== undefined ? [`assignor=${o.assignor}`] : []), ...(o.instanceId !== undefined ? [`instance=${o.instanceId}`] : [])];
      return new ChildMember(name, spawn(process.execPath, [script, bootstrap.split(':')[1]!, group, topic, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] }));
    }
    case 'kafka-python':
    case 'confluent': {
      const script = join(repoRoot(), 'test', 'integration', 'groups', 'py-member.py');
      const extra = [
        `session=${session}`,
        ...(o.assignor !== undefined ? [`assignor=${o.assignor}`] : []),
        ...(o.instanceId !== undefined ? [`instance=${o.instanceId}`] : []),
        ...Object.entries(o.librdkafka ?? {}).map(([k, v]) => `conf.${k}=${v}`),
      ];
      return new ChildMember(name, spawn(PYTHON, [script, kind, bootstrap, group, topic, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] }));
    }
    case 'kcat': {
      // Records as JSON lines on stdout; librdkafka's rebalance notes ("% Group g rebalanced
      // (memberid ...): assigned: t [0], t [3]") on stderr. No `-o`: with -G it would override
      // the committed offsets; auto.offset.reset=earliest applies only where nothing is
      // committed. Offsets are auto-committed on close (SIGTERM) and every 5 s: kcat's `-X
      // auto.commit.interval.ms` lands in the topic config (a legacy property of the same name),
      // so librdkafka's default interval stays.
      const args = [
        '-b', bootstrap, '-G', group, '-X', 'auto.offset.reset=earliest', '-u', '-f', '{"consumed":"%s"}\\n',
        '-X', `session.timeout.ms=${session}`, '-X', 'heartbeat.interval.ms=300',
        '-X', 'fetch.wait.max.ms=200', '-X', `client.id=${name}`,
        ...(o.assignor !== undefined ? ['-X', `partition.assignment.strategy=${o.assignor}`] : []),
        ...(o.instanceId !== undefined ? ['-X', `group.instance.id=${o.instanceId}`] : []),
        topic,
      ];
      return new ChildMember(name, spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] }), kcatStderr);
    }
  }
}

function kcatStderr(line: string): MemberEvent | undefined {
  const m = /rebalanced \(.*\): (assigned|revoked):(.*)$/.exec(line);
  if (m !== null) {
    if (m[1] === 'revoked') return undefined;
    return { assigned: [...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])) };
  }
  if (/error|fail/i.test(line) && !/Reached end/.test(line)) return { error: line };
  return undefined;
}

export interface DescribedMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly partitions: number[];
}

export interface DescribedGroup {
  readonly state: string;
  readonly protocol: string;
  readonly members: DescribedMember[];
}

/** A broker on a temp dir that can be restarted in place, with a kafkajs admin/producer for setup and inspection. */
export class GroupBroker {
  #broker: BrokerHandle;
  #kafka: Kafka;
  #admin: Admin | undefined;

  private constructor(
    readonly dir: string,
    broker: BrokerHandle,
    readonly props: Map<string, string>,
  ) {
    this.#broker = broker;
    this.#kafka = GroupBroker.#client(broker);
  }

  /** A broker on ephemeral ports, or with `fixedPort` one that keeps its client port across restarts (so running clients reconnect). */
  static async start(options: { fixedPort?: boolean } = {}): Promise<GroupBroker> {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-groups-'));
    const props = groupBrokerProps(dir);
    if (options.fixedPort === true) {
      const port = await freePort();
      props.set('listeners', `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:0`);
      props.set('advertised.listeners', `PLAINTEXT://127.0.0.1:${port}`);
    }
    return new GroupBroker(dir, await startBroker({ properties: props }), props);
  }

  static #client(b: BrokerHandle): Kafka {
    const port = b.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
    return new Kafka({ clientId: 'groups-harness', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.#broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port}`;
  }

  get kafka(): Kafka {
    return this.#kafka;
  }

  async admin(): Promise<Admin> {
    if (this.#admin === undefined) {
      const a = this.#kafka.admin();
      await within('admin connect', 15_000, a.connect());
      this.#admin = a;
    }
    return this.#admin;
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    await within('createTopics', 15_000, (await this.admin()).createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }));
  }

  /** Produces `values[i]` to partition `i % partitions` (acks=all). */
  async produce(topic: string, partitions: number, values: readonly string[]): Promise<void> {
    const producer = this.#kafka.producer();
    await within('producer connect', 15_000, producer.connect());
    try {
      await within('produce', 15_000, producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ value, partition: i % partitions })) }));
    } finally {
      await within('producer disconnect', 15_000, producer.disconnect());
    }
  }

  /** DescribeGroups, with each member's assignment (consumer protocol) decoded to partitions of `topic`. */
  async describe(group: string, topic: string): Promise<DescribedGroup> {
    const r = await within('describeGroups', 15_000, (await this.admin()).describeGroups([group]));
    const g = r.groups[0]!;
    return {
      state: g.state,
      protocol: g.protocol,
      members: g.members.map((m) => {
        const decoded = m.memberAssignment.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        return { memberId: m.memberId, clientId: m.clientId, partitions: [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b) };
      }),
    };
  }

  /** DescribeGroups through Gregor's own admin client (newest versions: static members' instance ids). */
  async describeWithGregorClient(group: string): Promise<{ state: string; members: Array<{ memberId: string; groupInstanceId: string | null; partitions: number[] }> }> {
    const admin = new GregorKafka({ bootstrapServers: this.bootstrap, clientId: 'groups-harness' }).admin();
    try {
      const [d] = await within('describeConsumerGroups', 15_000, admin.describeConsumerGroups([group]));
      return {
        state: d!.state,
        members: d!.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, partitions: m.assignment.map((tp) => tp.partition).sort((a, b) => a - b) })),
      };
    } finally {
      await admin.close();
    }
  }

  /** Committed offset per partition (OffsetFetch; -1 when none). */
  async committed(group: string, topic: string): Promise<number[]> {
    const r = await within('fetchOffsets', 15_000, (await this.admin()).fetchOffsets({ groupId: group, topics: [topic] }));
    return r[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  }

  /** Log end offset per partition (ListOffsets latest). */
  async logEnd(topic: string): Promise<number[]> {
    const r = await within('fetchTopicOffsets', 15_000, (await this.admin()).fetchTopicOffsets(topic));
    return r.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  }

  /** Lag per partition: log end minus committed (the whole log when nothing is committed). */
  async lag(group: string, topic: string): Promise<number[]> {
    const [committed, end] = await Promise.all([this.committed(group, topic), this.logEnd(topic)]);
    return end.map((e, p) => e - Math.max(0, committed[p] ?? 0));
  }

  /** Stops the broker and starts it again on the same log dir (and the same client port if fixed). */
  async restart(): Promise<void> {
    await this.#closeAdmin();
    await within('broker close', 30_000, this.#broker.close());
    this.#broker = await within('broker start', 30_000, startBroker({ properties: this.props }));
    this.#kafka = GroupBroker.#client(this.#broker);
  }

  async #closeAdmin(): Promise<void> {
    const a = this.#admin;
    this.#admin = undefined;
    if (a !== undefined) await within('admin disconnect', 10_000, a.disconnect()).catch(() => {});
  }

  async close(): Promise<void> {
    await this.#closeAdmin();
    await within('broker close', 30_000, this.#broker.close()).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
