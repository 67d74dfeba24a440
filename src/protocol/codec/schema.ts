import { Reader } from './reader.js';
import { Writer, sizeOfArrayLength, sizeOfBytes, sizeOfString, sizeOfUvarint } from './writer.js';

/** A tagged field this version of the code does not know: kept as raw bytes and written back as is. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

export { ZERO_UUID } from '../../common/index.js';
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** [min, max] inclusive; max may be Infinity ("N+"). */
export type VersionRange = readonly [number, number];

export type FieldTypeSchema =
  | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid'
  | { readonly array: FieldTypeSchema }
  | { readonly struct: string };

/** A field as the generator saw it: enough for tests and tools to walk any message generically. */
export interface FieldSchema {
  readonly name: string;
  readonly type: FieldTypeSchema;
  readonly versions: VersionRange | null;
  readonly nullableVersions: VersionRange | null;
  readonly taggedVersions: VersionRange | null;
  readonly tag: number;
  readonly bigint: boolean;
  readonly flexibleVersions?: VersionRange | null;
}

export interface MessageDescriptor<T> {
  readonly name: string;
  /** request, response, header, metadata, data, ... as in the schema. */
  readonly type: string;
  /** The api key, or the record type for metadata records; -1 where the schema has none. */
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version; Infinity when the message has none. */
  readonly flexibleMinVersion: number;
  readonly listeners: readonly string[];
  readonly latestVersionUnstable: boolean;
  read(r: Reader, version: number): T;
  size(v: T, version: number): number;
  write(w: Writer, v: T, version: number): void;
  create(init?: Partial<T>): T;
  /** Name of the root struct in `structs`. */
  readonly root: string;
  readonly structs: Readonly<Record<string, readonly FieldSchema[]>>;
  /** Default-valued instance of each struct, by name. */
  readonly defaults: Readonly<Record<string, () => object>>;
}

export interface ApiDescriptor {
  readonly apiKey: number;
  readonly name: string;
  // The table holds every API, so the message types are erased here.
  readonly request: MessageDescriptor<any>;
  readonly response: MessageDescriptor<any>;
}

/**
 * Reads an array; the length is checked against the remaining input before anything is allocated.
 * `readElem` takes the version as an argument so that generated code passes a function defined
 * once rather than a closure created for every array read.
 */
export function readArray<T>(
  r: Reader,
  flexible: boolean,
  nullable: boolean,
  minElementSize: number,
  readElem: (r: Reader, version: number) => T,
  version: number,
): T[] {
  const n = r.arrayLength(flexible, nullable, minElementSize);
  if (n < 0) return null as unknown as T[];
  // Sized up front: pushing onto [] would allocate room for 16 elements at the first push.
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = readElem(r, version);
  return out;
}

export function sizeOfArray<T>(v: readonly T[] | null, flexible: boolean, sizeElem: (e: T, version: number) => number, version: number): number {
  if (v === null) return sizeOfArrayLength(-1, flexible);
  let n = sizeOfArrayLength(v.length, flexible);
  for (const e of v) n += sizeElem(e, version);
  return n;
}

// Element readers and sizers of arrays of primitives, for readArray and sizeOfArray.
export const readInt8Element = (r: Reader): number => r.int8();
export const readInt16Element = (r: Reader): number => r.int16();
export const readUint16Element = (r: Reader): number => r.uint16();
export const readInt32Element = (r: Reader): number => r.int32();
export const readInt64Element = (r: Reader): number => r.int64();
export const readInt64BigElement = (r: Reader): bigint => r.int64Big();
export const readFloat64Element = (r: Reader): number => r.float64();
export const readBoolElement = (r: Reader): boolean => r.bool();
export const readUuidElement = (r: Reader): string => r.uuid();
export const readStringElement = (r: Reader): string => r.string();
export const readCompactStringElement = (r: Reader): string => r.compactString();
export const readBytesElement = (r: Reader): Buffer => r.bytesField();
export const readCompactBytesElement = (r: Reader): Buffer => r.compactBytesField();
export const sizeOfStringElement = (s: string): number => sizeOfString(s, false);
export const sizeOfCompactStringElement = (s: string): number => sizeOfString(s, true);
export const sizeOfBytesElement = (b: Buffer): number => sizeOfBytes(b, false);
export const sizeOfCompactBytesElement = (b: Buffer): number => sizeOfBytes(b, true);

/** Writes the unknown tagged fields from index `from` whose tag is below `tag`; returns the next index. */
export function writeUnknownTagsBelow(w: Writer, unknown: readonly TaggedField[] | undefined, from: number, tag: number): number {
  if (unknown === undefined) return from;
  let i = from;
  while (i < unknown.length && unknown[i]!.tag < tag) {
    const u = unknown[i]!;
    w.uvarint(u.tag);
    w.uvarint(u.data.length);
    w.raw(u.data);
    i++;
  }
  return i;
}

export { sizeOfUvarint };
