/** The properties of a combined broker+controller on ephemeral loopback ports, storing in `dir`. */
export function singleNodeProperties(dir: string, extra: Record<string, string> = {}): Map<string, string> {
  return new Map([
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
}
