/**
 * kafka-server-start with a stub broker: the real process path of the CLI (argv, properties,
 * logger on stdout, signals, timers, exit) around a broker that only binds its listeners.
 * STUB_HANG_CLOSE=1 makes close() never finish, to exercise the forced exit.
 */
import { createServer, type Server } from 'node:net';
import { kafkaServerStartMain, runMain, type BrokerHandle, type BrokerOptions } from '../../../src/cli/index.js';
import { parseListeners } from '../../../src/config/index.js';

async function startStubBroker(options: BrokerOptions): Promise<BrokerHandle> {
  const servers: { listener: string; server: Server }[] = [];
  for (const l of parseListeners(options.properties.get('listeners') ?? null)) {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.host === '' ? '127.0.0.1' : l.host, () => resolve());
    });
    servers.push({ listener: l.listenerName, server });
  }
  options.logger?.info('stub broker up');
  return {
    nodeId: Number(options.properties.get('node.id')),
    clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
    addresses: servers.map(({ listener, server }) => {
      const a = server.address();
      if (a === null || typeof a === 'string') throw new Error('no address');
      return { listener, host: a.address, port: a.port };
    }),
    close: () =>
      process.env['STUB_HANG_CLOSE'] === '1'
        ? new Promise<void>(() => {})
        : Promise.all(servers.map(({ server }) => new Promise<void>((r) => server.close(() => r())))).then(() => {}),
  };
}

runMain((argv) => kafkaServerStartMain(argv, { startBroker: startStubBroker, shutdownTimeoutMs: Number(process.env['STUB_SHUTDOWN_MS'] ?? 5000) }));
