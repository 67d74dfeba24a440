/** Helpers for the client's consumer-group tests: broker settings, a polling member. */
import type { Consumer, ConsumerConfig, ConsumerRecord, Kafka, RebalanceListener, TopicPartition } from '../../../src/index.js';

/** Broker settings for group tests: no initial rebalance delay, short sessions allowed. */
export const GROUP_BROKER_PROPS: Record<string, string> = {
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '1000',
  'offsets.topic.num.partitions': '4',
};

/** Fast group settings for tests. */
export const FAST_GROUP: Partial<ConsumerConfig> = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 100,
  fetchMaxWaitMs: 100,
  autoOffsetReset: 'earliest',
};

export function key(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** A consumer polling in the background, recording what it got and what the listener heard. */
export class Member {
  readonly records: ConsumerRecord[] = [];
  readonly events: string[] = [];
  readonly revokedAll: string[] = [];
  error: unknown;
  private running = true;
  private readonly loop: Promise<void>;
  readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    config: ConsumerConfig,
    topics: readonly string[] | RegExp,
    private readonly commit: 'sync' | 'none' = 'sync',
  ) {
    this.consumer = kafka.consumer(config);
    const listener: RebalanceListener = {
      onPartitionsAssigned: (tps) => void this.events.push(`assigned ${tps.map(key).sort().join(',')}`),
      onPartitionsRevoked: (tps) => {
        this.events.push(`revoked ${tps.map(key).sort().join(',')}`);
        this.revokedAll.push(...tps.map(key));
      },
      onPartitionsLost: (tps) => void this.events.push(`lost ${tps.map(key).sort().join(',')}`),
    };
    this.consumer.subscribe(topics, listener);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.running) {
        const got = await this.consumer.poll(100);
        this.records.push(...got);
        if (got.length > 0 && this.commit === 'sync' && this.running) await this.consumer.commitSync();
      }
    } catch (e) {
      this.error = e;
    }
  }

  assigned(): string[] {
    return this.consumer.assignment().map(key).sort();
  }

  values(): string[] {
    return this.records.map((r) => r.value!.toString());
  }

  /** Stops polling, then closes (commit, revoke, LeaveGroup). */
  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer.close();
    if (this.error !== undefined) throw this.error;
  }
}
