import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseDateTime,
  parseDuration,
  parseGroupsArgs,
  parseTopicScopes,
  renderListWithColumns,
  renderMembers,
  renderOffsets,
  renderResetPlan,
  renderState,
} from '../../../src/cli/tools/consumer-groups.js';

const err = (argv: string[]): string => {
  const p = parseGroupsArgs(argv);
  assert.equal(p.kind, 'error', JSON.stringify(p));
  return (p as { message: string }).message;
};

test('parsing: actions, reset specs and scopes', () => {
  const p = parseGroupsArgs(['--bootstrap-server', 'h:1', '--reset-offsets', '--group', 'g', '--topic', 't:0,1', '--shift-by', '-2', '--execute']);
  assert.ok(p.kind === 'run');
  if (p.kind !== 'run') return;
  assert.deepEqual(p.args.reset, { kind: 'shift', by: -2 });
  assert.ok(p.args.execute);
  assert.deepEqual(parseTopicScopes(['t:0,1', 'u']), [
    { topic: 't', partitions: [0, 1] },
    { topic: 'u', partitions: undefined },
  ]);
  const l = parseGroupsArgs(['--bootstrap-server', 'h:1', '--list', '--state']);
  assert.ok(l.kind === 'run' && l.args.listStates !== undefined && l.args.listStates.length === 0);
  const ls = parseGroupsArgs(['--bootstrap-server', 'h:1', '--list', '--state', 'stable,empty']);
  assert.ok(ls.kind === 'run' && ls.args.listStates?.join() === 'Stable,Empty');
  const d = parseGroupsArgs(['--bootstrap-server', 'h:1', '--describe', '--group', 'g', '--state']);
  assert.ok(d.kind === 'run' && d.args.describe === 'state');
  assert.match(err(['--bootstrap-server', 'h:1', '--describe']), /\[all-groups\], \[group\]/);
  assert.match(err(['--bootstrap-server', 'h:1', '--reset-offsets', '--group', 'g', '--all-topics']), /needs one of the following actions/);
  assert.match(err(['--bootstrap-server', 'h:1', '--reset-offsets', '--group', 'g', '--to-latest']), /reset scopes/);
  assert.match(err(['--bootstrap-server', 'h:1', '--reset-offsets', '--group', 'g', '--all-topics', '--to-latest', '--to-earliest']), /only one of the reset actions/);
  assert.match(err(['--bootstrap-server', 'h:1', '--list', '--state', 'sleepy']), /Invalid state list/);
  assert.match(err(['--bootstrap-server', 'h:1', '--describe', '--group', 'g', '--to-earliest']), /only be used with option \[reset-offsets\]/);
});

test('datetimes and durations', () => {
  assert.equal(parseDateTime('2024-01-02T03:04:05.678'), Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  assert.equal(parseDateTime('2024-01-02T03:04:05.000+01:00'), Date.UTC(2024, 0, 2, 2, 4, 5));
  assert.throws(() => parseDateTime('yesterday'), /YYYY-MM-DDTHH:mm:SS.sss/);
  assert.equal(parseDuration('PT1H'), 3_600_000);
  assert.equal(parseDuration('P1DT2M3S'), 86_400_000 + 123_000);
  assert.throws(() => parseDuration('1h'), /PnDTnHnMnS/);
});

test('Kafka\'s column layouts', () => {
  const row = { group: 'g', topic: 't', partition: '0', leaderEpoch: '-', currentOffset: '3', logEndOffset: '5', lag: '2', consumerId: '-', host: '-', clientId: '-' };
  assert.equal(
    renderOffsets([row], false),
    '\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID' +
      '\ng               t               0          3               5               2               -               -               -\n',
  );
  const desc = {
    groupId: 'g',
    isSimpleConsumerGroup: false,
    state: 'Stable',
    protocolType: 'consumer',
    partitionAssignor: 'range',
    coordinator: { nodeId: 1, host: 'localhost', port: 9092 },
    members: [{ memberId: 'm-1', groupInstanceId: null, clientId: 'c', host: '/127.0.0.1', topics: ['t'], assignment: [{ topic: 't', partition: 0 }] }],
  };
  assert.equal(
    renderState(desc),
    '\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\ng               localhost:9092  (1)       range                Stable               1\n',
  );
  assert.equal(
    renderMembers(desc),
    '\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \ng               m-1             /127.0.0.1      c               1               \n',
  );
  assert.equal(renderResetPlan(new Map([['g', [{ topic: 't', partition: 0, offset: 7 }]]])), `\n${'GROUP'.padEnd(30)} ${'TOPIC'.padEnd(30)} ${'PARTITION'.padEnd(10)} ${'NEW-OFFSET'.padEnd(15)}\n${'g'.padEnd(30)} ${'t'.padEnd(30)} ${'0'.padEnd(10)} ${'7'.padEnd(15)}\n`);
  assert.equal(renderListWithColumns([{ groupId: 'g', type: 'classic', state: 'Empty' }], true, true), `${'GROUP'.padEnd(25)} ${'TYPE'.padEnd(20)} ${'STATE'.padEnd(20)}\n${'g'.padEnd(25)} ${'Classic'.padEnd(20)} ${'Empty'.padEnd(20)}\n`);
});
