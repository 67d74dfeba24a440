/** Broker properties for the consumer-group integration tests: no initial rebalance delay, short sessions allowed. */
export function groupBrokerProps(dir: string): Map<string, string> {
  return new Map([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', '1@127.0.0.1:0'],
    ['listeners', 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0'],
    ['advertised.listeners', 'PLAINTEXT://127.0.0.1:0'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', dir],
    ['group.initial.rebalance.delay.ms', '0'],
    ['group.min.session.timeout.ms', '1000'],
    ['offsets.topic.num.partitions', '10'],
  ]);
}

