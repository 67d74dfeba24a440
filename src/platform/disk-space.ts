import { statfsSync } from 'node:fs';

/** Total and usable bytes of the file system holding `dir` (DescribeLogDirs v4); undefined if unknown. */
export function diskSpace(dir: string): { totalBytes: number; usableBytes: number } | undefined {
  try {
    const s = statfsSync(dir);
    return { totalBytes: s.bsize * s.blocks, usableBytes: s.bsize * s.bavail };
  } catch {
    return undefined;
  }
}
