import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, startBroker, type BrokerHandle, type KafkaConfig } from '../../../src/index.js';

/** One in-process broker (combined mode, ephemeral ports) for a test file, and clients for it. */
export interface BrokerFixture {
  readonly broker: BrokerHandle;
  readonly bootstrap: string;
  kafka(config?: Partial<KafkaConfig>): Kafka;
  close(): Promise<void>;
}

export async function startFixture(extra: Record<string, string> = {}): Promise<BrokerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-client-'));
  const properties = new Map([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', '1@127.0.0.1:0'],
    ['listeners', 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0'],
    ['advertised.listeners', 'PLAINTEXT://127.0.0.1:0'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', dir],
    ...Object.entries(extra),
  ]);
  const broker = await startBroker({ properties });
  const plain = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!;
  const bootstrap = `127.0.0.1:${plain.port}`;
  return {
    broker,
    bootstrap,
    kafka: (config = {}) => new Kafka({ bootstrapServers: bootstrap, clientId: 'client-test', ...config }),
    close: async () => {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
