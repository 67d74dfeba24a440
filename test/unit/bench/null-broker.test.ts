import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startNullBroker } from '../../../bench/macro/null-broker.js';
import { parsePerf } from '../../../bench/macro/rdkafka.js';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  FetchRequest,
  FetchResponse,
  FrameDecoder,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  RecordBatch,
  buildRecordBatch,
  decodeResponseFrame,
  encodeRequestFrame,
  iterateBatches,
} from '../../../src/protocol/index.js';
import type { MessageDescriptor } from '../../../src/protocol/index.js';

/** One request at a time over a raw socket, decoded with our codec. */
class Conn {
  #frames = new FrameDecoder(1 << 30);
  #waiting: ((f: Buffer) => void)[] = [];
  #cid = 0;
  constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      for (const f of this.#frames.push(d)) this.#waiting.shift()?.(f);
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  send<Q, R>(apiKey: number, version: number, req: MessageDescriptor<Q>, body: Q, res: MessageDescriptor<R>): Promise<R> {
    const correlationId = ++this.#cid;
    const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'test' };
    const answer = new Promise<Buffer>((resolve) => this.#waiting.push(resolve));
    for (const b of encodeRequestFrame(header, req, body)) this.socket.write(b);
    return answer.then((f) => {
      const r = decodeResponseFrame(f, apiKey, version, res);
      assert.equal(r.correlationId, correlationId);
      return r.body;
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

test('null broker: ApiVersions, Metadata, Produce offsets and Fetch of the template at the asked offset', async () => {
  const broker = await startNullBroker({ partitions: 3, fetchRecordBytes: 100, fetchBatchBytes: 10_000 });
  const c = await Conn.open(broker.port);
  try {
    const av = await c.send(18, 3, ApiVersionsRequest, ApiVersionsRequest.create({ clientSoftwareName: 't', clientSoftwareVersion: '1' }), ApiVersionsResponse);
    assert.equal(av.errorCode, 0);
    assert.deepEqual(av.apiKeys.map((k) => k.apiKey).sort((a, b) => a - b), [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18]);

    const md = await c.send(3, 12, MetadataRequest, MetadataRequest.create({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x' }] }), MetadataResponse);
    assert.equal(md.brokers[0]!.port, broker.port);
    assert.equal(md.topics[0]!.name, 'x');
    assert.deepEqual(md.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId]), [[0, 1], [1, 1], [2, 1]]);

    const batch = buildRecordBatch({ records: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });
    const produce = (): Promise<ProduceResponse> =>
      c.send(0, 9, ProduceRequest, ProduceRequest.create({ acks: 1, timeoutMs: 1000, topicData: [{ name: 'x', partitionData: [{ index: 1, records: Buffer.concat([batch, batch]) }] }] }), ProduceResponse);
    const p1 = await produce();
    const p2 = await produce();
    assert.equal(p1.responses[0]!.partitionResponses[0]!.baseOffset, 0);
    assert.equal(p2.responses[0]!.partitionResponses[0]!.baseOffset, 10);
    assert.equal(broker.stats.produced, 20);

    const fetch = async (offset: number): Promise<FetchResponse> =>
      c.send(
        1,
        11,
        FetchRequest,
        FetchRequest.create({ maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'x', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] }),
        FetchResponse,
      );
    for (const offset of [0, 1234, 77]) {
      const f = await fetch(offset);
      const part = f.responses[0]!.partitions[0]!;
      const batches = [...iterateBatches(part.records!)];
      assert.equal(batches.length, 1);
      const b: RecordBatch = batches[0]!;
      assert.equal(b.baseOffset, offset);
      assert.equal(b.recordCount, Math.floor(10_000 / 112));
      assert.equal(part.highWatermark, offset + b.recordCount);
      assert.ok(b.verifyCrc(), 'CRC still valid after the base offset patch');
    }
  } finally {
    c.close();
    await broker.close();
  }
});

test('rdkafka_performance producer table: steady rate from the first delivery to 90 % of them', () => {
  const row = (t: number, msgs: number, dr: number, err = 0): string =>
    `| ${t} | ${msgs} | ${msgs * 100} | 0 | ${dr} | 0 | 0.0 | ${err} | 0 | 0 | ${dr - 1} `;
  const out = ['% Sending 1000 messages of size 100 bytes', row(10, 300, 0), row(20, 600, 100), row(120, 1000, 900), row(1100, 1000, 1000)].join('\n');
  const r = parsePerf(out, 1000);
  assert.equal(r.msgs, 1000);
  assert.equal(r.msgsPerSec, 8000); // (900 - 100) records in 100 ms, not 1000 in 1.1 s
  assert.equal(r.mbPerSec, 0.8);
  assert.throws(() => parsePerf([row(10, 1000, 990, 10)].join('\n'), 1000), /failed/);
});
