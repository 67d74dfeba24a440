/**
 * Golden bytes, live: each real client (kafkajs, @platformatic/kafka, kcat with every codec, kcat
 * against a pre-flexible broker, kafka-python, confluent-kafka-python) produces to and consumes
 * from the fake broker; every request it sent must decode with our codec, re-encode to exactly
 * its bytes, and carry what the client was asked to do (see checks.ts).
 *
 * GOLDEN_UPDATE=1 rewrites the hex fixtures (test/golden/fixtures/<scenario>/) from this capture.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeBroker, API, type CapturedRequest } from '../support/fake-broker.js';
import { apiName, checkRequest, checkScenario, decodeAndReencode, fixturesDir, newProducedSummary, type DecodedRequest } from './checks.js';
import { killAll, SCENARIOS, type Scenario } from './scenarios.js';

/** Every session takes well under a second here; the bound only keeps a broken client from hanging CI. */
const CLIENT_TIMEOUT_MS = 20_000;
const UPDATE = process.env['GOLDEN_UPDATE'] === '1';

after(killAll);

for (const s of SCENARIOS) {
  test(`golden bytes from ${s.name}: decode, re-encode byte for byte, expected contents`, async () => {
    const broker = await FakeBroker.start({ versions: s.versions, minVersions: s.minVersions });
    try {
      await s.run(broker, CLIENT_TIMEOUT_MS);
    } catch (e) {
      const problems = broker.errors.map((x) => x.message).join('; ');
      throw new Error(`${s.name} session failed: ${(e as Error).message}${problems ? `; fake broker errors: ${problems}` : ''}`);
    } finally {
      await broker.close();
    }
    assert.deepEqual(broker.errors.map((e) => e.message), [], 'the fake broker decoded everything the client sent');
    const produced = newProducedSummary();
    const decoded: DecodedRequest[] = [];
    for (const [i, r] of broker.requests.entries()) {
      const where = `${s.name} request ${i} (${apiName(r.apiKey)} v${r.apiVersion})`;
      const d = decodeAndReencode(r.frame, where);
      checkRequest(s, d, produced, where);
      decoded.push(d);
    }
    checkScenario(s, decoded, produced, s.name);
    if (UPDATE) writeFixtures(s, broker.requests);
  });
}

/**
 * Keeps every Produce frame (the records add up across them), every SyncGroup frame (one of them
 * carries the real assignment) and the first frame of each other api x version.
 */
function writeFixtures(s: Scenario, requests: readonly CapturedRequest[]): void {
  const dir = join(fixturesDir(), s.name);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.hex')) rmSync(join(dir, f));
  const kept = new Set<string>();
  for (const [i, r] of requests.entries()) {
    const kind = `${r.apiKey}v${r.apiVersion}`;
    if (r.apiKey !== API.Produce && r.apiKey !== API.SyncGroup && kept.has(kind)) continue;
    kept.add(kind);
    const hex = r.frame.toString('hex').replace(/(.{64})/g, '$1\n').trimEnd();
    writeFileSync(join(dir, `${String(i).padStart(3, '0')}-${apiName(r.apiKey)}-v${r.apiVersion}.hex`), `${hex}\n`);
  }
}
