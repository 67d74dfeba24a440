/**
 * Codec micro-benchmarks: node dist/bench/micro/codec.js
 * - decode a 1 MiB Produce request made of 1 KiB batches (16 partitions x 64 batches), with and
 *   without walking + CRC-checking every batch as the broker's produce path does;
 * - encode a Fetch response of 100 partitions (10 KiB of records each; records go out as slices).
 */
import {
  FetchResponse, ProduceRequest, RecordBatch, RequestHeader, buildRecordBatch, createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData, createProduceRequestPartitionProduceData, createProduceRequestTopicProduceData,
  decodeBody, encodeRequestFrame, encodeResponseFrame, iterateBatches, parseRequestHeader,
} from '../../src/protocol/index.js';
import { bench, machine } from './harness.js';

function batchesOf(totalBytes: number, batchBytes: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  let offset = 0;
  while (size < totalBytes) {
    const b = buildRecordBatch({ baseOffset: offset, records: [{ key: `k${offset}`, value: Buffer.alloc(batchBytes - 90, 97) }] });
    parts.push(b);
    size += b.length;
    offset++;
  }
  return Buffer.concat(parts);
}

const perPartition = batchesOf(64 * 1024, 1024);
const produce = ProduceRequest.create({
  acks: -1,
  timeoutMs: 30000,
  topicData: [createProduceRequestTopicProduceData({
    name: 'bench',
    partitionData: Array.from({ length: 16 }, (_, i) => createProduceRequestPartitionProduceData({ index: i, records: perPartition })),
  })],
});
const header = RequestHeader.create({ requestApiKey: 0, requestApiVersion: 9, correlationId: 1, clientId: 'bench' });
const frame = Buffer.concat(encodeRequestFrame(header, ProduceRequest, produce)).subarray(4);

const results = [];
results.push(bench('decode Produce v9, 1 MiB of 1 KiB batches (views)', () => {
  const h = parseRequestHeader(frame);
  decodeBody(ProduceRequest, frame, h.bodyOffset, 9);
}, { bytesPerOp: frame.length }));

results.push(bench('decode Produce v9, 1 MiB + walk and CRC-check every batch', () => {
  const h = parseRequestHeader(frame);
  const req = decodeBody(ProduceRequest, frame, h.bodyOffset, 9);
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      for (const b of iterateBatches(p.records!)) if (!b.verifyCrc()) throw new Error('crc');
    }
  }
}, { bytesPerOp: frame.length }));

const records = batchesOf(10 * 1024, 1024);
const fetch = FetchResponse.create({
  responses: [createFetchResponseFetchableTopicResponse({
    topic: 'bench',
    partitions: Array.from({ length: 100 }, (_, i) => createFetchResponsePartitionData({ partitionIndex: i, highWatermark: 1e6, logStartOffset: 0, records })),
  })],
});
const fetchBytes = 100 * records.length;
results.push(bench('encode Fetch v12 response, 100 partitions x 10 KiB (zero-copy slices)', () => {
  encodeResponseFrame(1, 1, 12, FetchResponse, fetch);
}, { bytesPerOp: fetchBytes }));
results.push(bench('encode Fetch v4 response, 100 partitions x 10 KiB (zero-copy slices)', () => {
  encodeResponseFrame(1, 1, 4, FetchResponse, fetch);
}, { bytesPerOp: fetchBytes }));
void RecordBatch;

process.stdout.write(JSON.stringify({ bench: 'codec', machine: machine(), frameBytes: frame.length, results }, null, 1) + '\n');
