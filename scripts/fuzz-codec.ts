/**
 * On-demand codec fuzzing: node dist/scripts/fuzz-codec.js [frames=10000000] [seed]
 * Feeds mutated and random request frames through the broker's request decoder; any outcome other
 * than a decoded request or a DecodeError stops the run with the seed and the frame.
 */
import { fuzzFrames } from '../test/support/frame-fuzz.js';

const total = Number(process.argv[2] ?? 10_000_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
const chunk = 100_000;
const t0 = Date.now();
let done = 0;
let decoded = 0;
let maxMs = 0;
for (let s = seed; done < total; s++) {
  const n = Math.min(chunk, total - done);
  const st = fuzzFrames(s, n);
  done += st.frames;
  decoded += st.decoded;
  maxMs = Math.max(maxMs, st.maxFrameMs);
  process.stdout.write(`${done} frames, ${decoded} decoded, slowest ${maxMs.toFixed(2)} ms, ${((Date.now() - t0) / 1000).toFixed(0)} s (seed ${seed})\n`);
}
