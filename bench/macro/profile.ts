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
