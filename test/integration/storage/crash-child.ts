/**
 * Child process of crash.test.ts: appends batches to a log forever and prints "ack <gen> <seq>
 * <baseOffset>" after each append returns. The parent SIGKILLs it at a random moment.
 */
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { NodeFileSystem, SystemClock } from '../../../src/platform/index.js';
import { LogManager, SILENT_LOGGER, logConfig } from '../../../src/storage/index.js';

export function batchFor(gen: number, seq: number): Buffer {
  // Sizes vary from tiny to 256 KiB so kills land inside large writes too.
  const size = seq % 7 === 0 ? 64 * 1024 + ((gen * 131 + seq * 977) % (192 * 1024)) : 50 + ((gen * 31 + seq * 17) % 2000);
  const value = Buffer.alloc(size, (gen * 7 + seq) & 0xff);
  return buildRecordBatch({ records: [{ key: `${gen}:${seq}`, value, timestamp: 1_700_000_000_000 + seq }] });
}

async function main(): Promise<void> {
  const [dir, genStr] = process.argv.slice(2);
  if (dir === undefined || genStr === undefined) throw new Error('usage: crash-child <dir> <gen>');
  const gen = Number(genStr);
  const manager = new LogManager({
    fs: new NodeFileSystem(),
    clock: new SystemClock(),
    logDirs: [dir],
    logger: SILENT_LOGGER,
    defaultConfig: logConfig({ segmentBytes: 1024 * 1024 }),
  });
  manager.startup();
  const log = manager.getOrCreateLog({ topic: 'crash', partition: 0 });
  process.stdout.write(`ready ${log.logEndOffset}\n`);
  for (let seq = 0; ; seq++) {
    const info = log.appendAsLeader(batchFor(gen, seq), gen);
    if (info.durable !== null) await info.durable;
    process.stdout.write(`ack ${gen} ${seq} ${info.firstOffset}\n`);
    if (seq % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    process.stderr.write(`crash-child failed: ${String(err)}\n`);
    process.exit(1);
  });
}
