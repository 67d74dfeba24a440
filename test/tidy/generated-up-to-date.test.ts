import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generate } from '../../scripts/protogen.js';
import { repoRoot } from '../support/repo.js';

test('src/protocol/generated matches what scripts/protogen.ts makes from ../shared/kafka-protocol', (t) => {
  const root = repoRoot();
  const schemas = resolve(root, '..', 'shared', 'kafka-protocol');
  if (!existsSync(schemas)) {
    t.skip('../shared/kafka-protocol is not beside the repository');
    return;
  }
  const files = generate(schemas);
  const outDir = join(root, 'src', 'protocol', 'generated');
  const committed = readdirSync(outDir).sort();
  assert.deepEqual(committed, [...files.keys()].sort(), 'the set of generated files');
  for (const [name, text] of files) {
    assert.ok(readFileSync(join(outDir, name), 'utf8') === text, `${name} differs: run npm run protogen`);
  }
});

test('no schema JSON and no schema prose in the repository', () => {
  const root = repoRoot();
  const outDir = join(root, 'src', 'protocol', 'generated');
  for (const name of readdirSync(outDir)) {
    const text = readFileSync(join(outDir, name), 'utf8');
    assert.ok(!text.includes('"about"'), `${name} contains schema prose`);
    assert.ok(!text.includes('Licensed to the Apache Software Foundation'), `${name} contains the schema header`);
  }
});
