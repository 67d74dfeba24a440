// Writes docs/configuration.md from the configuration tables in src/config.
// Usage (after tsc): node <outDir>/scripts/configdoc.js [--check]
// --check exits 1 when the committed file differs (CI and a unit test do the same comparison).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigDoc } from '../src/config/index.js';
import { repoRoot } from './repo-root.js';

const target = join(repoRoot(), 'docs', 'configuration.md');
const text = renderConfigDoc();
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    process.stderr.write('docs/configuration.md is out of date: run scripts/configdoc.ts\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
