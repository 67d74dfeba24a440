/**
 * CRC-32C throughput: node <build>/bench/micro/crc32c.js
 * Every implementation that loads here: Gregor's addon (its best path for this CPU, and its
 * three-stream path alone), @node-rs/crc32, and the pure-JS slicing-by-8 fallback, on 1 KiB (a small
 * produce batch), 16 KiB and 1 MiB inputs. Prints one JSON line.
 */
import {
  crc32cAddon,
  crc32cAddon3way,
  crc32cAddonImplementation,
  crc32cImplementation,
  crc32cJs,
  crc32cNodeRs,
  type Crc32cFunction,
} from '../../src/common/crc32c.js';
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
  { label: '16 KiB', data: randomBytes(16 * 1024) },
  { label: '1 MiB', data: randomBytes(1 << 20) },
];
const natives: [string, Crc32cFunction | null][] = [
  [`addon (${crc32cAddonImplementation ?? 'not built'})`, crc32cAddon],
  ['addon sse42-3way', crc32cAddon3way],
  ['@node-rs/crc32', crc32cNodeRs],
];
const results: BenchResult[] = [];
let sink = 0;
for (const { label, data } of inputs) {
  for (const [name, fn] of natives) {
    if (fn === null) continue;
    results.push(bench(`crc32c ${name} ${label}`, () => { sink ^= fn(data); }, { bytesPerOp: data.length }));
  }
  results.push(bench(`crc32c js ${label}`, () => { sink ^= crc32cJs(data); }, { bytesPerOp: data.length, minMs: 200, runs: 3 }));
}
process.stdout.write(JSON.stringify({ bench: 'crc32c', machine: machine(), implementation: crc32cImplementation, addon: crc32cAddonImplementation, sink, results }) + '\n');
