/**
 * Golden bytes, stored: the frames captured from real clients (see capture.test.ts, GOLDEN_UPDATE=1)
 * must still decode, re-encode byte for byte and carry the scenario's contents, so a codec
 * regression shows even on a machine without the clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiName, checkRequest, checkScenario, decodeAndReencode, fixturesDir, newProducedSummary, type DecodedRequest } from './checks.js';
import { SCENARIOS } from './scenarios.js';

const FILE_NAME = /^(\d{3})-([A-Za-z]+)-v(\d+)\.hex$/;

test('every fixture directory belongs to a scenario, and every scenario has fixtures', () => {
  const dirs = readdirSync(fixturesDir()).sort();
  assert.deepEqual(dirs, SCENARIOS.map((s) => s.name).sort());
});

for (const s of SCENARIOS) {
  test(`stored golden bytes of ${s.name}: decode, re-encode byte for byte, expected contents`, () => {
    const dir = join(fixturesDir(), s.name);
    assert.ok(existsSync(dir), `no fixtures for ${s.name}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.hex')).sort();
    const produced = newProducedSummary();
    const decoded: DecodedRequest[] = [];
    for (const f of files) {
      const m = FILE_NAME.exec(f);
      assert.ok(m !== null, `fixture name ${f}`);
      const frame = Buffer.from(readFileSync(join(dir, f), 'utf8').replace(/\s+/g, ''), 'hex');
      const where = `${s.name}/${f}`;
      const d = decodeAndReencode(frame, where);
      assert.equal(apiName(d.header.requestApiKey), m[2], `${where}: api`);
      assert.equal(d.header.requestApiVersion, Number(m[3]), `${where}: version`);
      checkRequest(s, d, produced, where);
      decoded.push(d);
    }
    checkScenario(s, decoded, produced, s.name);
  });
}
