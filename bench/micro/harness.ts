/** Tiny benchmark harness: warm up, then time `runs` rounds of at least `minMs` each; report medians. */
import { cpus, totalmem } from 'node:os';

export interface BenchResult {
  name: string;
  opsPerSec: number;
  nsPerOp: number;
  mbPerSec?: number;
  runs: number[];
}

export function bench(name: string, fn: () => void, opts: { bytesPerOp?: number; runs?: number; minMs?: number } = {}): BenchResult {
  const runs = opts.runs ?? 5;
  const minMs = opts.minMs ?? 300;
  // Warm-up: let the JIT settle.
  const warmEnd = performance.now() + minMs;
  while (performance.now() < warmEnd) fn();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let ops = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs) {
      for (let i = 0; i < 16; i++) fn();
      ops += 16;
      t = performance.now();
    }
    rates.push((ops * 1000) / (t - t0));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const res: BenchResult = { name, opsPerSec: Math.round(median), nsPerOp: Math.round(1e9 / median), runs: rates.map(Math.round) };
  if (opts.bytesPerOp !== undefined) res.mbPerSec = Math.round((median * opts.bytesPerOp) / 1e6);
  return res;
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return { node: process.version, cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', memoryBytes: totalmem(), date: new Date().toISOString() };
}
