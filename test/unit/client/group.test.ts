/** The consumer's group protocol against a scripted coordinator (no sockets, manual time). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient, decodeSubscription, encodeAssignment, type Consumer, type TopicPartition } from '../../../src/client/index.js';
import { ErrorCode } from '../../../src/common/index.js';
import {
  ApiVersionsResponse,
  FetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  createApiVersionsResponse,
  createFetchResponse,
  createJoinGroupResponse,
  createListOffsetsResponse,
  createOffsetCommitResponse,
  createOffsetFetchResponse,
  createSyncGroupResponse,
  decodeBody,
} from '../../../src/protocol/index.js';
import { FakeSocket, ManualTime, fakeEnv, topicTMetadata, type SeenRequest } from './fake-env.js';

interface Script {
  /** Error codes for successive requests of an api key (then 0). */
  errors?: Map<number, number[]>;
  /** Committed offsets the coordinator knows, by partition. */
  committed?: Map<number, number>;
  /** The coordinator's node for the n-th FindCoordinator (default node 1). */
  coordinatorAt?: (n: number) => number;
}

function scripted(script: Script = {}) {
  const time = new ManualTime();
  const log: string[] = [];
  let generation = 0;
  let findCoordinators = 0;
  const nextError = (key: number): number => script.errors?.get(key)?.shift() ?? 0;
  const versions: Record<number, number> = { 1: 12, 2: 7, 3: 12, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 18: 3 };
  const apiKeys = Object.entries(versions).map(([k, v]) => ({ apiKey: Number(k), minVersion: 0, maxVersion: v }));
  const handle = (s: FakeSocket, r: SeenRequest) => {
    const h = r.header.header;
    const at = s.remote.host;
    const body = <T>(d: Parameters<typeof decodeBody<T>>[0]) => decodeBody(d, r.frame, r.header.bodyOffset, h.requestApiVersion);
    switch (h.requestApiKey) {
      case 18:
        return s.respond(r, ApiVersionsResponse, createApiVersionsResponse({ apiKeys }));
      case 3:
        return s.respond(r, MetadataResponse, topicTMetadata({ brokers: 2, partitions: 2 }));
      case 10: {
        const req = body(FindCoordinatorRequest);
        const node = script.coordinatorAt?.(findCoordinators++) ?? 1;
        log.push(`${at} FindCoordinator ${req.coordinatorKeys.join(',')} -> b${node}`);
        return s.respond(r, FindCoordinatorResponse, {
          throttleTimeMs: 0,
          errorCode: 0,
          errorMessage: null,
          nodeId: node,
          host: `b${node}`,
          port: 9092,
          coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId: node, host: `b${node}`, port: 9092, errorCode: 0, errorMessage: null })),
        });
      }
      case 11: {
        const req = body(JoinGroupRequest);
        const sub = decodeSubscription(req.protocols[0]!.metadata);
        log.push(`${at} JoinGroup '${req.memberId}'${req.groupInstanceId === null ? '' : ` ${req.groupInstanceId}`} [${req.protocols.map((p) => p.name)}] topics ${sub.topics} owned ${sub.ownedPartitions.map((tp) => tp.partition)}`);
        if (req.memberId === '' && req.groupInstanceId === null) {
          return s.respond(r, JoinGroupResponse, createJoinGroupResponse({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'm-1', generationId: -1 }));
        }
        const error = nextError(11);
        if (error !== 0) return s.respond(r, JoinGroupResponse, createJoinGroupResponse({ errorCode: error, generationId: -1 }));
        generation++;
        const memberId = req.memberId === '' ? 'static-1' : req.memberId;
        return s.respond(
          r,
          JoinGroupResponse,
          createJoinGroupResponse({
            generationId: generation,
            protocolType: 'consumer',
            protocolName: req.protocols[0]!.name,
            leader: memberId,
            memberId,
            members: [{ memberId, groupInstanceId: req.groupInstanceId, metadata: req.protocols[0]!.metadata }],
          }),
        );
      }
      case 14: {
        const req = body(SyncGroupRequest);
        const mine = req.assignments.find((a) => a.memberId === req.memberId);
        log.push(`${at} SyncGroup gen ${req.generationId} ${req.protocolName} assignments ${req.assignments.length}`);
        return s.respond(r, SyncGroupResponse, createSyncGroupResponse({ errorCode: nextError(14), protocolType: 'consumer', protocolName: req.protocolName, assignment: mine?.assignment ?? encodeAssignment({ partitions: [], userData: null }) }));
      }
      case 12: {
        const req = body(HeartbeatRequest);
        const error = nextError(12);
        log.push(`${at} Heartbeat gen ${req.generationId}${error ? ` -> ${error}` : ''}`);
        return s.respond(r, HeartbeatResponse, { throttleTimeMs: 0, errorCode: error });
      }
      case 13: {
        const req = body(LeaveGroupRequest);
        log.push(`${at} LeaveGroup ${req.members.map((m) => m.memberId)}`);
        return s.respond(r, LeaveGroupResponse, { throttleTimeMs: 0, errorCode: 0, members: req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 })) });
      }
      case 9: {
        const req = body(OffsetFetchRequest);
        const g = req.groups[0]!;
        log.push(`${at} OffsetFetch ${g.topics?.map((t) => `${t.name}:${t.partitionIndexes}`)}`);
        return s.respond(
          r,
          OffsetFetchResponse,
          createOffsetFetchResponse({
            groups: [
              {
                groupId: g.groupId,
                errorCode: 0,
                topics: (g.topics ?? []).map((t) => ({
                  name: t.name,
                  partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: script.committed?.get(p) ?? -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 })),
                })),
              },
            ],
          }),
        );
      }
      case 8: {
        const req = body(OffsetCommitRequest);
        const error = nextError(8);
        log.push(`${at} OffsetCommit gen ${req.generationIdOrMemberEpoch} '${req.memberId}' ${req.topics.flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}@${p.committedOffset}`))}${error ? ` -> ${error}` : ''}`);
        return s.respond(
          r,
          OffsetCommitResponse,
          createOffsetCommitResponse({ topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error })) })) }),
        );
      }
      case 2: {
        const req = body(ListOffsetsRequest);
        log.push(`${at} ListOffsets ${req.topics.flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}`))}`);
        return s.respond(
          r,
          ListOffsetsResponse,
          createListOffsetsResponse({
            topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: 0, leaderEpoch: 0 })) })),
          }),
        );
      }
      case 1:
        // Answered on a later turn, as a long poll would be: the consumer's loop must not spin in microtasks.
        setImmediate(() => s.respond(r, FetchResponse, createFetchResponse({ responses: [] })));
        return;
      default:
        throw new Error(`unexpected api ${h.requestApiKey}`);
    }
  };
  const kafka = new KafkaClient({ bootstrapServers: 'b1:9092', retryBackoffMs: 100 }, fakeEnv(time, async (a) => new FakeSocket(a, handle)));
  return { time, kafka, log };
}

/** Runs `p` to completion, settling promise jobs and moving manual time in `stepMs` steps. */
async function drive<T>(time: ManualTime, p: Promise<T>, stepMs = 50): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  watched.catch(() => {});
  for (let i = 0; i < 2000 && !done; i++) {
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    if (!done) time.advance(stepMs);
  }
  return watched;
}

const groupLog = (log: readonly string[]) => log.filter((l) => !/ (ListOffsets|Heartbeat gen \d+$)/.test(l));

function listening(consumer: Consumer, events: string[]) {
  const fmt = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).join(',');
  return {
    onPartitionsAssigned: (tps: TopicPartition[]) => void events.push(`assigned ${fmt(tps)}`),
    onPartitionsRevoked: (tps: TopicPartition[]) => void events.push(`revoked ${fmt(tps)}`),
    onPartitionsLost: (tps: TopicPartition[]) => void events.push(`lost ${fmt(tps)}`),
    consumer,
  };
}

test('join: KIP-394 member id, the leader assigns with the first assignor, positions from committed offsets', async () => {
  const b = scripted({ committed: new Map([[0, 7]]) });
  const consumer = b.kafka.consumer({ groupId: 'g', heartbeatIntervalMs: 1000, autoOffsetReset: 'earliest' });
  const events: string[] = [];
  consumer.subscribe(['t'], listening(consumer, events));
  await drive(b.time, consumer.poll(200));
  assert.deepEqual(groupLog(b.log).slice(0, 6), [
    'b1 FindCoordinator g -> b1',
    "b1 JoinGroup '' [range,cooperative-sticky] topics t owned ",
    "b1 JoinGroup 'm-1' [range,cooperative-sticky] topics t owned ",
    'b1 SyncGroup gen 1 range assignments 1',
    'b1 OffsetFetch t:0,1',
  ]);
  assert.deepEqual(events, ['assigned 0,1']);
  assert.equal(await consumer.position({ topic: 't', partition: 0 }), 7);
  assert.equal(await consumer.position({ topic: 't', partition: 1 }), 0, 'no committed offset: auto.offset.reset');
  assert.deepEqual(consumer.groupMetadata(), { groupId: 'g', generationId: 1, memberId: 'm-1', groupInstanceId: null });
  await drive(b.time, consumer.close());
  assert.equal(b.log.filter((l) => l.includes('LeaveGroup m-1')).length, 1);
  assert.ok(b.log.some((l) => l.includes('OffsetCommit gen 1')), 'auto-commit on close');
});

test('a heartbeat saying REBALANCE_IN_PROGRESS makes the next poll rejoin; eager revokes first', async () => {
  const b = scripted({ errors: new Map([[12, [ErrorCode.REBALANCE_IN_PROGRESS]]]) });
  const consumer = b.kafka.consumer({ groupId: 'g', heartbeatIntervalMs: 100, enableAutoCommit: false });
  const events: string[] = [];
  consumer.subscribe(['t'], listening(consumer, events));
  await drive(b.time, consumer.poll(100));
  b.time.advance(100);
  await drive(b.time, consumer.poll(300));
  assert.ok(b.log.some((l) => l.endsWith(`Heartbeat gen 1 -> ${ErrorCode.REBALANCE_IN_PROGRESS}`)), b.log.join('\n'));
  assert.ok(b.log.includes("b1 JoinGroup 'm-1' [range,cooperative-sticky] topics t owned "), 'rejoins with its member id');
  assert.ok(b.log.some((l) => l.startsWith('b1 SyncGroup gen 2')));
  assert.deepEqual(events, ['assigned 0,1', 'revoked 0,1', 'assigned 0,1']);
  await drive(b.time, consumer.close());
});

test('a commit refused with ILLEGAL_GENERATION fails; the partitions are lost and the member rejoins', async () => {
  const b = scripted({ errors: new Map([[8, [ErrorCode.ILLEGAL_GENERATION]]]) });
  const consumer = b.kafka.consumer({ groupId: 'g', heartbeatIntervalMs: 1000, enableAutoCommit: false, autoOffsetReset: 'earliest' });
  const events: string[] = [];
  consumer.subscribe(['t'], listening(consumer, events));
  await drive(b.time, consumer.poll(100));
  await assert.rejects(drive(b.time, consumer.commitSync([{ topic: 't', partition: 0, offset: 5 }])), { name: 'ILLEGAL_GENERATION' });
  await drive(b.time, consumer.poll(200));
  assert.deepEqual(events, ['assigned 0,1', 'lost 0,1', 'assigned 0,1']);
  await drive(b.time, consumer.commitSync([{ topic: 't', partition: 0, offset: 5 }]));
  assert.ok(b.log.includes("b1 OffsetCommit gen 2 'm-1' t:0@5"));
  await drive(b.time, consumer.close());
});

test('coordinator failover: NOT_COORDINATOR sends the member to FindCoordinator and the new coordinator', async () => {
  const b = scripted({ errors: new Map([[12, [0, ErrorCode.NOT_COORDINATOR]]]), coordinatorAt: (n) => (n === 0 ? 1 : 2) });
  const consumer = b.kafka.consumer({ groupId: 'g', heartbeatIntervalMs: 100, enableAutoCommit: false });
  consumer.subscribe(['t']);
  await drive(b.time, consumer.poll(100));
  b.time.advance(300);
  await drive(b.time, consumer.poll(300));
  await drive(b.time, consumer.commitSync([{ topic: 't', partition: 1, offset: 3 }]));
  assert.ok(b.log.some((l) => l.endsWith(`Heartbeat gen 1 -> ${ErrorCode.NOT_COORDINATOR}`)));
  assert.ok(b.log.includes('b1 FindCoordinator g -> b2'));
  assert.ok(b.log.includes("b2 OffsetCommit gen 1 'm-1' t:1@3"), b.log.join('\n'));
  assert.ok(b.log.some((l) => l.startsWith('b2 Heartbeat gen 1')));
  await drive(b.time, consumer.close());
});

test('max.poll.interval.ms: a member that stops polling leaves; the next poll joins again', async () => {
  const b = scripted();
  const consumer = b.kafka.consumer({ groupId: 'g', heartbeatIntervalMs: 100, maxPollIntervalMs: 1000, enableAutoCommit: false });
  const events: string[] = [];
  consumer.subscribe(['t'], listening(consumer, events));
  await drive(b.time, consumer.poll(50));
  for (let i = 0; i < 15; i++) {
    b.time.advance(100);
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
  }
  assert.equal(b.log.filter((l) => l.includes('LeaveGroup m-1')).length, 1);
  await drive(b.time, consumer.poll(200));
  assert.deepEqual(events, ['assigned 0,1', 'lost 0,1', 'assigned 0,1']);
  await drive(b.time, consumer.close());
});

test('static members join with their instance id and do not leave on close', async () => {
  const b = scripted();
  const consumer = b.kafka.consumer({ groupId: 'g', groupInstanceId: 'host-7', heartbeatIntervalMs: 1000, enableAutoCommit: false });
  consumer.subscribe(['t']);
  await drive(b.time, consumer.poll(100));
  assert.ok(b.log.includes("b1 JoinGroup '' host-7 [range,cooperative-sticky] topics t owned "));
  assert.equal(b.log.filter((l) => l.includes('JoinGroup')).length, 1, 'no MEMBER_ID_REQUIRED round for static members');
  await drive(b.time, consumer.close());
  assert.equal(b.log.filter((l) => l.includes('LeaveGroup')).length, 0);
});

test('cooperative: owned partitions go in the subscription and are not revoked on rejoin', async () => {
  const b = scripted({ errors: new Map([[12, [ErrorCode.REBALANCE_IN_PROGRESS]]]) });
  const consumer = b.kafka.consumer({ groupId: 'g', heartbeatIntervalMs: 100, enableAutoCommit: false, partitionAssignmentStrategy: ['cooperative-sticky'] });
  const events: string[] = [];
  consumer.subscribe(['t'], listening(consumer, events));
  await drive(b.time, consumer.poll(100));
  b.time.advance(100);
  await drive(b.time, consumer.poll(300));
  assert.ok(b.log.includes("b1 JoinGroup 'm-1' [cooperative-sticky] topics t owned 0,1"), b.log.join('\n'));
  assert.deepEqual(events, ['assigned 0,1', 'assigned ']);
  await drive(b.time, consumer.close());
});
