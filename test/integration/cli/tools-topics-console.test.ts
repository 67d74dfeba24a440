// kafka-topics, kafka-console-producer and kafka-console-consumer as processes against a broker process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../../support/broker-process.js';
import { isOneLine, runTool } from './tools-support.js';

let broker: BrokerProcess;
let bs: string;

before(async () => {
  broker = await BrokerProcess.start();
  bs = broker.bootstrap;
});
after(async () => {
  await broker?.close();
});

test('kafka-topics: create, list, describe, alter, delete', async () => {
  await broker.check(async () => {
    let r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'orders', '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=3600000']);
    assert.equal(r.stdout, 'Created topic orders.\n');
    assert.equal(r.code, 0);
    r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'orders']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "Error while executing topic command : Topic 'orders' already exists.\n");
    r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'orders', '--if-not-exists']);
    assert.deepEqual([r.code, r.stdout], [0, '']);
    r = await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'my.topic']);
    assert.match(r.stdout, /^WARNING: Due to limitations in metric names.*\nCreated topic my.topic.\n$/);
    r = await runTool('kafka-topics', ['--list', '--bootstrap-server', bs]);
    assert.equal(r.stdout, 'my.topic\norders\n');
    r = await runTool('kafka-topics', ['--describe', '--bootstrap-server', bs, '--topic', 'orders']);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: .*retention\.ms=3600000/);
    assert.equal(lines[1], '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ');
    r = await runTool('kafka-topics', ['--alter', '--bootstrap-server', bs, '--topic', 'orders', '--partitions', '3']);
    assert.equal(r.code, 0, r.stderr);
    r = await runTool('kafka-topics', ['--describe', '--bootstrap-server', bs, '--topic', 'orders', '--topics-with-overrides']);
    assert.match(r.stdout, /PartitionCount: 3/);
    r = await runTool('kafka-topics', ['--delete', '--bootstrap-server', bs, '--topic', 'my.topic']);
    assert.equal(r.code, 0, r.stderr);
    r = await runTool('kafka-topics', ['--list', '--bootstrap-server', bs]);
    assert.equal(r.stdout, 'orders\n');
  });
});

test('kafka-topics: bad input is one line on stderr and exit 1', async () => {
  const cases: [string[], RegExp][] = [
    [['--describe', '--bootstrap-server', bs, '--topic', 'missing'], /^Topic 'missing' does not exist as expected$/],
    [['--delete', '--bootstrap-server', bs, '--topic', 'missing'], /does not exist as expected/],
    [['--create', '--zookeeper', 'localhost:2181', '--topic', 't'], /--bootstrap-server/],
    [['--list', '--bootstrap-server', bs, '--bogus'], /bogus is not a recognized option/],
    [['--create', '--topic', 't'], /Missing required argument "\[bootstrap-server\]"/],
    [['--list', '--bootstrap-server', '127.0.0.1:1'], /cannot connect to 127\.0\.0\.1:1/],
  ];
  for (const [args, re] of cases) {
    const r = await runTool('kafka-topics', args);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(isOneLine(r.stderr), `${args.join(' ')} → ${r.stderr}`);
    assert.match(r.stderr.trim(), re);
  }
  const d = await runTool('kafka-topics', ['--delete', '--bootstrap-server', bs, '--topic', 'missing', '--if-exists']);
  assert.equal(d.code, 0);
});

test('console producer → console consumer: keys, headers, timestamps, partitions, offsets', async () => {
  await broker.check(async () => {
    await runTool('kafka-topics', ['--create', '--bootstrap-server', bs, '--topic', 'lines', '--partitions', '1']);
    let r = await runTool('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'lines', '--property', 'parse.key=true', '--property', 'key.separator=:', '--compression-codec', 'lz4'], {
      input: 'k1:one\nk2:two\n',
    });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    r = await runTool('kafka-console-producer', ['--broker-list', bs, '--topic', 'lines', '--property', 'parse.headers=true', '--producer-property', 'acks=1'], {
      input: 'h1:a,h2:b\tthree\n',
    });
    assert.equal(r.code, 0, r.stderr);
    r = await runTool('kafka-console-consumer', [
      '--bootstrap-server', bs, '--topic', 'lines', '--from-beginning', '--max-messages', '3',
      '--property', 'print.key=true', '--property', 'print.headers=true', '--property', 'print.timestamp=true',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^CreateTime:\d+\tNO_HEADERS\tk1\tone$/);
    assert.match(lines[1]!, /^CreateTime:\d+\tNO_HEADERS\tk2\ttwo$/);
    assert.match(lines[2]!, /^CreateTime:\d+\th1:a,h2:b\tnull\tthree$/);
    assert.equal(r.stderr, 'Processed a total of 3 messages\n');
    r = await runTool('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'lines', '--partition', '0', '--offset', '1', '--max-messages', '1', '--property', 'print.offset=true']);
    assert.equal(r.stdout, 'Offset:1\ttwo\n');
    r = await runTool('kafka-console-consumer', ['--bootstrap-server', bs, '--topic', 'lines', '--timeout-ms', '500', '--isolation-level', 'read_committed']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /ERROR Error processing message, terminating consumer process: .*\norg\.apache\.kafka\.common\.errors\.TimeoutException\nProcessed a total of 0 messages\n$/);
  });
});

test('console producer: a line without the key separator is one line on stderr', async () => {
  const r = await runTool('kafka-console-producer', ['--bootstrap-server', bs, '--topic', 'lines', '--property', 'parse.key=true'], { input: 'nokey\n' });
  assert.equal(r.code, 1);
  assert.ok(isOneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /No key separator found on line number 1: 'nokey'/);
  const n = await runTool('kafka-console-producer', ['--bootstrap-server', '127.0.0.1:1', '--topic', 'lines'], { input: 'x\n' });
  assert.equal(n.code, 1);
  assert.ok(isOneLine(n.stderr), n.stderr);
});
