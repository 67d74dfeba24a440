// kafka-transactions as a process against a broker process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../../support/broker-process.js';
import { isOneLine, runTool } from './tools-support.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await BrokerProcess.start();
  bs = broker.bootstrap;
  assert.equal((await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'payments', '--partitions', '1'])).code, 0);
  // The console producer is idempotent (acks=all): its producer id shows in describe-producers.
  assert.equal((await runTool('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'payments'], { input: 'x\ny\n' })).code, 0);
});
after(async () => {
  await broker?.close();
});

test('kafka-transactions list, describe-producers, describe', async () => {
  await broker.check(async () => {
    let r = await runTool('kafka-transactions', ['--bootstrap-server', bs, 'list']);
    // Until Gregor has a transaction coordinator, the broker does not offer ListTransactions: one line.
    if (r.code === 0) assert.equal(r.stdout, 'TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n');
    else assert.ok(isOneLine(r.stderr) && /ListTransactions/.test(r.stderr), r.stderr);
    r = await runTool('kafka-transactions', ['--bootstrap-server', bs, 'describe-producers', '--topic', 'payments', '--partition', '0']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'ProducerId\tProducerEpoch\tLatestCoordinatorEpoch\tLastSequence\tLastTimestamp\tCurrentTransactionStartOffset\t');
    assert.match(lines[1]!, /^\d+ *\t0 *\t(None|\d+) *\t1 *\t\d+ *\tNone/);
    r = await runTool('kafka-transactions', ['--bootstrap-server', bs, 'describe', '--transactional-id', 'nobody']);
    assert.equal(r.code, 1);
    assert.ok(isOneLine(r.stderr), r.stderr);
    r = await runTool('kafka-transactions', ['--bootstrap-server', bs, 'abort']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not supported by Gregor yet/);
  });
});
