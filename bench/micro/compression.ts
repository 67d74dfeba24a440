/**
 * Codec throughput on 1 MiB of JSON-ish text (typical event payloads): node <build>/bench/micro/compression.js
 * MB/s are of uncompressed bytes, for compress and (bounded) decompress. Prints one JSON line.
 */
import { compress, compressionName, decompress, type CompressionType } from '../../src/protocol/records/index.js';
import { bench, machine, type BenchResult } from './harness.js';

function jsonText(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  let x = 12345;
  const rand = (m: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % m;
  };
  for (let i = 0; n < bytes; i++) {
    const s = JSON.stringify({
      id: i,
      user: `user-${rand(5000)}`,
      ts: 1_700_000_000_000 + i * 13,
      action: ['view', 'click', 'add_to_cart', 'buy'][rand(4)],
      path: `/products/${rand(100000)}`,
      price: rand(100000) / 100,
      tags: ['a', 'sale', 'new', 'gift'].slice(0, rand(4)),
    });
    parts.push(s);
    n += s.length + 1;
  }
  return Buffer.from(parts.join('\n')).subarray(0, bytes);
}

const data = jsonText(1 << 20);
const results: (BenchResult & { ratio?: number })[] = [];
for (const type of [1, 2, 3, 4] as CompressionType[]) {
  const name = compressionName(type);
  const compressed = compress(type, data);
  const ratio = Math.round((data.length / compressed.length) * 100) / 100;
  results.push({ ...bench(`${name} compress 1 MiB`, () => void compress(type, data), { bytesPerOp: data.length, runs: 3, minMs: 300 }), ratio });
  results.push(bench(`${name} decompress 1 MiB`, () => void decompress(type, compressed), { bytesPerOp: data.length, runs: 3, minMs: 300 }));
}
process.stdout.write(JSON.stringify({ bench: 'compression', machine: machine(), inputBytes: data.length, results }) + '\n');
