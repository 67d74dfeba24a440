// bin/kafka-producer-perf-test.sh and bin/kafka-consumer-perf-test.sh (the consumer as a group member) against a broker process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../../support/broker-process.js';
import { runShell, runTool } from './tools-support.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await BrokerProcess.start({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  bs = broker.bootstrap;
  const r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'perf', '--partitions', '2']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await broker?.close();
});

test('the perf-test wrappers produce and consume; the consumer joins --group and commits', async () => {
  await broker.check(async () => {
    let r = await runShell(`bin/kafka-producer-perf-test.sh --topic perf --num-records 3000 --record-size 100 --throughput -1 --producer-props bootstrap.servers=${bs} acks=1`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^3000 records sent, [\d.]+ records\/sec/m);
    r = await runShell(`bin/kafka-consumer-perf-test.sh --bootstrap-server ${bs} --topic perf --messages 3000 --group perf-readers --timeout 20000`);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    const fields = lines[1]!.split(', ');
    assert.equal(fields[4], '3000', lines[1]);
    assert.ok(Number(fields[6]) > 0, `a rebalance was timed: ${lines[1]}`);
    // The group committed what it read (auto-commit on close): no lag.
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', 'perf-readers', '--offsets']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('perf-readers'));
    assert.equal(rows.length, 2, r.stdout);
    for (const row of rows) assert.match(row, /^perf-readers +perf +\d +(\d+) +\1 +0 /);
  });
});
