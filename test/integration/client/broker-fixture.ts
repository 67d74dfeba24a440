import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { singleNodeProperties } from '../../support/single-node.js';
import { Kafka, startBroker, type BrokerHandle, type KafkaConfig } from '../../../src/index.js';

/** One in-process broker (combined mode, ephemeral ports) for a test file, and clients for it. */
export interface BrokerFixture {
  broker: BrokerHandle;
  readonly bootstrap: string;
  kafka(config?: Partial<KafkaConfig>): Kafka;
  /** Stops the broker and starts it again on the same directory and client port. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startFixture(extra: Record<string, string> = {}): Promise<BrokerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-client-'));
  const properties = singleNodeProperties(dir, extra);
  const first = await startBroker({ properties });
  const plain = first.addresses.find((a) => a.listener === 'PLAINTEXT')!;
  const bootstrap = `127.0.0.1:${plain.port}`;
  const fx: BrokerFixture = {
    broker: first,
    bootstrap,
    kafka: (config = {}) => new Kafka({ bootstrapServers: bootstrap, clientId: 'client-test', ...config }),
    restart: async (whileDown) => {
      await fx.broker.close();
      await whileDown?.();
      const again = new Map(properties);
      again.set('listeners', `PLAINTEXT://127.0.0.1:${plain.port},CONTROLLER://127.0.0.1:0`);
      again.set('advertised.listeners', `PLAINTEXT://127.0.0.1:${plain.port}`);
      fx.broker = await startBroker({ properties: again });
    },
    close: async () => {
      await fx.broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fx;
}
