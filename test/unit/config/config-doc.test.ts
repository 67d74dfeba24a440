import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigDoc } from '../../../src/config/index.js';
import { repoRoot } from '../../support/repo.js';

test('docs/configuration.md is generated from the tables and up to date', () => {
  const committed = readFileSync(join(repoRoot(), 'docs', 'configuration.md'), 'utf8');
  assert.ok(
    committed === renderConfigDoc(),
    'docs/configuration.md is out of date: rebuild and run node <outDir>/scripts/configdoc.js',
  );
});

test('the generated doc lists configs with Kafka defaults', () => {
  const doc = renderConfigDoc();
  assert.match(doc, /\| `log\.segment\.bytes` \| int \| `1073741824` \| \[14,\.\.\.\] \| high \| cluster-wide \|/);
  assert.match(doc, /\| `retention\.ms` \| long \| `604800000` \| \[-1,\.\.\.\] \| `log\.retention\.ms`, `log\.retention\.minutes`, `log\.retention\.hours` \|/);
  assert.match(doc, /\| `log\.retention\.ms` \| long \| null \|/);
});
