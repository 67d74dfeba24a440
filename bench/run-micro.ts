/**
 * Runs every micro-benchmark (dist/bench/micro/*.js except the harness) one after another, each in
 * its own process, and writes their JSON to bench/results/micro.json with the machine's facts.
 *   npm run build && node dist/bench/run-micro.js [name-filter]
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { machine } from './micro/harness.js';
import { repoRoot } from '../scripts/repo-root.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const benches = readdirSync(join(here, 'micro'))
  .filter((n) => n.endsWith('.js') && n !== 'harness.js' && n.includes(filter))
  .sort();
const results: unknown[] = [];
for (const b of benches) {
  process.stderr.write(`running ${b}\n`);
  const r = spawnSync(process.execPath, [join(here, 'micro', b)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`${b} failed`);
  }
  const text = r.stdout.trim();
  // A bench prints one JSON document (possibly pretty-printed) or JSON lines.
  try {
    results.push(JSON.parse(text));
  } catch {
    for (const line of text.split('\n')) if (line.trim().startsWith('{')) results.push(JSON.parse(line));
  }
}
const repo = repoRoot();
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
const out = join(repo, 'bench', 'results', filter === '' ? 'micro.json' : `micro-${filter}.json`);
writeFileSync(out, JSON.stringify({ machine: machine(), results }, null, 1) + '\n');
process.stdout.write(`wrote ${out}\n`);
