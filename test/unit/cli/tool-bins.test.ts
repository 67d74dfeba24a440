// Every client tool is a package bin, has its bin/*.ts entry and a bin/<tool>.sh wrapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo.js';

test('package.json bins, src/cli/bin entries and bin/*.sh wrappers agree', () => {
  const root = repoRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const wrappers = readdirSync(join(root, 'bin')).filter((f) => f.endsWith('.sh'));
  for (const w of wrappers) {
    const name = w.slice(0, -3);
    assert.equal(pkg.bin[name], `dist/src/cli/bin/${name}.js`, `${w} has a package bin`);
    assert.ok(existsSync(join(root, 'src', 'cli', 'bin', `${name}.ts`)), `${name}.ts exists`);
    assert.ok((statSync(join(root, 'bin', w)).mode & 0o111) !== 0, `${w} is executable`);
    assert.match(readFileSync(join(root, 'bin', w), 'utf8'), new RegExp(`dist/src/cli/bin/${name}\\.js`));
  }
  for (const name of Object.keys(pkg.bin)) {
    assert.ok(existsSync(join(root, 'src', 'cli', 'bin', `${name}.ts`)), `bin ${name} has src/cli/bin/${name}.ts`);
    if (name.startsWith('kafka-') && !name.includes('perf-test')) assert.ok(wrappers.includes(`${name}.sh`), `bin/${name}.sh exists`);
  }
});
