// kafka-consumer-groups (and kafka-console-consumer --group) as processes against a broker process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../../support/broker-process.js';
import { RunningTool, isOneLine, runTool, toolJs } from './tools-support.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await BrokerProcess.start({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  bs = broker.bootstrap;
  let r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'clicks', '--partitions', '2']);
  assert.equal(r.code, 0, r.stderr);
  r = await runTool('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'clicks'], { input: 'a\nb\nc\nd\ne\n' });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await broker?.close();
});

test('a group consumer commits; describe shows CURRENT-OFFSET, LOG-END-OFFSET and LAG; reset and delete', async () => {
  await broker.check(async () => {
    let r = await runTool('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'clicks', '--group', 'readers', '--from-beginning', '--max-messages', '5']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n').sort(), ['a', 'b', 'c', 'd', 'e']);
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--list']);
    assert.equal(r.stdout, 'readers\n');
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', 'readers']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "\nConsumer group 'readers' has no active members.\n");
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '');
    assert.equal(lines[1], 'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID');
    assert.match(lines[2]!, /^readers {9}clicks {10}0 {10}(\d+) +\1 +0 +- +- +-$/);
    assert.match(lines[3]!, /^readers {9}clicks {10}1 {10}(\d+) +\1 +0 +- +- +-$/);
    // Rewind one partition's worth: --dry-run changes nothing, --execute does.
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--reset-offsets', '--group', 'readers', '--topic', 'clicks', '--to-earliest', '--dry-run']);
    assert.equal(r.stdout, `\n${'GROUP'.padEnd(30)} ${'TOPIC'.padEnd(30)} ${'PARTITION'.padEnd(10)} ${'NEW-OFFSET'.padEnd(15)}\n${'readers'.padEnd(30)} ${'clicks'.padEnd(30)} ${'0'.padEnd(10)} ${'0'.padEnd(15)}\n${'readers'.padEnd(30)} ${'clicks'.padEnd(30)} ${'1'.padEnd(10)} ${'0'.padEnd(15)}\n`);
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--reset-offsets', '--group', 'readers', '--all-topics', '--to-offset', '1', '--execute']);
    assert.equal(r.code, 0, r.stderr);
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', 'readers', '--offsets']);
    // The console producer's unkeyed records went to one partition (sticky): find it.
    const busy = /\nreaders +clicks +(\d) +1 +5 +4 /.exec(r.stdout);
    assert.ok(busy !== null, r.stdout);
    const other = busy[1] === '0' ? '1' : '0';
    assert.match(r.stdout, new RegExp(`\\nreaders +clicks +${other} +0 +0 +0 `));
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--reset-offsets', '--group', 'readers', '--topic', `clicks:${busy[1]}`, '--shift-by', '-5', '--execute']);
    assert.match(r.stdout, new RegExp(`\\nreaders +clicks +${busy[1]} +0 +\\n$`));
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--reset-offsets', '--group', 'readers', '--topic', 'clicks', '--to-datetime', '2000-01-01T00:00:00.000', '--execute']);
    assert.match(r.stdout, /clicks +0 +0 +\n/);
    // The group reads again from its reset offsets.
    r = await runTool('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'clicks', '--group', 'readers', '--max-messages', '5', '--timeout-ms', '10000']);
    assert.equal(r.stdout.trimEnd().split('\n').length, 5, r.stderr);
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--delete', '--group', 'readers']);
    assert.deepEqual([r.code, r.stdout], [0, "Deletion of requested consumer groups ('readers') was successful.\n"]);
    r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', 'readers']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: Consumer group 'readers' does not exist\./);
  });
});

test('an active member: --members, --state, and reset refused while it runs', async () => {
  await broker.check(async () => {
    const member = new RunningTool(process.execPath, [toolJs('kafka-console-consumer'), '--bootstrap-server', bs, '--topic', 'clicks', '--group', 'live', '--from-beginning']);
    try {
      await member.until((m) => m.stdout.split('\n').length > 5, 'five records');
      let r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', 'live', '--members']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(lines[1]!, /^GROUP +CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +$/);
      assert.match(lines[2]!, /^live +\S+ +\/?[\d.]+ +\S+ +2 +$/);
      r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--describe', '--group', 'live', '--state']);
      assert.match(r.stdout, /^\nGROUP +COORDINATOR \(ID\) +ASSIGNMENT-STRATEGY +STATE +#MEMBERS\nlive +127\.0\.0\.1:\d+  \(1\) +range +Stable +1\n$/);
      r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--list', '--state', 'stable']);
      assert.match(r.stdout, /^GROUP {20} STATE {15}\nlive {21} Stable {14}\n$/);
      r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--reset-offsets', '--group', 'live', '--all-topics', '--to-earliest', '--execute']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Assignments can only be reset if the group 'live' is inactive, but the current state is Stable\./);
      r = await runTool('kafka-consumer-groups', ['--bootstrap-server', bs, '--delete', '--group', 'live']);
      assert.equal(r.code, 1);
    } finally {
      member.child.kill('SIGINT');
      const done = await member.result(15_000);
      assert.equal(done.code, 0);
      assert.match(done.stderr, /Processed a total of 5 messages/);
    }
  });
});

test('kafka-consumer-groups: bad input is one line on stderr', async () => {
  for (const args of [
    ['--bootstrap-server', bs, '--describe'],
    ['--bootstrap-server', bs, '--reset-offsets', '--group', 'g', '--topic', 't'],
    ['--bootstrap-server', bs, '--reset-offsets', '--group', 'g', '--to-earliest'],
    ['--zookeeper', 'localhost:2181', '--list'],
    ['--bootstrap-server', bs, '--list', '--nope'],
  ]) {
    const r = await runTool('kafka-consumer-groups', args);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(isOneLine(r.stderr), r.stderr);
  }
});
