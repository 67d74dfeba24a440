// Runs every compiled test file (dist/test/**/*.test.js) with node:test.
// Arguments, if any, are substrings: only test files whose path contains one of them run.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    // A compiled test whose source is gone (tsc never deletes outputs) is not run.
    else if (name.endsWith('.test.js') && existsSync(p.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts'))) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('dist/test', []).sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=240000', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
