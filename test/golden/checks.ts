/**
 * Checks shared by the live capture and the stored fixtures: every request frame must decode with
 * our codec, re-encode to exactly the bytes the client sent, and carry what the scenario says
 * the client was asked to do (topic, group, acks, records).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../support/repo.js';
import {
  API_BY_KEY,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  Reader,
  Writer,
  decodeBody,
  encodeRequestFrame,
  parseRequestHeader,
} from '../../src/protocol/index.js';
import type {
  ApiDescriptor,
  ApiVersionsRequest,
  FetchRequest,
  FindCoordinatorRequest,
  HeartbeatRequest,
  InitProducerIdRequest,
  JoinGroupRequest,
  LeaveGroupRequest,
  ListOffsetsRequest,
  MessageDescriptor,
  MetadataRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  ProduceRequest,
  RequestHeader,
  SyncGroupRequest,
} from '../../src/protocol/index.js';
import { iterateBatches, validateBatch } from '../../src/protocol/records/index.js';
import type { CompressionType } from '../../src/protocol/records/index.js';
import { API, supportedVersions, topicIdFor } from '../support/fake-broker.js';
import type { Scenario, SentRecord } from './scenarios.js';

export interface DecodedRequest {
  header: RequestHeader;
  api: ApiDescriptor;
  body: unknown;
}

/** What the Produce requests of one scenario carried, gathered across frames. */
export interface ProducedSummary {
  records: SentRecord[];
  compressions: Set<CompressionType>;
}

export function newProducedSummary(): ProducedSummary {
  return { records: [], compressions: new Set() };
}

/** Decodes a frame (without its size prefix) and checks that re-encoding yields the same bytes. */
export function decodeAndReencode(frame: Buffer, where: string): DecodedRequest {
  const parsed = parseRequestHeader(frame);
  const api = parsed.api;
  assert.ok(api !== undefined, `${where}: unknown api key ${parsed.header.requestApiKey}`);
  const body: unknown = decodeBody(api.request as MessageDescriptor<unknown>, frame, parsed.bodyOffset, parsed.header.requestApiVersion);
  const again = Buffer.concat(encodeRequestFrame(parsed.header, api.request as MessageDescriptor<unknown>, body));
  assert.equal(again.readInt32BE(0), frame.length, `${where}: re-encoded size prefix`);
  assertSameBytes(again.subarray(4), frame, `${where}: re-encoded frame`);
  return { header: parsed.header, api, body };
}

/** Byte equality with a readable message: the first differing offset and the bytes around it. */
export function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (b: Buffer) => b.subarray(Math.max(0, i - 8), i + 16).toString('hex');
  assert.fail(
    `${what}: ${actual.length} vs ${expected.length} bytes, first difference at byte ${i}\n` +
      `  ours:     ...${around(actual)}\n  expected: ...${around(expected)}`,
  );
}

function isFlexible(api: ApiDescriptor, version: number): boolean {
  return version >= api.request.flexibleMinVersion;
}

/** The checks on one request of a scenario; fills `produced` with what Produce requests carried. */
export function checkRequest(s: Scenario, d: DecodedRequest, produced: ProducedSummary, where: string): void {
  const h = d.header;
  const v = h.requestApiVersion;
  assert.equal(h.clientId, s.clientId, `${where}: client id`);
  assert.ok(h.correlationId >= 0, `${where}: correlation id`);
  if (s.flexible === 'none') assert.ok(!isFlexible(d.api, v), `${where}: ${s.name} must not use a flexible version`);
  if (s.flexible === 'all') assert.ok(isFlexible(d.api, v), `${where}: ${s.name} must use flexible versions only`);
  // Past the ApiVersions exchange a client must stay within what the broker advertised.
  if (h.requestApiKey !== API.ApiVersions) {
    const range = supportedVersions(s.versions, s.minVersions).find((r) => r.apiKey === h.requestApiKey);
    assert.ok(range !== undefined && v >= range.minVersion && v <= range.maxVersion, `${where}: version outside the advertised range`);
  }
  switch (h.requestApiKey) {
    case API.ApiVersions: {
      const b = d.body as ApiVersionsRequest;
      // v3+ names the client software (KIP-511).
      if (v >= 3) assert.ok(b.clientSoftwareName.length > 0 && b.clientSoftwareVersion.length > 0, `${where}: client software`);
      return;
    }
    case API.Metadata: {
      const b = d.body as MetadataRequest;
      for (const t of b.topics ?? []) {
        assert.ok(t.name === s.topic || (t.name === null && t.topicId === topicIdFor(s.topic)), `${where}: metadata topic ${t.name}`);
      }
      return;
    }
    case API.Produce:
      return checkProduce(s, d.body as ProduceRequest, produced, where);
    case API.Fetch: {
      const b = d.body as FetchRequest;
      const replicaId = v >= 15 ? b.replicaState.replicaId : b.replicaId;
      assert.equal(replicaId, -1, `${where}: a consumer fetches with replica id -1`);
      assert.ok(b.maxWaitMs >= 0, `${where}: maxWaitMs`);
      assert.equal(b.topics.length, 1, `${where}: fetch topics`);
      const t = b.topics[0]!;
      if (v >= 13) assert.equal(t.topicId, topicIdFor(s.topic), `${where}: fetch topic id`);
      else assert.equal(t.topic, s.topic, `${where}: fetch topic`);
      assert.deepEqual(t.partitions.map((p) => p.partition), [0], `${where}: fetch partitions`);
      for (const p of t.partitions) {
        assert.ok(p.fetchOffset >= 0 && p.fetchOffset <= s.sent.length, `${where}: fetch offset ${p.fetchOffset}`);
        assert.ok(p.partitionMaxBytes > 0, `${where}: partition max bytes`);
      }
      return;
    }
    case API.ListOffsets: {
      const b = d.body as ListOffsetsRequest;
      assert.equal(b.replicaId, -1, `${where}: list offsets replica id`);
      assert.deepEqual(b.topics.map((t) => t.name), [s.topic], `${where}: list offsets topic`);
      // Every scenario's consumer starts from the earliest offset (timestamp -2).
      assert.deepEqual(b.topics[0]!.partitions.map((p) => [p.partitionIndex, p.timestamp]), [[0, -2]], `${where}: list offsets partition`);
      return;
    }
    case API.FindCoordinator: {
      const b = d.body as FindCoordinatorRequest;
      const keys = v >= 4 ? b.coordinatorKeys : [b.key];
      assert.deepEqual(keys, [s.group], `${where}: coordinator key`);
      assert.equal(b.keyType, 0, `${where}: coordinator key type (group)`);
      return;
    }
    case API.JoinGroup: {
      const b = d.body as JoinGroupRequest;
      assert.equal(b.groupId, s.group, `${where}: group id`);
      assert.equal(b.protocolType, 'consumer', `${where}: protocol type`);
      assert.ok(b.sessionTimeoutMs > 0, `${where}: session timeout`);
      assert.ok(b.protocols.length > 0, `${where}: protocols`);
      for (const p of b.protocols) {
        assert.ok(p.name.length > 0, `${where}: protocol name`);
        const sub = s.subscriptionV1WithV0Body === true
          ? decodeMislabelledSubscription(p.metadata, `${where}: ${p.name} subscription`)
          : decodeVersioned(ConsumerProtocolSubscription, p.metadata, `${where}: ${p.name} subscription`);
        assert.deepEqual(sub.topics, [s.topic], `${where}: subscribed topics`);
      }
      return;
    }
    case API.SyncGroup: {
      const b = d.body as SyncGroupRequest;
      assert.equal(b.groupId, s.group, `${where}: group id`);
      assert.equal(b.generationId, 1, `${where}: generation`);
      // Each scenario's group has one member, the leader, which assigns itself the one partition.
      assert.equal(b.assignments.length, 1, `${where}: assignments`);
      const a = b.assignments[0]!;
      assert.equal(a.memberId, b.memberId, `${where}: the leader assigns itself`);
      const assignment = decodeVersioned(ConsumerProtocolAssignment, a.assignment, `${where}: assignment`);
      // A leader that joined before it knew the topic's partitions assigns nothing, then rejoins
      // (kafka-python does); checkScenario requires one assignment of the partition.
      const assigned = assignment.assignedPartitions.map((tp) => [tp.topic, tp.partitions]);
      if (assigned.length > 0) assert.deepEqual(assigned, [[s.topic, [0]]], `${where}: assigned partitions`);
      return;
    }
    case API.Heartbeat: {
      const b = d.body as HeartbeatRequest;
      assert.equal(b.groupId, s.group, `${where}: group id`);
      assert.equal(b.generationId, 1, `${where}: generation`);
      return;
    }
    case API.LeaveGroup: {
      const b = d.body as LeaveGroupRequest;
      assert.equal(b.groupId, s.group, `${where}: group id`);
      return;
    }
    case API.OffsetFetch: {
      const b = d.body as OffsetFetchRequest;
      const groups = v >= 8 ? b.groups.map((g) => ({ id: g.groupId, topics: g.topics })) : [{ id: b.groupId, topics: b.topics }];
      assert.deepEqual(groups.map((g) => g.id), [s.group], `${where}: group id`);
      for (const t of groups[0]!.topics ?? []) {
        assert.equal(t.name, s.topic, `${where}: offset fetch topic`);
        assert.deepEqual(t.partitionIndexes, [0], `${where}: offset fetch partitions`);
      }
      return;
    }
    case API.OffsetCommit: {
      const b = d.body as OffsetCommitRequest;
      assert.equal(b.groupId, s.group, `${where}: group id`);
      assert.deepEqual(b.topics.map((t) => t.name), [s.topic], `${where}: commit topic`);
      for (const p of b.topics[0]!.partitions) {
        assert.equal(p.partitionIndex, 0, `${where}: commit partition`);
        assert.ok(p.committedOffset >= 0 && p.committedOffset <= s.sent.length, `${where}: committed offset ${p.committedOffset}`);
      }
      return;
    }
    case API.InitProducerId: {
      const b = d.body as InitProducerIdRequest;
      assert.ok(s.idempotent, `${where}: only idempotent producers ask for a producer id`);
      assert.equal(b.transactionalId, null, `${where}: not transactional`);
      return;
    }
    default:
      assert.fail(`${where}: unexpected api ${d.api.name}`);
  }
}

function checkProduce(s: Scenario, b: ProduceRequest, produced: ProducedSummary, where: string): void {
  assert.equal(b.acks, s.acks, `${where}: acks`);
  assert.equal(b.transactionalId, null, `${where}: transactional id`);
  assert.ok(b.timeoutMs > 0, `${where}: timeout`);
  assert.deepEqual(b.topicData.map((t) => t.name), [s.topic], `${where}: produce topic`);
  const partitions = b.topicData[0]!.partitionData;
  assert.deepEqual(partitions.map((p) => p.index), [0], `${where}: produce partition`);
  const records = partitions[0]!.records;
  assert.ok(records !== null && records.length > 0, `${where}: records present`);
  let batches = 0;
  let pos = 0;
  for (const batch of iterateBatches(records)) {
    const bw = `${where} batch ${batches}`;
    assert.equal(validateBatch(batch.buf), null, `${bw}: a valid batch (CRC, lengths, records)`);
    assert.equal(batch.magic, 2, `${bw}: magic`);
    assert.equal(batch.baseOffset, 0, `${bw}: a client sends base offset 0`);
    assert.equal(batch.isTransactional, false, `${bw}: not transactional`);
    assert.equal(batch.isControl, false, `${bw}: not a control batch`);
    if (s.idempotent) {
      assert.equal(batch.producerId, 4242, `${bw}: producer id from InitProducerId`);
      assert.equal(batch.producerEpoch, 0, `${bw}: producer epoch`);
      assert.equal(batch.baseSequence, produced.records.length, `${bw}: base sequence counts the records before it`);
    } else {
      assert.equal(batch.producerId, -1, `${bw}: no producer id`);
    }
    produced.compressions.add(batch.compression);
    let count = 0;
    for (const r of batch.records()) {
      assert.equal(r.offsetDelta, count, `${bw}: offset delta`);
      assert.ok(batch.baseTimestamp + r.timestampDelta >= 1.5e12, `${bw}: a real create time`);
      produced.records.push({
        key: r.key === null ? null : r.key.toString(),
        value: r.value === null ? '<null>' : r.value.toString(),
        headers: r.headers.map((hd) => [hd.key, hd.value === null ? '<null>' : hd.value.toString()]),
      });
      count++;
    }
    assert.equal(count, batch.recordCount, `${bw}: record count`);
    assert.equal(batch.lastOffsetDelta, count - 1, `${bw}: last offset delta`);
    pos += batch.sizeInBytes;
    batches++;
  }
  assert.ok(batches > 0, `${where}: at least one batch`);
  assert.equal(pos, records.length, `${where}: the records field holds whole batches only`);
}

/** Checks on a scenario's requests as a whole, once every frame has passed checkRequest. */
export function checkScenario(s: Scenario, requests: readonly DecodedRequest[], produced: ProducedSummary, where: string): void {
  assert.deepEqual(produced.records, s.sent, `${where}: the records the client produced`);
  assert.deepEqual([...produced.compressions].sort(), [...s.compressions].sort(), `${where}: batch compression`);
  const assignments = requests
    .filter((d) => d.header.requestApiKey === API.SyncGroup)
    .flatMap((d) => (d.body as SyncGroupRequest).assignments)
    .map((a) => decodeVersioned(ConsumerProtocolAssignment, a.assignment, `${where}: assignment`));
  assert.ok(
    assignments.some((a) => a.assignedPartitions.some((tp) => tp.topic === s.topic && tp.partitions.includes(0))),
    `${where}: the leader assigned the partition`,
  );
  const seen = new Set(requests.map((d) => d.header.requestApiKey));
  for (const k of s.mustSee) assert.ok(seen.has(k), `${where}: no ${apiName(k)} request`);
  if (s.versions === 'non-flexible') {
    // Against a pre-flexible broker a client that opened with a flexible ApiVersions must retry lower.
    const apiVersions = requests.filter((d) => d.header.requestApiKey === API.ApiVersions);
    assert.ok(apiVersions.some((d) => !isFlexible(d.api, d.header.requestApiVersion)), `${where}: a non-flexible ApiVersions retry`);
  }
}

/**
 * Consumer protocol payloads (subscription, assignment) start with an int16 version; we decode
 * with it (capped at the highest we know, as Kafka does) and re-encode to the same bytes.
 */
function decodeVersioned<T>(desc: MessageDescriptor<T>, bytes: Buffer, where: string): T {
  const r = new Reader(bytes);
  const version = r.int16();
  assert.ok(version >= 0, `${where}: version ${version}`);
  const readAs = Math.min(version, desc.maxVersion);
  const value = desc.read(r, readAs);
  // Newer versions may append fields we do not know; only exact versions can be compared.
  if (version <= desc.maxVersion) {
    assert.equal(r.remaining(), 0, `${where}: trailing bytes`);
    const w = new Writer(2 + desc.size(value, version));
    w.int16(version);
    desc.write(w, value, version);
    assertSameBytes(Buffer.concat(w.finish()), bytes, `${where}: re-encoded`);
  }
  return value;
}

/**
 * @platformatic/kafka 1.35 labels its subscription version 1 but writes only the version 0 fields
 * (no owned partitions), which Kafka's own parser would reject as short. Pinned exactly: the label
 * must be 1 and the rest must be a complete version 0 body.
 */
function decodeMislabelledSubscription(bytes: Buffer, where: string): ConsumerProtocolSubscription {
  assert.equal(bytes.readInt16BE(0), 1, `${where}: labelled version 1`);
  const r = new Reader(bytes, 2);
  const value = ConsumerProtocolSubscription.read(r, 0);
  assert.equal(r.remaining(), 0, `${where}: a version 0 body`);
  const w = new Writer(2 + ConsumerProtocolSubscription.size(value, 0));
  w.int16(1);
  ConsumerProtocolSubscription.write(w, value, 0);
  assertSameBytes(Buffer.concat(w.finish()), bytes, `${where}: re-encoded`);
  return value;
}

export { repoRoot };

export function fixturesDir(): string {
  return join(repoRoot(), 'test', 'golden', 'fixtures');
}

/** Api names for fixture file names and messages. */
export function apiName(apiKey: number): string {
  return API_BY_KEY.get(apiKey)?.name ?? `Api${apiKey}`;
}
