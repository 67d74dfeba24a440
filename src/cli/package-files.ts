import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Files shipped with the package, found relative to this compiled module
 * (dist/src/cli/package-files.js → the package root three levels up), so the tools work from any
 * working directory.
 */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** config/server.properties as shipped: what `gregor server start` uses when given no file. */
export function shippedServerProperties(): string {
  return fileURLToPath(new URL('../../../config/server.properties', import.meta.url));
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
