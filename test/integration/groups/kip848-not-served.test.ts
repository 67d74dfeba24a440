/**
 * KIP-848's consumer group protocol is not served (see src/coordinator/README.md): ApiVersions does
 * not advertise ConsumerGroupHeartbeat, so a client asked for `group.protocol=consumer` fails at
 * once with a clear error instead of hanging; the classic protocol is what clients must use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { within } from '../../support/wait.js';
import { GroupBroker } from './group-harness.js';

test('a KIP-848 (groupProtocol consumer) member is refused: ConsumerGroupHeartbeat is not advertised', async () => {
  const broker = await GroupBroker.start();
  const consumer = new Consumer({ groupId: 'g848', clientId: 'kip848', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers, groupProtocol: 'consumer' });
  try {
    await broker.createTopic('t848', 1);
    await assert.rejects(within('consume with groupProtocol consumer', 20_000, consumer.consume({ topics: ['t848'], mode: 'earliest' })), /Unsupported API ConsumerGroupHeartbeat/);
  } finally {
    await within('consumer close', 10_000, consumer.close()).catch(() => {});
    await broker.close();
  }
});
