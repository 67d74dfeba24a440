/**
 * The client wired to the real world: `new Kafka({ bootstrapServers: 'localhost:9092' })`.
 * src/client takes its sockets, clocks and randomness by injection (it may not import
 * src/platform); this file supplies the real ones.
 */
import { KafkaClient, clientEnv, type ClientEnv, type KafkaConfig } from './client/index.js';
import { SystemClock, SystemScheduler, TcpTransport, systemRandom } from './platform/index.js';

export class Kafka extends KafkaClient {
  /** `env` replaces any of the real parts (a logger, a simulated connector...). */
  constructor(config: KafkaConfig, env: Partial<ClientEnv> = {}) {
    super(
      config,
      clientEnv({ connector: new TcpTransport(), clock: new SystemClock(), scheduler: new SystemScheduler({ keepAlive: true }), random: systemRandom, ...env }),
    );
  }
}
