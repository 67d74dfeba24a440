#!/usr/bin/env node
// Builds native/crc32c/build/crc32c.node with the system C compiler and Node's own headers.
// Optional by design: on any problem (no compiler, no headers, not Linux/x86-64...) it prints one
// line and exits 0, and Gregor keeps using @node-rs/crc32. `--strict` makes a failure exit 1.
// No node-gyp: one C file, one compiler call; the result is checked by loading it and comparing
// against the standard check value before it replaces a previous build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'crc32c.c');
const outDir = join(here, 'build');
const out = join(outDir, 'crc32c.node');
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');

function done(message, ok) {
  process.stdout.write(`native crc32c: ${message}\n`);
  process.exit(ok || !strict ? 0 : 1);
}

function headerDirs() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.filter((d) => existsSync(join(d, 'node_api.h')));
}

if (process.platform !== 'linux' || process.arch !== 'x64') done(`skipped (${process.platform}-${process.arch}; x86-64 Linux only)`, true);
if (!force && existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) done('up to date', true);
const includes = headerDirs();
if (includes.length === 0) done('skipped (node_api.h not found; install Node headers or set npm_config_nodedir)', false);
const cc = process.env.CC ?? 'cc';
mkdirSync(outDir, { recursive: true });
const tmp = join(outDir, `crc32c.${process.pid}.node`);
try {
  execFileSync(cc, ['-O2', '-std=c11', '-D_GNU_SOURCE', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wextra', `-I${includes[0]}`, source, '-o', tmp, '-lpthread'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const mod = createRequire(import.meta.url)(tmp);
  if (typeof mod.crc32c !== 'function') {
    rmSync(tmp, { force: true });
    done('built, but this CPU lacks SSE4.2: not installed', false);
  }
  if (mod.crc32c(Buffer.from('123456789', 'latin1')) !== 0xe3069283) throw new Error('wrong check value');
  renameSync(tmp, out);
  done(`built ${out} (${mod.implementation})`, true);
} catch (err) {
  rmSync(tmp, { force: true });
  done(`skipped (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, false);
}
