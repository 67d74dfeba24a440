import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordBatch } from '../../../src/protocol/records/index.js';
import { NodeFileSystem, SystemClock } from '../../../src/platform/index.js';
import { Log, LogManager, SILENT_LOGGER, logConfig } from '../../../src/storage/index.js';
import { Prng } from '../../../src/testkit/index.js';
import { batchFor } from './crash-child.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const KILLS = 25;

interface Ack {
  gen: number;
  seq: number;
  offset: number;
}

/** Runs the child until it has acknowledged `wanted` appends (or a bound passes), then SIGKILLs it. */
function runAndKill(dir: string, gen: number, wanted: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(gen)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => kill(), 10_000);
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^ack (\d+) (\d+) (\d+)$/.exec(line);
        if (m !== null) acks.push({ gen: Number(m[1]), seq: Number(m[2]), offset: Number(m[3]) });
        if (acks.length >= wanted) kill();
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

function readEverything(log: Log): RecordBatch[] {
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const info = log.read(offset, 8 * 1024 * 1024);
    if (info.slice === undefined) break;
    const buf = Log.readSliceSync(info.slice);
    let pos = 0;
    while (pos < buf.length) {
      const b = new RecordBatch(buf.subarray(pos, pos + buf.readInt32BE(pos + 8) + 12));
      out.push(b);
      pos += b.sizeInBytes;
      offset = b.lastOffset + 1;
    }
  }
  return out;
}

describe('storage crash safety (real process, SIGKILL)', () => {
  it(`keeps every acknowledged batch byte-identical across ${KILLS} SIGKILLs and drops torn tails`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-crash-'));
    const rng = new Prng(Number(process.env['GREGOR_SEED'] ?? 42));
    const acked: Ack[] = [];
    try {
      for (let gen = 1; gen <= KILLS; gen++) {
        acked.push(...(await runAndKill(dir, gen, 1 + rng.nextInt(60))));
        if (rng.chance(0.3)) {
          // A torn write: half a batch header plus garbage at the end of the newest segment.
          const pdir = join(dir, 'crash-0');
          const last = readdirSync(pdir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
          appendFileSync(join(pdir, last), Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0]), rng.bytes(rng.nextInt(300))]));
        }
        const manager = new LogManager({
          fs: new NodeFileSystem(),
          clock: new SystemClock(),
          logDirs: [dir],
          logger: SILENT_LOGGER,
          defaultConfig: logConfig({ segmentBytes: 1024 * 1024 }),
        });
        manager.startup();
        const log = manager.getLog({ topic: 'crash', partition: 0 })!;
        const batches = readEverything(log);
        const byOffset = new Map(batches.map((b) => [b.baseOffset, b]));
        for (const a of acked) {
          const b = byOffset.get(a.offset);
          assert.ok(b !== undefined, `gen ${gen}: acknowledged batch ${a.gen}:${a.seq} at ${a.offset} is missing`);
          const expected = batchFor(a.gen, a.seq);
          expected.writeBigInt64BE(BigInt(a.offset), 0);
          expected.writeInt32BE(a.gen, 12);
          assert.ok(b.buf.equals(expected), `gen ${gen}: batch at ${a.offset} differs`);
        }
        // Nothing but whole, valid batches, contiguous to the log end.
        let next = batches[0]?.baseOffset ?? 0;
        for (const b of batches) {
          assert.ok(b.verifyCrc(), `CRC of batch at ${b.baseOffset}`);
          assert.equal(b.baseOffset, next);
          next = b.lastOffset + 1;
        }
        assert.equal(next, log.logEndOffset);
        log.closeHandles();
      }
      assert.ok(acked.length >= KILLS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
