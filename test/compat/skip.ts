/** Skip reasons shared by the compat tests (node:test `skip` takes a string or false). */
import { execFileSync } from 'node:child_process';

/** The compat tests need the composition root (src/server startBroker), which the bins start. */
export async function brokerMissing(): Promise<string | false> {
  const server = (await import('../../src/server/index.js')) as Record<string, unknown>;
  return typeof server['startBroker'] === 'function' ? false : 'src/server/broker.ts (startBroker) is not there yet';
}

/** False when `cmd args` runs, else why not (a missing client skips its tests instead of failing them). */
export function toolMissing(cmd: string, args: readonly string[]): string | false {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return false;
  } catch {
    return `${cmd} ${args.join(' ')} failed: client not installed`;
  }
}
