// Writes docs/configuration.md from the configuration tables in src/config.
// Usage (after tsc): node <outDir>/scripts/configdoc.js [--check]
// --check exits 1 when the committed file differs (CI and a unit test do the same comparison).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigDoc } from '../src/config/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

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
