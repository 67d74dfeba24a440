import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NOOP_LOGGER } from '../../../src/common/index.js';
import { FileQuorumStateStore, QuorumStateFormatError, decodeQuorumState, encodeQuorumState } from '../../../src/raft/index.js';
import { Prng, SimDisk } from '../../../src/testkit/index.js';

describe('quorum-state file', () => {
  it("is Kafka's version 0 JSON on one line", () => {
    assert.equal(
      encodeQuorumState({ epoch: 2, leaderId: 1, votedId: -1, voters: [1] }),
      '{"clusterId":"","leaderId":1,"leaderEpoch":2,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1}],"data_version":0}',
    );
  });

  it("reads Kafka's versions 0 and 1", () => {
    assert.deepEqual(
      decodeQuorumState('{"clusterId":"","leaderId":3,"leaderEpoch":7,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":3}],"data_version":0}\n'),
      { epoch: 7, leaderId: 3, votedId: -1, voters: [1, 3] },
    );
    assert.deepEqual(decodeQuorumState('{"leaderId":-1,"leaderEpoch":2,"votedId":1,"votedDirectoryId":"J8aAPcfLQt2bqs1JT_rMgQ","data_version":1}'), {
      epoch: 2,
      leaderId: -1,
      votedId: 1,
      voters: [],
    });
  });

  it('rejects what it cannot trust', () => {
    for (const bad of ['', 'not json', '[]', '{"leaderEpoch":1}', '{"leaderEpoch":1,"data_version":2}', '{"leaderEpoch":"x","data_version":0}']) {
      assert.throws(() => decodeQuorumState(bad), QuorumStateFormatError, bad);
    }
  });

  it('is replaced atomically and survives a power cut once written', () => {
    const disk = new SimDisk();
    const store = new FileQuorumStateStore(disk, '/m/__cluster_metadata-0/quorum-state', NOOP_LOGGER);
    disk.mkdir('/m/__cluster_metadata-0');
    assert.equal(store.read(), undefined);
    store.write({ epoch: 1, leaderId: -1, votedId: 1, voters: [1] });
    store.write({ epoch: 1, leaderId: 1, votedId: -1, voters: [1] });
    disk.powerCut(new Prng(7));
    assert.deepEqual(new FileQuorumStateStore(disk, '/m/__cluster_metadata-0/quorum-state', NOOP_LOGGER).read(), {
      epoch: 1,
      leaderId: 1,
      votedId: -1,
      voters: [1],
    });
  });
});
