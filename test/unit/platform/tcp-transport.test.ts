import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpTransport } from '../../../src/platform/index.js';
import type { TransportSocket } from '../../../src/common/index.js';

/** A loopback pair: `server` is the accepted side. */
async function pair(): Promise<{ client: TransportSocket; server: TransportSocket; close(): Promise<void> }> {
  const t = new TcpTransport();
  let accepted: (s: TransportSocket) => void = () => {};
  const serverSide = new Promise<TransportSocket>((resolve) => (accepted = resolve));
  const listener = await t.listen({ host: '127.0.0.1', port: 0 }, (s) => accepted(s));
  const client = await t.connect(listener.address, 5_000);
  const server = await serverSide;
  return {
    client,
    server,
    async close() {
      client.destroy();
      server.destroy();
      await listener.close();
    },
  };
}

function receive(s: TransportSocket, bytes: number): Promise<Buffer> {
  const got: Buffer[] = [];
  let n = 0;
  return new Promise((resolve) => {
    s.start({
      onData: (chunk) => {
        got.push(chunk);
        n += chunk.length;
        if (n >= bytes) resolve(Buffer.concat(got));
      },
      onDrain: () => {},
      onClose: () => {},
    });
  });
}

test('write: small slices (coalesced into one write) and large ones (corked) arrive in order; onWritten is called', async () => {
  const p = await pair();
  try {
    p.client.start({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    const small = [Buffer.from('ab'), Buffer.from('c'), Buffer.from('def')];
    const large = [Buffer.alloc(20_000, 1), Buffer.from('tail'), Buffer.alloc(30_000, 2)];
    const single = [Buffer.from('one')];
    const expected = Buffer.concat([...small, ...large, ...single, ...small]);
    const received = receive(p.server, expected.length);
    let written = 0;
    p.client.write(small, () => written++);
    p.client.write(large, () => written++);
    p.client.write(single, () => written++);
    p.client.write(small);
    assert.deepEqual(await received, expected);
    for (let i = 0; i < 100 && written < 3; i++) await new Promise((r) => setImmediate(r));
    assert.equal(written, 3);
  } finally {
    await p.close();
  }
});
