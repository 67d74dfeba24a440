import { createRequire } from 'node:module';
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { assertNever } from '../../common/index.js';
import { CompressionError } from './errors.js';

/**
 * The codecs of a record batch (attributes bits 0-2), synchronous in both directions: the broker
 * decompresses while validating a produce request, inside one event-loop turn, and the builder
 * compresses while encoding. Every decompression is bounded by `maxBytes` *before* the output is
 * allocated, using the sizes the formats declare (snappy's preamble, LZ4/zstd block headers), so a
 * zip bomb costs a typed error instead of memory.
 *
 * Libraries (see docs/DEPENDENCIES.md): gzip is node:zlib; snappy is `snappy` (napi-rs, native);
 * lz4 is `lz4-napi` (napi-rs over lz4_flex, native) with frame walking done here; zstd is
 * `@bokuweb/zstd-wasm` (the reference libzstd compiled to WebAssembly, synchronous once loaded —
 * the native zstd bindings on npm are either async-only or need a compiler at install time).
 */

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export function isCompressionType(v: number): v is CompressionType {
  return v >= 0 && v <= 4 && Number.isInteger(v);
}

export function compressionName(type: CompressionType): 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' {
  switch (type) {
    case 0:
      return 'none';
    case 1:
      return 'gzip';
    case 2:
      return 'snappy';
    case 3:
      return 'lz4';
    case 4:
      return 'zstd';
    default:
      return assertNever(type, 'compression type');
  }
}

/**
 * Default bound on one batch's decompressed size. Produce requests are limited by
 * `message.max.bytes` (1 MiB by default) compressed; 64 MiB leaves room for very compressible data
 * while keeping one hostile batch from taking the process's memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

// --- native and wasm modules ---------------------------------------------------------------------

const require = createRequire(import.meta.url);

interface SnappyModule {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer;
}
interface Lz4Module {
  /** lz4_flex's block compressor; output = uncompressed size (u32 LE) + one raw LZ4 block. */
  compressSync(data: Buffer): Buffer;
  compressFrameSync(data: Buffer, options?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}
interface ZstdModule {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
  decompress(buf: Uint8Array, opts?: { defaultHeapSize: number }): Uint8Array;
}

const snappy = require('snappy') as SnappyModule;
const lz4 = require('lz4-napi') as Lz4Module;
const zstd = require('@bokuweb/zstd-wasm') as ZstdModule;
// The wasm module instantiates asynchronously; doing it at import time keeps every call after it sync.
await zstd.init();

// --- public API ----------------------------------------------------------------------------------

export interface CompressOptions {
  /** Codec-specific level; each codec's default when absent (gzip 6, zstd 3; snappy and lz4 have none). */
  level?: number;
}

/** Compresses `data` with `type` in the format Kafka clients write (see each codec below). */
export function compress(type: CompressionType, data: Buffer, options: CompressOptions = {}): Buffer {
  switch (type) {
    case 0:
      return data;
    case 1:
      return gzipSync(data, { level: options.level ?? zlibConstants.Z_DEFAULT_COMPRESSION });
    case 2:
      return snappyXerialCompress(data);
    case 3:
      return lz4FrameCompress(data);
    case 4:
      return toBuffer(zstd.compress(data, options.level ?? 3));
    default:
      return assertNever(type, 'compression type');
  }
}

/**
 * Decompresses `data`, never returning more than `maxBytes` (nor allocating more than that plus
 * one LZ4 block, see lz4Decompress).
 * Throws CompressionError: 'too-large' past the bound, 'corrupt' for a malformed stream.
 */
export function decompress(type: CompressionType, data: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  switch (type) {
    case 0:
      if (data.length > maxBytes) throw tooLarge('none', maxBytes);
      return data;
    case 1:
      return gzipDecompress(data, maxBytes);
    case 2:
      return snappyDecompress(data, maxBytes);
    case 3:
      return lz4Decompress(data, maxBytes);
    case 4:
      return zstdDecompress(data, maxBytes);
    default:
      return assertNever(type, 'compression type');
  }
}

// --- gzip ----------------------------------------------------------------------------------------

function gzipDecompress(data: Buffer, maxBytes: number): Buffer {
  try {
    // maxOutputLength makes zlib stop (and throw) once the output would pass the bound.
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', maxBytes);
    throw corrupt('gzip', e);
  }
}

// --- snappy --------------------------------------------------------------------------------------

/** The xerial snappy-java stream header: magic, then int32 version and int32 minimum compatible version. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size, which the Java client uses. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

/**
 * Writes the xerial framing the Java client writes: every Kafka client reads it (librdkafka,
 * kafkajs' codecs and kafka-python detect the magic; snappy-java itself falls back to raw snappy).
 */
function snappyXerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = snappy.compressSync(data.subarray(pos, Math.min(data.length, pos + XERIAL_BLOCK_SIZE)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

/** Raw snappy (librdkafka's default) in one block, or the xerial framing; both are accepted. */
function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  if (!isXerial(data)) {
    snappyPreambleWithin(data, maxBytes);
    return snappyRaw(data);
  }
  const blocks: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (data.length - pos < 4) throw corrupt('snappy', 'truncated xerial block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) throw corrupt('snappy', `xerial block length ${len} exceeds the input`);
    const block = data.subarray(pos, pos + len);
    pos += len;
    total += snappyPreambleWithin(block, maxBytes - total);
    blocks.push(snappyRaw(block));
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

/** Reads the uncompressed length a raw snappy block declares and checks it against the budget. */
function snappyPreambleWithin(block: Buffer, budget: number): number {
  let n = 0;
  for (let i = 0, shift = 0; ; i++, shift += 7) {
    if (i >= block.length || i >= 5) throw corrupt('snappy', 'bad length preamble');
    const b = block[i]!;
    n += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (n > budget) throw tooLarge('snappy', budget);
  return n;
}

function snappyRaw(block: Buffer): Buffer {
  try {
    return snappy.uncompressSync(block, { asBuffer: true });
  } catch (e) {
    throw corrupt('snappy', e);
  }
}

// --- lz4 -----------------------------------------------------------------------------------------

const LZ4_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** An LZ4 sequence turns one input byte into at most 255 output bytes (plus a few per block). */
const LZ4_MAX_RATIO = 256;

/**
 * LZ4 frames (the format of every Kafka client since 0.10): walked here to bound the output from
 * the block sizes before the native decoder allocates anything, then decoded frame by frame.
 */
function lz4Decompress(data: Buffer, maxBytes: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  let pos = 0;
  if (data.length === 0) throw corrupt('lz4', 'empty input');
  while (pos < data.length) {
    if (data.length - pos < 4) throw corrupt('lz4', 'truncated frame magic');
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos = skipSkippableFrame(data, pos, 'lz4');
      continue;
    }
    if (magic !== LZ4_MAGIC) throw corrupt('lz4', `bad frame magic 0x${magic.toString(16)}`);
    const { end, bound, blockMax } = walkLz4Frame(data, pos);
    // The walk bounds every block by the frame's block size, an overestimate of at most one block
    // for the encoders in use (they fill every block but the last). Allow that slack, then check
    // the real size: memory stays within maxBytes plus one block (<= 4 MiB).
    if (bound > maxBytes - total + blockMax) throw tooLarge('lz4', maxBytes);
    let chunk: Buffer;
    try {
      chunk = lz4.decompressFrameSync(data.subarray(pos, end));
    } catch (e) {
      throw corrupt('lz4', e);
    }
    // Guards the walk's arithmetic: the decoder can never exceed what the blocks allow.
    if (chunk.length > bound) throw corrupt('lz4', 'frame decoded past its block bound');
    if (chunk.length > maxBytes - total) throw tooLarge('lz4', maxBytes);
    total += chunk.length;
    out.push(chunk);
    pos = end;
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out, total);
}

/** 64 KiB blocks (BD code 4), as the Java client writes. */
const LZ4_BLOCK_SIZE = 64 * 1024;
const LZ4_UNCOMPRESSED_BLOCK = 0x80000000;
/** FLG: version 01, independent blocks, no checksums, no content size; BD: 64 KiB blocks. */
const LZ4_FRAME_HEADER = lz4FrameHeader(0x60, 0x40);

function lz4FrameHeader(flg: number, bd: number): Buffer {
  const h = Buffer.alloc(7);
  h.writeUInt32LE(LZ4_MAGIC, 0);
  h[4] = flg;
  h[5] = bd;
  h[6] = (xxh32(h.subarray(4, 6)) >>> 8) & 0xff;
  return h;
}

/**
 * Writes the frame the Java client writes (independent 64 KiB blocks, no checksums), assembled
 * here from lz4-napi's block compressor, which is ~5x faster than its frame encoder. A block that
 * does not shrink is stored uncompressed, as the format allows.
 */
function lz4FrameCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [LZ4_FRAME_HEADER];
  let total = LZ4_FRAME_HEADER.length + 4;
  for (let pos = 0; pos < data.length; pos += LZ4_BLOCK_SIZE) {
    const chunk = data.subarray(pos, Math.min(data.length, pos + LZ4_BLOCK_SIZE));
    const block = lz4.compressSync(chunk).subarray(4);
    const stored = block.length >= chunk.length;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(stored ? (chunk.length | LZ4_UNCOMPRESSED_BLOCK) >>> 0 : block.length, 0);
    parts.push(header, stored ? chunk : block);
    total += 4 + (stored ? chunk.length : block.length);
  }
  parts.push(Buffer.alloc(4)); // EndMark
  return Buffer.concat(parts, total);
}

/** xxHash32 with seed 0; only used for the one-byte LZ4 frame descriptor checksum. */
function xxh32(input: Buffer): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P4 = 668265263;
  const P5 = 374761393;
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  let i = 0;
  let h: number;
  if (input.length >= 16) {
    let v1 = (P1 + P2) >>> 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = (0 - P1) >>> 0;
    const round = (v: number, lane: number): number => Math.imul(rotl((v + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;
    for (; i + 16 <= input.length; i += 16) {
      v1 = round(v1, input.readUInt32LE(i));
      v2 = round(v2, input.readUInt32LE(i + 4));
      v3 = round(v3, input.readUInt32LE(i + 8));
      v4 = round(v4, input.readUInt32LE(i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = P5;
  }
  h = (h + input.length) >>> 0;
  for (; i + 4 <= input.length; i += 4) h = Math.imul(rotl((h + Math.imul(input.readUInt32LE(i), P3)) >>> 0, 17), P4) >>> 0;
  for (; i < input.length; i++) h = Math.imul(rotl((h + Math.imul(input[i]!, P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Returns the end of the LZ4 frame at `start` and an upper bound of its decompressed size. */
function walkLz4Frame(data: Buffer, start: number): { end: number; bound: number; blockMax: number } {
  let pos = start + 4;
  if (data.length - pos < 3) throw corrupt('lz4', 'truncated frame descriptor');
  const flg = data[pos]!;
  const bd = data[pos + 1]!;
  if (flg >> 6 !== 1) throw corrupt('lz4', `unsupported frame version ${flg >> 6}`);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSizePresent = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const dictId = (flg & 0x01) !== 0;
  const blockMaxCode = (bd >> 4) & 0x07;
  if (blockMaxCode < 4) throw corrupt('lz4', `bad block max size code ${blockMaxCode}`);
  const blockMax = 1 << (8 + 2 * blockMaxCode);
  const descriptorSize = 2 + (contentSizePresent ? 8 : 0) + (dictId ? 4 : 0) + 1;
  if (data.length - pos < descriptorSize) throw corrupt('lz4', 'truncated frame descriptor');
  pos += descriptorSize;
  let bound = 0;
  for (;;) {
    if (data.length - pos < 4) throw corrupt('lz4', 'truncated block header');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const uncompressed = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt('lz4', `block of ${size} bytes exceeds the frame's maximum ${blockMax}`);
    const need = size + (blockChecksum ? 4 : 0);
    if (data.length - pos < need) throw corrupt('lz4', 'truncated block');
    pos += need;
    bound += uncompressed ? size : Math.min(blockMax, size * LZ4_MAX_RATIO);
  }
  if (contentChecksum) {
    if (data.length - pos < 4) throw corrupt('lz4', 'truncated content checksum');
    pos += 4;
  }
  return { end: pos, bound, blockMax };
}

// --- zstd ----------------------------------------------------------------------------------------

const ZSTD_MAGIC = 0xfd2fb528;
/** zstd's largest block: no block regenerates more than 128 KiB. */
const ZSTD_BLOCK_MAX = 128 * 1024;

/**
 * zstd frames: each frame's header and block headers are walked to find its declared content size
 * (or, when the writer streamed without one, an upper bound from the block sizes) before decoding.
 */
function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  let pos = 0;
  if (data.length === 0) throw corrupt('zstd', 'empty input');
  while (pos < data.length) {
    if (data.length - pos < 4) throw corrupt('zstd', 'truncated frame magic');
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos = skipSkippableFrame(data, pos, 'zstd');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt('zstd', `bad frame magic 0x${magic.toString(16)}`);
    const frame = walkZstdFrame(data, pos);
    const size = frame.contentSize ?? frame.bound;
    if (frame.contentSize !== null && frame.contentSize > frame.bound) {
      throw corrupt('zstd', 'declared content size exceeds what the blocks can hold');
    }
    if (size > maxBytes - total) {
      // Without a declared size the bound may overestimate; decoding stops at the budget anyway.
      if (frame.contentSize !== null || maxBytes - total <= 0) throw tooLarge('zstd', maxBytes);
    }
    const capacity = Math.min(size, maxBytes - total);
    let chunk: Buffer;
    try {
      // The capacity is what libzstd may write; a frame needing more fails instead of growing.
      chunk = toBuffer(zstd.decompress(data.subarray(pos, frame.end), { defaultHeapSize: Math.max(1, capacity) }));
    } catch (e) {
      if (frame.contentSize === null && capacity < frame.bound) throw tooLarge('zstd', maxBytes);
      throw corrupt('zstd', e);
    }
    if (frame.contentSize !== null && chunk.length !== frame.contentSize) {
      throw corrupt('zstd', 'decoded size differs from the declared content size');
    }
    total += chunk.length;
    out.push(chunk);
    pos = frame.end;
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out, total);
}

interface ZstdFrame {
  end: number;
  /** Frame_Content_Size when the header declares it (always < 2^53 here, or the frame is rejected). */
  contentSize: number | null;
  /** Upper bound of the decompressed size from the block headers. */
  bound: number;
}

function walkZstdFrame(data: Buffer, start: number): ZstdFrame {
  let pos = start + 4;
  if (data.length - pos < 1) throw corrupt('zstd', 'truncated frame header');
  const fhd = data[pos]!;
  pos += 1;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd & 0x20) !== 0;
  if ((fhd & 0x08) !== 0) throw corrupt('zstd', 'reserved frame header bit set');
  const checksum = (fhd & 0x04) !== 0;
  const dictIdSize = [0, 1, 2, 4][fhd & 0x03]!;
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
  const headerRest = (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
  if (data.length - pos < headerRest) throw corrupt('zstd', 'truncated frame header');
  pos += (singleSegment ? 0 : 1) + dictIdSize;
  let contentSize: number | null = null;
  if (fcsSize === 1) contentSize = data[pos]!;
  else if (fcsSize === 2) contentSize = data.readUInt16LE(pos) + 256;
  else if (fcsSize === 4) contentSize = data.readUInt32LE(pos);
  else if (fcsSize === 8) {
    const hi = data.readUInt32LE(pos + 4);
    // Anything at or above 2^53 is far beyond any bound; reject instead of losing precision.
    if (hi >= 0x200000) throw tooLarge('zstd', Number.MAX_SAFE_INTEGER);
    contentSize = hi * 0x100000000 + data.readUInt32LE(pos);
  }
  pos += fcsSize;
  let bound = 0;
  for (;;) {
    if (data.length - pos < 3) throw corrupt('zstd', 'truncated block header');
    const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
    pos += 3;
    const last = (header & 1) !== 0;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw corrupt('zstd', 'reserved block type');
    if (size > ZSTD_BLOCK_MAX) throw corrupt('zstd', `block of ${size} bytes exceeds 128 KiB`);
    // RLE blocks carry one byte that is repeated `size` times.
    const stored = type === 1 ? 1 : size;
    if (data.length - pos < stored) throw corrupt('zstd', 'truncated block');
    pos += stored;
    bound += type === 2 ? ZSTD_BLOCK_MAX : size;
    if (last) break;
  }
  if (checksum) {
    if (data.length - pos < 4) throw corrupt('zstd', 'truncated content checksum');
    pos += 4;
  }
  return { end: pos, contentSize, bound };
}

// --- shared --------------------------------------------------------------------------------------

function skipSkippableFrame(data: Buffer, pos: number, codec: string): number {
  if (data.length - pos < 8) throw corrupt(codec, 'truncated skippable frame');
  const size = data.readUInt32LE(pos + 4);
  if (size > data.length - pos - 8) throw corrupt(codec, 'truncated skippable frame');
  return pos + 8 + size;
}

function toBuffer(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function tooLarge(codec: string, maxBytes: number): CompressionError {
  return new CompressionError('too-large', `${codec}: decompressed size exceeds the limit of ${maxBytes} bytes`);
}

function corrupt(codec: string, cause: unknown): CompressionError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new CompressionError('corrupt', `${codec}: corrupt compressed data: ${why}`);
}
