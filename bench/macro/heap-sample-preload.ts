/**
 * Preloaded into the Gregor broker (`NODE_OPTIONS=--import <this file>`) by the harness's `alloc-10k`
 * scenario: V8's sampling heap profiler, counting objects the GC has already collected too, so the
 * profile is every byte allocated on the JavaScript heap in a window, by allocation site.
 * The first SIGUSR2 starts the window; the second writes `<GREGOR_HEAP_SAMPLE_DIR>/heap-<pid>.json`
 * (the inspector's SamplingHeapProfile), stops, and prints `heap sample written`.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GREGOR_HEAP_SAMPLE_DIR ?? '.';
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object, () => {
      process.stdout.write('heap sampling started\n');
    });
    return;
  }
  sampling = false;
  session.post('HeapProfiler.getSamplingProfile', (err, res) => {
    if (err === null) writeFileSync(join(dir, `heap-${process.pid}.json`), JSON.stringify(res.profile));
    session.post('HeapProfiler.stopSampling', () => process.stdout.write('heap sample written\n'));
  });
});
