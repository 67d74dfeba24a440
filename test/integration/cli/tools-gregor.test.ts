// `gregor topic|produce|consume|group|cluster` as processes against a broker process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../../support/broker-process.js';
import { isOneLine, runTool } from './tools-support.js';

let broker: BrokerProcess;
let gregor: (args: string[], input?: string) => ReturnType<typeof runTool>;

before(async () => {
  broker = await BrokerProcess.start({ properties: { 'group.initial.rebalance.delay.ms': '0' } });
  gregor = (args, input) => runTool('gregor', args, { env: { GREGOR_BROKERS: broker.bootstrap }, ...(input !== undefined ? { input } : {}) });
});
after(async () => {
  await broker?.close();
});

test('gregor topic create/list/describe/delete, tables and --json', async () => {
  await broker.check(async () => {
    let r = await gregor(['topic', 'create', 'orders', '-p', '3', '-c', 'retention.ms=3600000']);
    assert.deepEqual([r.code, r.stdout], [0, 'TOPIC   STATUS\norders  created\n']);
    r = await gregor(['topic', 'create', 'orders', '--if-not-exists', '--json']);
    assert.equal(JSON.parse(r.stdout)[0].created, false);
    r = await gregor(['topic', 'list']);
    assert.equal(r.stdout, 'NAME    PARTITIONS  REPLICAS\norders  3           1\n');
    r = await gregor(['topic', 'describe', 'orders', '--json']);
    const d = JSON.parse(r.stdout) as { name: string; configs: Record<string, string>; partitions: { partition: number; leader: number; logEndOffset: number }[] };
    assert.equal(d.name, 'orders');
    assert.deepEqual(d.configs, { 'retention.ms': '3600000' });
    assert.deepEqual(d.partitions.map((p) => [p.partition, p.leader, p.logEndOffset]), [[0, 1, 0], [1, 1, 0], [2, 1, 0]]);
    r = await gregor(['topic', 'describe', 'orders']);
    assert.match(r.stdout, /^NAME {8}orders\nID {10}\S+\nPARTITIONS {2}3\nREPLICAS {4}1\n\nCONFIG +VALUE\nretention\.ms +3600000\n\nPARTITION +LEADER +REPLICAS +ISR +LOG-START +LOG-END\n0 +1 +1 +1 +0 +0\n/);
    assert.doesNotMatch(r.stdout, /\x1b\[/); // not a terminal: no colour
    r = await gregor(['topic', 'create', 'scratch']);
    r = await gregor(['topic', 'delete', 'scratch']);
    assert.equal(r.stdout, 'TOPIC    STATUS\nscratch  deleted\n');
  });
});

test('gregor produce and consume: values, stdin lines, keys, headers, JSON', async () => {
  await broker.check(async () => {
    await gregor(['topic', 'create', 'lines', '-p', '1']);
    let r = await gregor(['produce', 'lines', 'one', 'two', '-k', 'k', '-H', 'src=cli']);
    assert.deepEqual([r.code, r.stderr], [0, 'Produced 2 records to lines.\n']);
    r = await gregor(['produce', 'lines', '--key-separator', ':', '--json'], 'a:three\nb:four\n');
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { offset: number }).offset), [2, 3]);
    r = await gregor(['consume', 'lines', '-o', 'start', '-n', '4', '--key', '--headers']);
    assert.equal(r.stdout, 'src=cli\tk\tone\nsrc=cli\tk\ttwo\n\ta\tthree\n\tb\tfour\n');
    r = await gregor(['consume', 'lines', '-o', '-1', '--timeout', '1500', '-f', 'json']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { topic: 'lines', partition: 0, offset: 3, timestamp: (JSON.parse(r.stdout) as { timestamp: number }).timestamp, key: 'b', value: 'four', headers: {} });
    r = await gregor(['consume', 'lines', '-g', 'g1', '-o', 'start', '-n', '3']);
    assert.equal(r.stdout, 'one\ntwo\nthree\n');
    r = await gregor(['group', 'describe', 'g1', '--json']);
    const g = JSON.parse(r.stdout) as { state: string; offsets: { committed: number; lag: number }[]; totalLag: number };
    assert.deepEqual([g.state, g.offsets[0]?.committed, g.totalLag], ['Empty', 3, 1]);
    r = await gregor(['group', 'list']);
    assert.equal(r.stdout, 'GROUP  STATE\ng1     Empty\n');
    r = await gregor(['group', 'reset', 'g1', '--to', 'earliest']);
    assert.equal(r.stdout, 'TOPIC  PARTITION  NEW-OFFSET\nlines  0          0\n');
    assert.match(r.stderr, /dry run/);
    r = await gregor(['group', 'reset', 'g1', '--to', 'earliest', '--execute']);
    r = await gregor(['consume', 'lines', '-g', 'g1', '-n', '1']);
    assert.equal(r.stdout, 'one\n');
  });
});

test('gregor cluster info, and bad input as one line', async () => {
  let r = await gregor(['cluster', 'info', '--json']);
  const info = JSON.parse(r.stdout) as { controller: number; brokers: { nodeId: number }[] };
  assert.deepEqual([info.controller, info.brokers.map((b) => b.nodeId)], [1, [1]]);
  r = await gregor(['cluster', 'info']);
  assert.match(r.stdout, /^CLUSTER {6}\S+\nCONTROLLER {3}1\n/);
  for (const args of [['topic', 'describe', 'missing'], ['consume', 'missing'], ['group', 'describe', 'missing'], ['topic', 'bogus'], ['topic', 'list', '--nope'], ['topic', 'list', '-b', '127.0.0.1:1']]) {
    r = await gregor(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(isOneLine(r.stderr), `${args.join(' ')}: ${r.stderr}`);
  }
});
