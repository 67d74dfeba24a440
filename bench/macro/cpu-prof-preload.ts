/**
 * Preloaded into the Gregor broker (`NODE_OPTIONS=--import <this file>`, since node refuses
 * `--cpu-prof` in NODE_OPTIONS) when the harness runs with --cpu-prof: starts V8's sampling profiler
 * at once and, on SIGUSR2, writes `<GREGOR_CPU_PROF_DIR>/gregor-<pid>.cpuprofile` (the same format
 * as `node --cpu-prof`), then prints `cpu profile written`.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GREGOR_CPU_PROF_DIR ?? '.';
const session = new Session();
session.connect();
const intervalUs = Number(process.env.GREGOR_CPU_PROF_INTERVAL_US ?? '0');
session.post('Profiler.enable', () => {
  if (intervalUs > 0) session.post('Profiler.setSamplingInterval', { interval: intervalUs }, () => session.post('Profiler.start'));
  else session.post('Profiler.start');
});
process.on('SIGUSR2', () => {
  session.post('Profiler.stop', (err, res) => {
    if (err === null) writeFileSync(join(dir, `gregor-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    process.stdout.write(`cpu profile written\n`);
  });
});
