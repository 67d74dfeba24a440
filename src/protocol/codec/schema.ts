import { Reader } from './reader.js';
import { Writer, sizeOfArrayLength, sizeOfUvarint } from './writer.js';

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

/** Reads an array; the length is checked against the remaining input before anything is allocated. */
export function readArray<T>(r: Reader, flexible: boolean, nullable: boolean, minElementSize: number, readElem: (r: Reader) => T): T[] {
  const n = r.arrayLength(flexible, nullable, minElementSize);
  if (n < 0) return null as unknown as T[];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(readElem(r));
  return out;
}

export function sizeOfArray<T>(v: readonly T[] | null, flexible: boolean, sizeElem: (e: T) => number): number {
  if (v === null) return sizeOfArrayLength(-1, flexible);
  let n = sizeOfArrayLength(v.length, flexible);
  for (const e of v) n += sizeElem(e);
  return n;
}

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
