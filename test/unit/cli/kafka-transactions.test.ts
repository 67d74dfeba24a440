import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProducerState, TransactionDescription } from '../../../src/client/index.js';
import { candidateTransactions, hangingRow, hangingTransactions, parseTransactionsArgs, producerRow } from '../../../src/cli/tools/kafka-transactions.js';

const base = ['--bootstrap-server', 'h:1'];

test('kafka-transactions parses each command with its own options', () => {
  const l = parseTransactionsArgs([...base, 'list', '--duration-filter', '5000']);
  assert.ok(l.kind === 'run');
  assert.deepEqual(l.args.command, { kind: 'list', durationFilterMs: 5000 });
  const a = parseTransactionsArgs([...base, 'abort', '--topic', 't', '--partition', '2', '--start-offset', '7']);
  assert.ok(a.kind === 'run');
  assert.deepEqual(a.args.command, { kind: 'abort', topic: 't', partition: 2, startOffset: 7, producerId: undefined, producerEpoch: undefined, coordinatorEpoch: undefined });
  const f = parseTransactionsArgs([...base, 'find-hanging', '--broker-id', '3']);
  assert.ok(f.kind === 'run');
  assert.deepEqual(f.args.command, { kind: 'find-hanging', brokerId: 3, topic: undefined, partition: undefined, maxTransactionTimeoutMinutes: 15 });
  const dp = parseTransactionsArgs([...base, 'describe-producers', '--topic', 't', '--partition', '0', '--broker-id', '2']);
  assert.ok(dp.kind === 'run' && dp.args.command.kind === 'describe-producers' && dp.args.command.brokerId === 2);

  const err = (argv: string[]) => {
    const p = parseTransactionsArgs([...base, ...argv]);
    assert.equal(p.kind, 'error');
    return (p as { message: string }).message;
  };
  assert.match(err(['abort', '--partition', '0']), /argument --topic is required/);
  assert.match(err(['describe-producers', '--topic', 't']), /argument --partition is required/);
  assert.match(err(['list', '--topic', 't']), /unrecognized arguments: '--topic'/);
  assert.match(err(['force-terminate']), /invalid choice: 'force-terminate' \(choose from 'list', 'describe', 'describe-producers', 'abort', 'find-hanging'\)/);
  assert.match(err([]), /too few arguments/);
});

const producer = (producerId: number, over: Partial<ProducerState> = {}): ProducerState => ({
  producerId,
  producerEpoch: 0,
  lastSequence: 0,
  lastTimestamp: 1_000,
  coordinatorEpoch: -1,
  currentTransactionStartOffset: 5,
  ...over,
});

test('describe-producers rows print an absent coordinator epoch as -1 and no open transaction as None', () => {
  assert.deepEqual(producerRow(producer(7, { currentTransactionStartOffset: -1 })), ['7', '0', '-1', '0', '1000', 'None']);
  assert.deepEqual(producerRow(producer(7, { coordinatorEpoch: 4 })), ['7', '0', '4', '0', '1000', '5']);
});

test('find-hanging: old open transactions the coordinator does not know on that partition', () => {
  const now = 1_000 + 20 * 60_000;
  const states = [
    { topic: 'a', partition: 0, activeProducers: [producer(1), producer(2), producer(3, { currentTransactionStartOffset: -1 }), producer(4, { lastTimestamp: now - 1_000 })] },
    { topic: 'a', partition: 1, activeProducers: [producer(2), producer(5)] },
  ];
  const candidates = candidateTransactions(states, now, 15 * 60_000);
  assert.deepEqual(
    candidates.map((c) => `${c.tp.topic}-${c.tp.partition}/${c.producer.producerId}`),
    ['a-0/1', 'a-0/2', 'a-1/2', 'a-1/5'],
  );
  const known = (id: string, partitions: number[]): TransactionDescription => ({
    transactionalId: id,
    coordinatorId: 1,
    state: 'Ongoing',
    producerId: 2,
    producerEpoch: 0,
    transactionTimeoutMs: 60_000,
    transactionStartTimeMs: 0,
    topicPartitions: partitions.map((partition) => ({ topic: 'a', partition })),
  });
  // 1: no transactional id; 2: ongoing on a-0 only; 5: its id is gone.
  const hanging = hangingTransactions(
    candidates,
    new Map([
      [2, 'two'],
      [5, 'five'],
    ]),
    new Map([
      ['two', known('two', [0])],
      ['five', undefined],
    ]),
  );
  assert.deepEqual(
    hanging.map((c) => `${c.tp.topic}-${c.tp.partition}/${c.producer.producerId}`),
    ['a-0/1', 'a-1/2', 'a-1/5'],
  );
  assert.deepEqual(hangingRow(hanging[0]!, now), ['a', '0', '1', '0', '-1', '5', '1000', '20']);
});
