import { singleNodeProperties } from '../../support/single-node.js';

/** Broker properties for the consumer-group integration tests: no initial rebalance delay, short sessions allowed. */
export function groupBrokerProps(dir: string): Map<string, string> {
  return singleNodeProperties(dir, {
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
    'offsets.topic.num.partitions': '10',
  });
}
