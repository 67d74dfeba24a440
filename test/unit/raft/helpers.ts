import type { Logger } from '../../../src/common/index.js';
import { KafkaRaftClient, MemoryQuorumStateStore, MemoryRaftLog } from '../../../src/raft/index.js';
import type { Batch, LeaderAndEpoch, RaftClientListener, RaftLog, RecordSerde, SnapshotReader } from '../../../src/raft/index.js';
import { SimClock } from '../../../src/testkit/index.js';

/** Toy state-machine records: UTF-8 strings. */
export const stringSerde: RecordSerde<string> = {
  size: (r) => Buffer.byteLength(r, 'utf8'),
  write: (r, target, offset) => target.write(r, offset, 'utf8'),
  read: (source) => source.toString('utf8'),
};

export interface CapturedLogger extends Logger {
  readonly lines: Array<{ level: string; message: string }>;
}

export function captureLogger(): CapturedLogger {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** A listener that records every callback, and keeps the replayed state (a list of strings). */
export class RecordingListener implements RaftClientListener<string> {
  readonly events: string[] = [];
  readonly state: string[] = [];
  readonly batches: Batch<string>[] = [];
  readonly leaders: LeaderAndEpoch[] = [];
  snapshots: SnapshotReader<string>[] = [];
  nextOffset = 0;
  shutdown = false;

  constructor(
    readonly name = 'l',
    private readonly journal?: string[],
  ) {}

  handleCommit(batch: Batch<string>): void {
    if (batch.baseOffset !== this.nextOffset) throw new Error(`${this.name}: batch at ${batch.baseOffset}, expected ${this.nextOffset}`);
    this.nextOffset = batch.lastOffset + 1;
    this.batches.push(batch);
    this.state.push(...batch.records);
    this.events.push(`commit ${batch.baseOffset}-${batch.lastOffset}`);
    this.journal?.push(`${this.name} commit ${batch.baseOffset}`);
  }
  handleLoadSnapshot(snapshot: SnapshotReader<string>): void {
    this.snapshots.push(snapshot);
    this.state.length = 0;
    for (const b of snapshot.batches) this.state.push(...b.records);
    this.nextOffset = snapshot.offset;
    this.events.push(`snapshot ${snapshot.offset}-${snapshot.epoch}`);
  }
  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.leaders.push(leader);
    this.events.push(`leader ${leader.leaderId}@${leader.epoch}`);
  }
  beginShutdown(): void {
    this.shutdown = true;
  }
}

export interface Node {
  client: KafkaRaftClient<string>;
  log: RaftLog;
  store: MemoryQuorumStateStore;
  clock: SimClock;
  logger: CapturedLogger;
  wakes: number;
}

export function startNode(log: RaftLog = new MemoryRaftLog(), store = new MemoryQuorumStateStore(), clock = new SimClock()): Node {
  const logger = captureLogger();
  const node: Node = { client: undefined as unknown as KafkaRaftClient<string>, log, store, clock, logger, wakes: 0 };
  node.client = new KafkaRaftClient<string>({
    nodeId: 1,
    voters: [1],
    log,
    quorumStateStore: store,
    serde: stringSerde,
    clock,
    logger,
    onWake: () => void node.wakes++,
  });
  return node;
}

/** Lets pending promise callbacks (flush completions) run: one macrotask turn. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls until every flush completed and the high watermark reached the log end (bounded). */
export async function settle(node: Node): Promise<void> {
  for (let i = 0; i < 50; i++) {
    node.client.poll(node.clock.monotonicMs());
    if (node.client.highWatermark() === node.log.endOffset && node.log.flushedEndOffset === node.log.endOffset) {
      node.client.poll(node.clock.monotonicMs());
      return;
    }
    await turn();
  }
  throw new Error(`not settled: hw ${node.client.highWatermark()}, end ${node.log.endOffset}, flushed ${node.log.flushedEndOffset}`);
}
