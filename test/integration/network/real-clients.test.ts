/**
 * Real clients against the server: they must accept our ApiVersions answers (and, for kcat, go on
 * to send Metadata, which a stub answers). Child processes run asynchronously so the server in
 * this process keeps serving them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { MetadataRequest, MetadataResponse, createMetadataResponseBroker } from '../../../src/protocol/index.js';
import { apiVersionsHandler, defineHandler, startServer } from '../../../src/server/index.js';
import type { ClientConnection } from '../../../src/server/index.js';
import { PYTHON } from '../../support/run.js';


function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Seen {
  apiVersion: number;
  connection: ClientConnection;
}

/**
 * Metadata, stubbed: this server as the only broker, no topics. Clients send Metadata right after
 * ApiVersions (kafka-python's check_version pipelines one behind each probe), and an API we do not
 * run would close the connection under them.
 */
function metadataStub(seen: Seen[], port: () => number) {
  return defineHandler({
    apiKey: MetadataRequest.apiKey,
    request: MetadataRequest,
    response: MetadataResponse,
    minVersion: 0,
    maxVersion: 12,
    handle(_req, ctx) {
      seen.push({ apiVersion: ctx.apiVersion, connection: ctx.connection });
      return MetadataResponse.create({
        brokers: [createMetadataResponseBroker({ nodeId: 1, host: '127.0.0.1', port: port() })],
        clusterId: 'gregor-test',
        controllerId: 1,
        topics: [],
      });
    },
  });
}

const KAFKA_PYTHON = `
import socket, sys, json, time
from kafka.conn import BrokerConnection
from kafka.protocol.admin import ApiVersionRequest
c = BrokerConnection('127.0.0.1', int(sys.argv[1]), socket.AF_INET)
assert c.connect_blocking(timeout=5), 'connect failed'
out = {}
for v in range(len(ApiVersionRequest)):
    f = c.send(ApiVersionRequest[v]())
    deadline = time.time() + 5
    while not f.is_done and time.time() < deadline:
        for resp, fut in c.recv():
            fut.success(resp)
    assert f.succeeded(), 'ApiVersions v%d: %r' % (v, f.exception)
    out[v] = {'error': f.value.error_code, 'apis': [list(a) for a in f.value.api_versions]}
out['check_version'] = list(c.check_version(timeout=5))
print(json.dumps(out))
`;

test('kafka-python: ApiVersions in every version it speaks, and check_version', async () => {
  let port = 0;
  const s = await startServer({ listeners: [{ host: '127.0.0.1', port: 0 }], handlers: [apiVersionsHandler, metadataStub([], () => port)] });
  port = s.addresses[0]!.port;
  try {
    const r = await run(PYTHON, ['-c', KAFKA_PYTHON, String(s.addresses[0]!.port)]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, { error: number; apis: number[][] }> & { check_version: number[] };
    const versions = Object.keys(out).filter((k) => k !== 'check_version');
    assert.ok(versions.length >= 1);
    for (const v of versions) {
      assert.equal(out[v]!.error, 0);
      assert.deepEqual(out[v]!.apis, [[3, 0, 12], [18, 0, 4]]);
    }
    assert.ok(Array.isArray(out.check_version) && out.check_version.length >= 2, `check_version gave ${String(out.check_version)}`);
  } finally {
    await s.close();
  }
});

test('kcat -L: librdkafka accepts our ApiVersions answer and sends Metadata next', async () => {
  const seen: Seen[] = [];
  let port = 0;
  const metadata = metadataStub(seen, () => port);
  const s = await startServer({ listeners: [{ host: '127.0.0.1', port: 0 }], handlers: [apiVersionsHandler, metadata] });
  port = s.addresses[0]!.port;
  try {
    const r = await run('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-m', '5']);
    assert.ok(seen.length >= 1, `no Metadata request arrived; kcat said: ${r.stderr}`);
    // librdkafka names itself in ApiVersions v3+, which the handler recorded on the connection.
    assert.equal(seen[0]!.connection.clientSoftwareName, 'librdkafka');
    assert.match(seen[0]!.connection.clientSoftwareVersion, /^\d+\.\d+\.\d+/);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 brokers:/);
  } finally {
    await s.close();
  }
});
