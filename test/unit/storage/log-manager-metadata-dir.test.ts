import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Log, LogManager, logConfig } from '../../../src/storage/index.js';
import type { StorageLogger } from '../../../src/storage/index.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';
import { batch } from './helpers.js';

const silent: StorageLogger = { info() {}, warn() {}, error() {} };

describe('LogManager and the metadata log dir', () => {
  it('skips __cluster_metadata-0 when loading a log dir (the quorum owns it)', async () => {
    const disk = new SimDisk();
    const clock = new SimClock();
    // A metadata log written by the quorum, beside an ordinary partition.
    const meta = Log.open({
      fs: disk,
      clock,
      dir: '/d1/__cluster_metadata-0',
      topicPartition: { topic: '__cluster_metadata', partition: 0 },
      config: logConfig(),
      logger: silent,
      recoveryPoint: 0,
      logStartOffset: 0,
      cleanShutdown: false,
    });
    meta.appendAsLeader(batch(2), 1);
    meta.closeSync();
    const params = { fs: disk, clock, logDirs: ['/d1'], logger: silent, defaultConfig: logConfig() };
    const m = new LogManager(params);
    m.startup();
    m.getOrCreateLog({ topic: 'orders', partition: 0 }).appendAsLeader(batch(1), 1);
    await m.shutdown();

    const again = new LogManager(params);
    again.startup();
    assert.deepEqual(
      again.allLogs().map((l) => l.name),
      ['orders-0'],
    );
    assert.equal(again.getLog({ topic: '__cluster_metadata', partition: 0 }), undefined);
    assert.equal(again.partitionState({ topic: '__cluster_metadata', partition: 0 }), 'absent');
    // The quorum's files are untouched (no recovery-point entry, no deletion).
    assert.ok(disk.exists('/d1/__cluster_metadata-0/00000000000000000000.log'));
    assert.ok(!disk.readFile('/d1/recovery-point-offset-checkpoint')!.toString().includes('__cluster_metadata'));
    await again.shutdown();
  });
});
