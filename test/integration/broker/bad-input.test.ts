/**
 * The assembled broker under bad input and many connections: garbage, an oversized frame and an
 * unknown API each close only their own connection; 2,000 concurrent connections each get their
 * Metadata answer; afterwards a real client still produces and reads back, and nothing is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../src/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { MetadataRequest, MetadataResponse, decodeResponseFrame } from '../../../src/protocol/index.js';
import { WireClient, rawRequestFrame, requestFrame, waitFor } from '../network/wire-client.js';


test('bad frames close only their connection; 2,000 connections are served; clients keep working', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-badinput-'));
  const broker = await startBroker({ properties: singleNodeProperties(dir, { 'socket.request.max.bytes': String(1024 * 1024 + 4096) }) });
  const port = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
  const kafka = new Kafka({ clientId: 'bad-input', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  try {
    await producer.connect();
    await producer.send({ topic: 'survivor', acks: -1, messages: [{ key: 'a', value: 'before' }] });

    const bystander = await WireClient.connect(port);
    const garbage = await WireClient.connect(port);
    garbage.send(Buffer.from([0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]));
    const oversized = await WireClient.connect(port);
    const big = Buffer.alloc(8);
    big.writeInt32BE(64 * 1024 * 1024, 0);
    oversized.send(big);
    const unknownApi = await WireClient.connect(port);
    unknownApi.send(rawRequestFrame(9999, 0, 7, Buffer.alloc(0)));
    await garbage.waitClosed();
    await oversized.waitClosed();
    await unknownApi.waitClosed();
    assert.equal(bystander.closed, false);

    const n = 2000;
    const clients = await Promise.all(Array.from({ length: n }, () => WireClient.connect(port)));
    try {
      clients.forEach((c, i) => c.send(requestFrame(MetadataRequest, 12, MetadataRequest.create({ topics: null }), i)));
      await waitFor(() => clients.every((c) => c.frames.length === 1 || c.closed), 'every Metadata answer', 60_000);
      clients.forEach((c, i) => {
        const r = decodeResponseFrame(c.frames[0]!, 3, 12, MetadataResponse);
        assert.equal(r.correlationId, i);
        assert.deepEqual(r.body.brokers.map((b) => [b.nodeId, b.port]), [[1, port]]);
        assert.ok(r.body.topics.some((t) => t.name === 'survivor' && t.errorCode === 0));
      });
    } finally {
      for (const c of clients) c.destroy();
    }
    bystander.destroy();

    await producer.send({ topic: 'survivor', acks: -1, messages: [{ key: 'b', value: 'after' }] });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('survivor');
    await admin.disconnect();
    assert.equal(offsets.reduce((s, o) => s + Number(o.high), 0), 2);
  } finally {
    await producer.disconnect();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
