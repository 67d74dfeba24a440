import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig } from '../../../src/config/index.js';
import { readMetaProperties, writeMetaProperties } from '../../../src/storage/index.js';
import {
  FormatterException,
  decodeBootstrapCheckpoint,
  defaultBootstrapMetadata,
  encodeBootstrapCheckpoint,
  ensureFormatted,
  formatStorage,
  metadataVersionFeatureLevel,
  readBootstrapMetadata,
  readStorageInfo,
  renderStorageInfo,
  resolveReleaseVersion,
} from '../../../src/server/index.js';
import { SimClock, SimDisk } from '../../../src/testkit/index.js';
import { iterateBatches } from '../../../src/protocol/index.js';

const CLUSTER = 'MkU3OEVBNTcwNTJENDM2Qg';

function config(extra: Record<string, string> = {}): BrokerConfig {
  return BrokerConfig.fromProperties(
    new Map(
      Object.entries({
        'process.roles': 'broker,controller',
        'node.id': '1',
        'controller.quorum.voters': '1@localhost:9093',
        listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        'controller.listener.names': 'CONTROLLER',
        'log.dirs': '/data/a,/data/b',
        'metadata.log.dir': '/meta',
        ...extra,
      }),
    ),
  );
}

/** Deterministic uuids: 'AAAA...' prefixes differ by counter, all valid 16-byte strings. */
function uuids(): () => string {
  let n = 0;
  return () => {
    const b = Buffer.alloc(16, 0x11);
    b.writeUInt32BE(++n, 0);
    return b.toString('base64url');
  };
}

function env(fs = new SimDisk()): { fs: SimDisk; clock: SimClock; randomUuid: () => string; print: (l: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { fs, clock: new SimClock(1_700_000_000_000), randomUuid: uuids(), print: (l) => lines.push(l), lines };
}

test('metadata.version levels follow Kafka (3.0-IV1=1, 3.3-IV0=4, 3.9-IV0=21) and release strings resolve like fromVersionString', () => {
  assert.equal(metadataVersionFeatureLevel('3.0-IV1'), 1);
  assert.equal(metadataVersionFeatureLevel('3.3-IV0'), 4);
  assert.equal(metadataVersionFeatureLevel('3.9-IV0'), 21);
  assert.equal(metadataVersionFeatureLevel('2.8-IV1'), -1);
  assert.equal(resolveReleaseVersion('3.9'), '3.9-IV0');
  assert.equal(resolveReleaseVersion('3.9.1'), '3.9-IV0');
  assert.equal(resolveReleaseVersion('3.7'), '3.7-IV4');
  assert.equal(resolveReleaseVersion('3.5-IV1'), '3.5-IV1');
  assert.throws(() => resolveReleaseVersion('3.10'), /Version 3.10 is not a valid version/);
  assert.throws(() => resolveReleaseVersion('2.8'), /metadata.version 2.8-IV1 is too old to be supported/);
  assert.throws(() => resolveReleaseVersion('3.2'), /metadata.version 3.2-IV0 is too old to be supported \(the minimum is 3.3-IV0\)/);
  assert.equal(resolveReleaseVersion('3.3-IV0'), '3.3-IV0');
  assert.throws(() => resolveReleaseVersion('4.0'), /metadata.version 4.0-IV1 is not yet stable/);
});

test('bootstrap.checkpoint is one record batch of framed FeatureLevelRecords, read back as written', () => {
  const b = defaultBootstrapMetadata('3.8-IV0', 'test');
  const bytes = encodeBootstrapCheckpoint(b, 1234);
  const batches = [...iterateBatches(bytes)];
  assert.equal(batches.length, 1);
  const batch = batches[0]!;
  assert.equal(batch.baseOffset, 0);
  assert.equal(batch.partitionLeaderEpoch, 0);
  assert.ok(batch.verifyCrc());
  const value = [...batch.records()][0]!.value!;
  // frame version 1, api key 12 (FeatureLevelRecord), version 0, then the compact name
  assert.deepEqual([...value.subarray(0, 4)], [1, 12, 0, 'metadata.version'.length + 1]);
  assert.deepEqual(decodeBootstrapCheckpoint(bytes, 'f'), { metadataVersion: '3.8-IV0', metadataVersionLevel: 20, featureLevels: [{ name: 'metadata.version', featureLevel: 20 }], source: 'f' });
  assert.throws(() => decodeBootstrapCheckpoint(Buffer.from('garbage that is not a batch at all, long enough to look like one....'), 'f'), FormatterException);
});

test('format writes meta.properties v1 with a distinct directory id and bootstrap.checkpoint into every directory', () => {
  const e = env();
  const c = config();
  const result = formatStorage(c, { clusterId: CLUSTER }, e);
  assert.deepEqual([...result.formatted.keys()], ['/data/a', '/data/b', '/meta']);
  const ids = new Set<string>();
  for (const dir of ['/data/a', '/data/b', '/meta']) {
    const meta = readMetaProperties(e.fs, `${dir}/meta.properties`)!;
    assert.equal(meta.clusterId, CLUSTER);
    assert.equal(meta.nodeId, 1);
    ids.add(meta.directoryId!);
    assert.match(e.fs.readFile(`${dir}/meta.properties`)!.toString(), /^version=1$/m);
    assert.ok(e.fs.readFile(`${dir}/bootstrap.checkpoint`) !== undefined);
  }
  assert.equal(ids.size, 3);
  assert.equal(readBootstrapMetadata(c, e).metadataVersion, '3.9-IV0');
  assert.deepEqual(e.lines.slice(1), [
    'Formatting data directory /data/a with metadata.version 3.9-IV0.',
    'Formatting data directory /data/b with metadata.version 3.9-IV0.',
    'Formatting metadata directory /meta with metadata.version 3.9-IV0.',
  ]);
  assert.match(e.lines[0]!, /^Bootstrap metadata: BootstrapMetadata\(records=\[ApiMessageAndVersion\(FeatureLevelRecord\(name='metadata.version', featureLevel=21\)/);
});

test('format: --release-version, else inter.broker.protocol.version, sets metadata.version', () => {
  const e = env();
  formatStorage(config(), { clusterId: CLUSTER, releaseVersion: '3.6' }, e);
  assert.equal(readBootstrapMetadata(config(), e).metadataVersion, '3.6-IV2');
  const e2 = env();
  const c2 = config({ 'inter.broker.protocol.version': '3.7-IV0' });
  formatStorage(c2, { clusterId: CLUSTER }, e2);
  assert.equal(readBootstrapMetadata(c2, e2).metadataVersion, '3.7-IV0');
});

test('format: an already formatted directory fails unless --ignore-formatted, which formats only the others', () => {
  const e = env();
  const c = config();
  formatStorage(config({ 'log.dirs': '/data/a' }), { clusterId: CLUSTER }, e);
  assert.throws(
    () => formatStorage(c, { clusterId: CLUSTER }, e),
    (err: Error) => err instanceof FormatterException && err.message === 'Log directory /data/a is already formatted. Use --ignore-formatted to ignore this directory and format the others.',
  );
  const before = e.fs.readFile('/data/a/meta.properties')!.toString();
  const again = formatStorage(c, { clusterId: CLUSTER, ignoreFormatted: true }, e);
  assert.deepEqual([...again.formatted.keys()], ['/data/b']);
  assert.equal(e.fs.readFile('/data/a/meta.properties')!.toString(), before);
  e.lines.length = 0;
  formatStorage(c, { clusterId: CLUSTER, ignoreFormatted: true }, e);
  assert.deepEqual(e.lines, ['All of the log directories are already formatted.']);
});

test('format: another cluster id or node id in a formatted directory is always an error', () => {
  const e = env();
  formatStorage(config({ 'log.dirs': '/data/a' }), { clusterId: CLUSTER }, e);
  const other = 'VGhpcyBpcyBhbm90aGVyIQ';
  assert.throws(
    () => formatStorage(config(), { clusterId: other, ignoreFormatted: true }, e),
    new RegExp(`^FormatterException: Invalid cluster.id in: /data/a/meta.properties. Expected ${other}, but read ${CLUSTER}$`),
  );
  assert.throws(() => formatStorage(config({ 'node.id': '2', 'controller.quorum.voters': '2@localhost:9093' }), { clusterId: CLUSTER, ignoreFormatted: true }, e), /Stored node id 1 doesn't match previous node id 2/);
});

test('format: bad cluster id, bad release version, --standalone preconditions', () => {
  assert.throws(() => formatStorage(config(), { clusterId: 'not-a-uuid' }, env()), /Cluster ID string not-a-uuid does not appear to be a valid UUID/);
  assert.throws(() => formatStorage(config(), { clusterId: CLUSTER, releaseVersion: '9.9' }, env()), /Version 9.9 is not a valid version/);
  assert.throws(() => formatStorage(config(), { clusterId: CLUSTER, standalone: true }, env()), /You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone/);
  const broker = config({ 'process.roles': 'broker', 'node.id': '2', listeners: 'PLAINTEXT://:9092' });
  assert.throws(() => formatStorage(broker, { clusterId: CLUSTER, standalone: true }, env()), /You cannot use --standalone on a broker node/);
});

test('ensureFormatted formats a fresh node with a new cluster id, then finds the same state on the next start', () => {
  const e = env();
  const c = config();
  const first = ensureFormatted(c, e.randomUuid, e);
  assert.equal(first.formattedNow, true);
  assert.equal(first.nodeId, 1);
  assert.deepEqual([...first.directoryIds.keys()], ['/data/a', '/data/b', '/meta']);
  assert.equal(first.bootstrap.metadataVersion, '3.9-IV0');
  const second = ensureFormatted(c, e.randomUuid, e);
  assert.equal(second.formattedNow, false);
  assert.equal(second.clusterId, first.clusterId);
  assert.deepEqual(second.directoryIds, first.directoryIds);
});

test('ensureFormatted: a node id change, a mixed cluster or a half-formatted node fails with Kafka wording', () => {
  const e = env();
  ensureFormatted(config(), e.randomUuid, e);
  assert.throws(
    () => ensureFormatted(config({ 'node.id': '2', 'controller.quorum.voters': '2@localhost:9093' }), e.randomUuid, e),
    /^FormatterException: Stored node id 1 doesn't match previous node id 2 in \/data\/a\/meta.properties/,
  );
  assert.throws(() => ensureFormatted(config({ 'log.dirs': '/data/a,/data/c' }), e.randomUuid, e), /No `meta.properties` found in \/data\/c \(have you run `kafka-storage format`/);
  writeMetaProperties(e.fs, '/data/b/meta.properties', { clusterId: 'VGhpcyBpcyBhbm90aGVyIQ', nodeId: 1, directoryId: 'ZGlyZWN0b3J5LWlkLWIhIQ' });
  assert.throws(() => ensureFormatted(config(), e.randomUuid, e), /Invalid cluster.id in: \/data\/b\/meta.properties/);
});

test('ensureFormatted gives a directory formatted without directory.id one, and keeps it', () => {
  const e = env();
  e.fs.mkdir('/data/a');
  writeMetaProperties(e.fs, '/data/a/meta.properties', { clusterId: CLUSTER, nodeId: 1 });
  const c = config({ 'log.dirs': '/data/a', 'metadata.log.dir': '/data/a' });
  const s = ensureFormatted(c, e.randomUuid, e);
  const id = s.directoryIds.get('/data/a');
  assert.equal(readMetaProperties(e.fs, '/data/a/meta.properties')!.directoryId, id);
  assert.equal(s.bootstrap.source, 'the default bootstrap'); // no bootstrap.checkpoint: Kafka's default
});

test('info reports directories, the metadata and problems, in Kafka\'s layout and exit code', () => {
  const e = env();
  const c = config();
  const missing = renderStorageInfo(readStorageInfo(c, e), 3);
  assert.equal(missing.exitCode, 1);
  assert.equal(missing.text, 'Found problems:\n  /data/a does not exist\n  /data/b does not exist\n  /meta does not exist\n\n');
  formatStorage(c, { clusterId: CLUSTER }, e);
  const ok = renderStorageInfo(readStorageInfo(c, e), 3);
  assert.equal(ok.exitCode, 0);
  const dirId = readMetaProperties(e.fs, '/data/a/meta.properties')!.directoryId;
  assert.equal(ok.text, `Found log directories:\n  /data/a\n  /data/b\n  /meta\n\nFound metadata: {cluster.id=${CLUSTER}, directory.id=${dirId}, node.id=1, version=1}\n\n`);
  e.fs.mkdir('/data/c');
  const half = renderStorageInfo(readStorageInfo(config({ 'log.dirs': '/data/a,/data/c' }), e), 3);
  assert.equal(half.exitCode, 1);
  assert.match(half.text, /Found problem:\n {2}\/data\/c is not formatted.\n/);
});
