/**
 * CRC-32C throughput: node <build>/bench/micro/crc32c.js
 * Native (@node-rs/crc32) and the pure-JS slicing-by-8 fallback, on 1 KiB (a small produce batch)
 * and 1 MiB inputs. Prints one JSON line.
 */
import { crc32cJs, crc32cNative, crc32cImplementation } from '../../src/common/crc32c.js';
import { bench, machine, type BenchResult } from './harness.js';

function randomBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const inputs = [
  { label: '1 KiB', data: randomBytes(1024) },
  { label: '1 MiB', data: randomBytes(1 << 20) },
];
const results: BenchResult[] = [];
let sink = 0;
for (const { label, data } of inputs) {
  if (crc32cNative !== null) {
    const native = crc32cNative;
    results.push(bench(`crc32c native ${label}`, () => { sink ^= native(data); }, { bytesPerOp: data.length }));
  }
  results.push(bench(`crc32c js ${label}`, () => { sink ^= crc32cJs(data); }, { bytesPerOp: data.length, minMs: 200, runs: 3 }));
}
process.stdout.write(JSON.stringify({ bench: 'crc32c', machine: machine(), implementation: crc32cImplementation, sink, results }) + '\n');
