/**
 * The broker's connection limits from server.properties, as Kafka applies them: max.connections.per.ip
 * and its overrides (a connection past the quota is closed on accept, the others are served),
 * connections.max.idle.ms (idle connections are closed, busy ones are not), and the per-IP quota
 * changed at runtime as a cluster-wide dynamic config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, startBroker } from '../../../src/index.js';
import { MetadataRequest, MetadataResponse, decodeResponseFrame } from '../../../src/protocol/index.js';
import { singleNodeProperties } from '../../support/single-node.js';
import { WireClient, requestFrame } from '../network/wire-client.js';

/** Whether the broker serves `c`: a Metadata request answered (true) or the connection closed (false). */
async function served(c: WireClient, correlationId: number): Promise<boolean> {
  c.send(requestFrame(MetadataRequest, 12, MetadataRequest.create({ topics: [] }), correlationId));
  try {
    const [frame] = await c.nextFrames(1);
    assert.equal(decodeResponseFrame(frame!, 3, 12, MetadataResponse).correlationId, correlationId);
    return true;
  } catch (e) {
    if (c.closed) return false;
    throw e;
  }
}

test('max.connections.per.ip, its overrides and the dynamic per-IP quota', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-quotas-'));
  const broker = await startBroker({
    properties: singleNodeProperties(dir, {
      'max.connections.per.ip': '3',
      // 127.0.0.2 is loopback on Linux; it gets a larger quota
      'max.connections.per.ip.overrides': '127.0.0.2:5',
    }),
  });
  const port = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
  const open: WireClient[] = [];
  const connect = async (local?: string): Promise<WireClient> => {
    const c = await WireClient.connect(port, '127.0.0.1', local);
    open.push(c);
    return c;
  };
  try {
    // 127.0.0.1: three served, the fourth closed at once
    const first = [await connect(), await connect(), await connect()];
    for (const [i, c] of first.entries()) assert.equal(await served(c, i), true);
    const fourth = await connect();
    await fourth.waitClosed();
    assert.equal(await served(first[0]!, 10), true, 'the others are still served');
    // a closed connection frees its slot
    first[2]!.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await served(await connect(), 11), true);

    // 127.0.0.2: its override (5)
    const other = [];
    for (let i = 0; i < 5; i++) other.push(await connect('127.0.0.2'));
    for (const [i, c] of other.entries()) assert.equal(await served(c, 20 + i), true);
    const sixth = await connect('127.0.0.2');
    await sixth.waitClosed();

    // max.connections.per.ip is dynamic (cluster-wide): raised to 4, a fourth from 127.0.0.1 is served.
    // (The admin client's own connection counts too: it comes from 127.0.0.1 and needs a free slot.)
    first[1]!.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const admin = new Kafka({ bootstrapServers: `127.0.0.1:${port}`, clientId: 'quotas' }).admin();
    try {
      await admin.incrementalAlterConfigs([{ type: 'broker', name: '', ops: [{ op: 'set', name: 'max.connections.per.ip', value: '4' }] }]);
    } finally {
      await admin.close();
    }
    await new Promise((r) => setTimeout(r, 200));
    // now open: first[0] and the replacement (2); two more are allowed, a third is not
    assert.equal(await served(await connect(), 30), true);
    assert.equal(await served(await connect(), 31), true);
    const over = await connect();
    await over.waitClosed();
  } finally {
    for (const c of open) c.destroy();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('connections.max.idle.ms closes idle connections, not busy ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-idle-'));
  const broker = await startBroker({ properties: singleNodeProperties(dir, { 'connections.max.idle.ms': '1500' }) });
  const port = broker.addresses.find((a) => a.listener === 'PLAINTEXT')!.port;
  const idle = await WireClient.connect(port);
  const busy = await WireClient.connect(port);
  try {
    assert.equal(await served(idle, 1), true);
    const started = performance.now();
    let n = 100;
    while (!idle.closed && performance.now() - started < 6_000) {
      assert.equal(await served(busy, n++), true, 'a connection with traffic stays open');
      await new Promise((r) => setTimeout(r, 200));
    }
    const after = performance.now() - started;
    assert.equal(idle.closed, true, 'the idle connection was closed');
    assert.ok(after >= 1_400, `closed after ${after} ms, not before connections.max.idle.ms`);
    assert.equal(busy.closed, false);
  } finally {
    idle.destroy();
    busy.destroy();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('max.connections.per.ip=0 needs overrides, and bad overrides are refused at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-quota-cfg-'));
  try {
    await assert.rejects(
      startBroker({ properties: singleNodeProperties(dir, { 'max.connections.per.ip': '0' }) }),
      /max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set/,
    );
    await assert.rejects(
      startBroker({ properties: singleNodeProperties(dir, { 'max.connections.per.ip.overrides': 'host-without-count' }) }),
      /max.connections.per.ip.overrides/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
