/** Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) into the functions with the most self time. */
import { readFileSync } from 'node:fs';

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (same name and location merged), largest first, idle and GC included as V8 names them. */
export function summariseProfile(file: string, top: number): ProfileEntry[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const merged = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const where = f.url === '' ? '' : `${f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const name = f.functionName === '' ? '(anonymous)' : f.functionName;
    const key = `${name}@${where}`;
    const e = merged.get(key) ?? { name, where, us: 0 };
    e.us += us;
    merged.set(key, e);
    total += us;
  }
  return [...merged.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: Math.round(e.us / 100) / 10, selfPct: Math.round((1000 * e.us) / total) / 10 }));
}

export interface BusyStretch {
  /** Milliseconds from the profile's start. */
  atMs: number;
  durationMs: number;
  /** The stretch's heaviest leaf functions with their self time. */
  top: string[];
  /** The call path (leaf first) of the heaviest leaf's first sample. */
  path: string[];
}

/**
 * The event loop's longest busy stretches: runs of consecutive samples that are neither `(idle)` nor
 * `(program)` between them, longer than `minMs`. A request that arrives during one waits for its end,
 * so these are what a latency tail is made of. Needs a fine sampling interval
 * (GREGOR_CPU_PROF_INTERVAL_US, e.g. 100) to see stretches of a few ms.
 */
export function longBusyStretches(file: string, minMs: number, max = 15): BusyStretch[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile & { nodes: (CpuProfileNode & { children?: number[] })[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, '');
    return `${f.functionName === '' ? '(anonymous)' : f.functionName}${file === '' ? '' : ` ${file}:${f.lineNumber + 1}`}`;
  };
  const idle = (id: number): boolean => {
    const name = byId.get(id)!.callFrame.functionName;
    return name === '(idle)' || name === '(program)' || name === '(root)';
  };
  const out: BusyStretch[] = [];
  let t = 0;
  let start = -1;
  let startUs = 0;
  const flush = (end: number, endUs: number): void => {
    const durationMs = (endUs - startUs) / 1000;
    if (durationMs < minMs) return;
    const self = new Map<number, number>();
    for (let i = start; i < end; i++) self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i + 1] ?? 0));
    const byLabel = new Map<string, number>();
    for (const [id, us] of self) byLabel.set(label(id), (byLabel.get(label(id)) ?? 0) + us);
    const heaviest = [...self].sort((a, b) => b[1] - a[1])[0]![0];
    const path: string[] = [];
    for (let id: number | undefined = heaviest; id !== undefined && path.length < 12; id = parent.get(id)) path.push(label(id));
    out.push({
      atMs: Math.round(startUs / 100) / 10,
      durationMs: Math.round(durationMs * 10) / 10,
      top: [...byLabel].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([l, us]) => `${(us / 1000).toFixed(1)} ms ${l}`),
      path,
    });
  };
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    const busy = !idle(prof.samples[i]!);
    if (busy && start < 0) {
      start = i;
      startUs = t;
    } else if (!busy && start >= 0) {
      flush(i, t);
      start = -1;
    }
  }
  if (start >= 0) flush(prof.samples.length, t);
  return out.sort((a, b) => b.durationMs - a.durationMs).slice(0, max);
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: HeapNode[];
}

export interface AllocationSite {
  /** function file:line, then its caller's */
  site: string;
  bytes: number;
  pct: number;
}

/** A sampling heap profile's bytes in all, and per allocating function (with its caller), largest first. */
export function summariseHeapSample(file: string, top: number): { totalBytes: number; sites: AllocationSite[] } {
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
  const bySite = new Map<string, number>();
  const label = (n: HeapNode): string => {
    const f = n.callFrame;
    const where = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, '');
    return `${f.functionName === '' ? '(anonymous)' : f.functionName}${where === '' ? '' : ` ${where}:${f.lineNumber + 1}`}`;
  };
  let total = 0;
  const walk = (n: HeapNode, parent: string): void => {
    if (n.selfSize > 0) {
      const key = `${label(n)} < ${parent}`;
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children ?? []) walk(c, label(n));
  };
  walk(root, '');
  const sites = [...bySite]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([site, bytes]) => ({ site, bytes, pct: Math.round((1000 * bytes) / total) / 10 }));
  return { totalBytes: total, sites };
}
