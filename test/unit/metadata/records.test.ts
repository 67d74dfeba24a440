import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  METADATA_RECORD_SERDE,
  METADATA_RECORD_TYPES,
  metadataRecordDescriptor,
  record,
  type ApiMessageAndVersion,
} from '../../../src/metadata/index.js';
import { DecodeError, FeatureLevelRecord, PartitionChangeRecord, TopicRecord, type MessageDescriptor } from '../../../src/protocol/index.js';
import { roundTrip } from './fake-raft.js';

function encode(r: ApiMessageAndVersion): Buffer {
  const buf = Buffer.alloc(METADATA_RECORD_SERDE.size(r) + 3, 0xee);
  const end = METADATA_RECORD_SERDE.write(r, buf, 3);
  assert.equal(end, buf.length);
  return buf.subarray(3);
}

const ID = 'AAAAAAAAAAAAAAAAAAAAAQ'; // Uuid(0, 1)
const ID_HEX = '00'.repeat(15) + '01';

test('golden: TopicRecord is frame 1, api key 2, version 0, then the flexible message', () => {
  const hex = encode(record(TopicRecord, TopicRecord.create({ name: 'foo', topicId: ID }))).toString('hex');
  assert.equal(hex, '010200' + '04666f6f' + ID_HEX + '00');
});

test('golden: FeatureLevelRecord metadata.version 21', () => {
  const hex = encode(record(FeatureLevelRecord, FeatureLevelRecord.create({ name: 'metadata.version', featureLevel: 21 }))).toString('hex');
  assert.equal(hex, '010c00' + '11' + Buffer.from('metadata.version').toString('hex') + '0015' + '00');
});

test('golden: PartitionChangeRecord carries only the changed fields as tagged fields (leader = tag 1)', () => {
  const r = record(PartitionChangeRecord, PartitionChangeRecord.create({ partitionId: 0, topicId: ID, leader: 1 }));
  assert.equal(encode(r).toString('hex'), '010500' + '00000000' + ID_HEX + '01' + '01' + '04' + '00000001');
  const back = METADATA_RECORD_SERDE.read(encode(r));
  assert.equal(back.apiKey, 5);
  if (back.apiKey === 5) assert.deepEqual([back.message.isr, back.message.leader, back.message.replicas], [null, 1, null]);
});

test('api keys are Kafka\'s MetadataRecordType numbers', () => {
  const keys = Object.fromEntries(Object.entries(METADATA_RECORD_TYPES).map(([n, d]) => [n, (d as MessageDescriptor<object>).apiKey]));
  assert.deepEqual(keys, {
    RegisterBrokerRecord: 0,
    UnregisterBrokerRecord: 1,
    TopicRecord: 2,
    PartitionRecord: 3,
    ConfigRecord: 4,
    PartitionChangeRecord: 5,
    FenceBrokerRecord: 7,
    UnfenceBrokerRecord: 8,
    RemoveTopicRecord: 9,
    DelegationTokenRecord: 10,
    UserScramCredentialRecord: 11,
    FeatureLevelRecord: 12,
    ClientQuotaRecord: 14,
    ProducerIdsRecord: 15,
    BrokerRegistrationChangeRecord: 17,
    AccessControlEntryRecord: 18,
    RemoveAccessControlEntryRecord: 19,
    NoOpRecord: 20,
    ZkMigrationStateRecord: 21,
    RemoveUserScramCredentialRecord: 22,
    BeginTransactionRecord: 23,
    EndTransactionRecord: 24,
    AbortTransactionRecord: 25,
    RemoveDelegationTokenRecord: 26,
    RegisterControllerRecord: 27,
  });
});

test('every record type round-trips at every version', () => {
  for (const d of Object.values(METADATA_RECORD_TYPES) as MessageDescriptor<object>[]) {
    for (let v = d.minVersion; v <= d.maxVersion; v++) {
      const r = { apiKey: d.apiKey, version: v, message: d.create() } as ApiMessageAndVersion;
      const back = roundTrip(r);
      assert.deepEqual(back, r, `${d.name} v${v}`);
      assert.equal(metadataRecordDescriptor(d.apiKey), d);
    }
  }
});

test('decoding rejects unknown frame versions, api keys, versions and trailing bytes', () => {
  const good = encode(record(TopicRecord, TopicRecord.create({ name: 'x', topicId: ID })));
  const bad = (mutate: (b: Buffer) => Buffer) => assert.throws(() => METADATA_RECORD_SERDE.read(mutate(Buffer.from(good))), DecodeError);
  bad((b) => ((b[0] = 2), b));
  bad((b) => ((b[1] = 6), b));
  bad((b) => ((b[2] = 1), b));
  bad((b) => Buffer.concat([b, Buffer.from([0])]));
  bad((b) => b.subarray(0, b.length - 1));
});
