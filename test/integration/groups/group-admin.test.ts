/**
 * Group administration by real clients around a running librdkafka (confluent-kafka) member:
 * DeleteGroups refuses a group with members (NON_EMPTY_GROUP), OffsetDelete refuses partitions of
 * a subscribed topic (GROUP_SUBSCRIBED_TO_TOPIC); once the group is Empty, kafkajs' setOffsets
 * (OffsetCommit with no generation) and Gregor's deleteConsumerGroupOffsets (OffsetDelete) move
 * where a new member starts (lag follows), and DeleteGroups removes the group and its offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka as GregorKafka } from '../../../src/index.js';
import { waitFor, waitForAsync, within } from '../../support/wait.js';
import { GroupBroker, startMember } from './group-harness.js';
import type { ChildMember } from './group-harness.js';

const TOPIC = 'adm';
const GROUP = 'adm-group';

test('DeleteGroups / OffsetDelete / admin OffsetCommit around a confluent-kafka member', async () => {
  const broker = await GroupBroker.start();
  const members: ChildMember[] = [];
  const gregor = new GregorKafka({ bootstrapServers: broker.bootstrap, clientId: 'adm' }).admin();
  try {
    await broker.createTopic(TOPIC, 2);
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`); // p0: v0 v2 .. v18, p1: v1 v3 .. v19
    await broker.produce(TOPIC, 2, values);
    const first = startMember('confluent', broker.bootstrap, GROUP, TOPIC);
    members.push(first);
    await waitFor('the member consuming everything', () => first.consumed.length === 20, 30_000, () => first.summary());
    await waitForAsync('offsets committed', () => broker.committed(GROUP, TOPIC), (c) => c.join() === '10,10', 15_000);
    const admin = await broker.admin();

    await assert.rejects(within('deleteGroups', 15_000, admin.deleteGroups([GROUP])), (e: { groups?: Array<{ errorCode: number }> }) => e.groups?.[0]?.errorCode === 68, 'NON_EMPTY_GROUP');
    const refused = await within('deleteConsumerGroupOffsets', 15_000, gregor.deleteConsumerGroupOffsets(GROUP, [{ topic: TOPIC, partition: 0 }]));
    assert.equal(refused[0]!.error?.name, 'GROUP_SUBSCRIBED_TO_TOPIC');

    await first.stop();
    await waitForAsync('the group Empty', () => broker.describe(GROUP, TOPIC), (d) => d.state === 'Empty', 15_000);
    await within('setOffsets', 15_000, admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '7' }] }));
    assert.deepEqual(await broker.committed(GROUP, TOPIC), [4, 7]);
    assert.deepEqual(await broker.lag(GROUP, TOPIC), [6, 3]);
    const deleted = await within('deleteConsumerGroupOffsets', 15_000, gregor.deleteConsumerGroupOffsets(GROUP, [{ topic: TOPIC, partition: 1 }]));
    assert.equal(deleted[0]!.error, undefined);
    assert.deepEqual(await broker.committed(GROUP, TOPIC), [4, -1]);

    const second = startMember('confluent', broker.bootstrap, GROUP, TOPIC, { name: 'second' });
    members.push(second);
    const expected = [...values.filter((_, i) => i % 2 === 0).slice(4), ...values.filter((_, i) => i % 2 === 1)].sort();
    await waitFor('the new member consuming from offset 4 on p0 and from the start of p1', () => second.consumed.length >= expected.length, 30_000, () => second.summary());
    assert.deepEqual([...second.consumed].sort(), expected);
    await second.stop();

    const [result] = await within('deleteGroups', 15_000, admin.deleteGroups([GROUP]));
    assert.equal(result!.errorCode, 0);
    assert.equal((await broker.describe(GROUP, TOPIC)).state, 'Dead');
    assert.deepEqual(await broker.committed(GROUP, TOPIC), [-1, -1]);
    const listed = await within('listGroups', 15_000, admin.listGroups());
    assert.ok(!listed.groups.some((g) => g.groupId === GROUP), JSON.stringify(listed));
  } finally {
    for (const m of members) m.kill('SIGKILL');
    await gregor.close();
    await broker.close();
  }
});
