import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from '../support/repo.js';

/**
 * Who may import whom (../shared/DESIGN.md §2, as built: see docs/ARCHITECTURE.md). A module may
 * always import itself; `src/index.ts` (the package entry) may import any module's index.
 */
const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  platform: ['common'],
  protocol: ['common'],
  config: ['common'],
  storage: ['common', 'protocol', 'config'],
  raft: ['common', 'protocol'],
  metadata: ['common', 'protocol', 'raft', 'config'],
  coordinator: ['common', 'protocol', 'config', 'metadata', 'storage'],
  replication: ['common', 'protocol', 'config', 'metadata', 'storage'],
  network: ['common', 'protocol', 'config'],
  client: ['common', 'protocol', 'config'],
  server: ['common', 'platform', 'protocol', 'config', 'storage', 'raft', 'metadata', 'coordinator', 'replication', 'network', 'client'],
  cli: ['common', 'platform', 'protocol', 'config', 'client', 'server'],
  streams: ['common', 'protocol', 'config', 'client'],
  connect: ['common', 'protocol', 'config', 'client'],
  testkit: ['common', 'protocol', 'config', 'storage', 'raft', 'metadata', 'platform'],
};

/** Node modules that do I/O or read the clock: only the platform module touches them. */
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|tls|dgram|child_process|timers|timers\/promises|http|https|worker_threads|cluster|os)$/;
const IO_GLOBALS = /\b(Date\.now|Math\.random|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|performance\.now)\s*\(/;
/** Entry points that run as processes: they may wire the platform themselves. */
const IO_EXEMPT_MODULES = new Set(['platform', 'cli', 'testkit']);

interface SourceFile {
  path: string; // relative to src, with '/'
  module: string;
  imports: string[]; // raw specifiers
  text: string;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function load(): SourceFile[] {
  const src = join(repoRoot(), 'src');
  return walk(src, []).map((p) => {
    const text = readFileSync(p, 'utf8');
    const rel = relative(src, p).split(sep).join('/');
    const imports: string[] = [];
    const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
    for (const m of stripComments(text).matchAll(re)) imports.push((m[1] ?? m[2] ?? m[3])!);
    return { path: rel, module: rel.includes('/') ? rel.split('/')[0]! : '(root)', imports, text: stripComments(text) };
  });
}

const files = load();

test('modules import only what the layering allows, through index.ts', () => {
  const problems: string[] = [];
  for (const f of files) {
    for (const spec of f.imports) {
      if (!spec.startsWith('.')) continue;
      const target = resolve('/src', dirname(f.path), spec).slice('/src/'.length).replace(/\.js$/, '.ts');
      const tmod = target.includes('/') ? target.split('/')[0]! : '(root)';
      if (tmod === f.module) continue;
      if (tmod === '(root)') {
        problems.push(`${f.path} imports the package entry ${spec}`);
        continue;
      }
      if (target !== `${tmod}/index.ts`) problems.push(`${f.path} reaches inside ${tmod}: ${spec} (import ${tmod}/index.js)`);
      if (f.module === '(root)') continue;
      const allowed = ALLOWED[f.module];
      if (allowed === undefined) problems.push(`${f.path}: module ${f.module} is not in the layering table`);
      else if (!allowed.includes(tmod)) problems.push(`${f.path}: ${f.module} may not import ${tmod}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('only the platform module does I/O, reads the clock or draws random numbers', () => {
  const problems: string[] = [];
  for (const f of files) {
    if (IO_EXEMPT_MODULES.has(f.module)) continue;
    for (const spec of f.imports) if (IO_MODULES.test(spec)) problems.push(`${f.path} imports ${spec}`);
    const m = IO_GLOBALS.exec(f.text);
    if (m) problems.push(`${f.path} calls ${m[1]}()`);
  }
  assert.deepEqual(problems, []);
});

test('no console in src', () => {
  const offenders = files.filter((f) => /\bconsole\.(log|error|warn|info|debug)\b/.test(f.text)).map((f) => f.path);
  assert.deepEqual(offenders, []);
});

test('no import cycles between files', () => {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const targets: string[] = [];
    for (const spec of f.imports) {
      if (!spec.startsWith('.')) continue;
      // Type-only imports vanish at run time and cannot form a cycle that matters.
      const line = f.text.split('\n').find((l) => l.includes(`'${spec}'`) || l.includes(`"${spec}"`)) ?? '';
      if (/^\s*(import|export)\s+type\b/.test(line)) continue;
      const t = resolve('/src', dirname(f.path), spec).slice('/src/'.length).replace(/\.js$/, '.ts');
      if (byPath.has(t)) targets.push(t);
    }
    edges.set(f.path, targets);
  }
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const stack: string[] = [];
  const visit = (p: string): void => {
    state.set(p, 1);
    stack.push(p);
    for (const t of edges.get(p) ?? []) {
      const s = state.get(t);
      if (s === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
      else if (s === undefined) visit(t);
    }
    stack.pop();
    state.set(p, 2);
  };
  for (const f of files) if (!state.has(f.path)) visit(f.path);
  assert.deepEqual(cycles, []);
});

test('every module has an index.ts and a README.md', () => {
  const src = join(repoRoot(), 'src');
  const modules = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());
  const missing = modules.flatMap((m) => ['index.ts', 'README.md'].filter((f) => !existsSync(join(src, m, f))).map((f) => `${m}/${f}`));
  assert.deepEqual(missing, []);
});
