import { EMPTY_BUFFER } from '../protocol/index.js';
import type { FieldSchema, FieldTypeSchema, MessageDescriptor, VersionRange } from '../protocol/index.js';

/**
 * Builds the response Kafka's `getErrorResponse` would give for a request that failed as a whole:
 * every `errorCode` set to the error, and the request's topics/partitions/groups/resources mirrored
 * so that each one the client asked about carries the error (clients look up their partitions in
 * the response; a missing partition is its own kind of failure). Works from the schemas alone, so
 * a new handler gets a correct error response without writing one.
 *
 * How request and response structures are paired: arrays by the same name, else by the names
 * Kafka uses for the same thing on either side (Produce's `topicData` answers as `responses`,
 * `partitionData` as `partitionResponses`), else the only array left; identity fields (topic
 * name/id, partition index, group id, resource name/type, transactional id) are copied by name or
 * synonym. Arrays without a counterpart stay empty and other fields keep their schema defaults.
 */
export function buildErrorResponse<Req, Res>(
  requestDesc: MessageDescriptor<Req>,
  responseDesc: MessageDescriptor<Res>,
  request: Req,
  version: number,
  errorCode: number,
): Res {
  const m = new Mirror(requestDesc, responseDesc, version, errorCode);
  return m.struct(requestDesc.root, request as Record<string, unknown>, responseDesc.root) as Res;
}

type Struct = Record<string, unknown>;

/** Response array name -> request array names that Kafka uses for the same list. */
const ARRAY_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  responses: ['topics', 'topicData', 'topicNames'],
  partitionResponses: ['partitionData', 'partitions'],
  partitions: ['partitionData', 'partitionIndexes', 'partitionIndices'],
  results: ['resources', 'topics', 'groups'],
  topics: ['topicNames', 'topicData'],
  groups: ['groupIds', 'groupsNames'],
};

/** Response identity field -> request fields holding the same value. */
const KEY_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  name: ['name', 'topic', 'topicName'],
  topic: ['topic', 'name', 'topicName'],
  topicName: ['topicName', 'topic', 'name'],
  topicId: ['topicId'],
  partitionIndex: ['partitionIndex', 'partition', 'index', 'partitionId'],
  partition: ['partition', 'partitionIndex', 'index', 'partitionId'],
  index: ['index', 'partitionIndex', 'partition', 'partitionId'],
  partitionId: ['partitionId', 'partitionIndex', 'partition', 'index'],
  groupId: ['groupId'],
  resourceType: ['resourceType'],
  resourceName: ['resourceName'],
  transactionalId: ['transactionalId'],
};

/** Nesting deeper than any Kafka schema: a guard against a cyclic schema, not a limit on data. */
const MAX_DEPTH = 16;

function inVersion(range: VersionRange | null, v: number): boolean {
  return range !== null && v >= range[0] && v <= range[1];
}

function elementStruct(t: FieldTypeSchema): string | undefined {
  if (typeof t === 'object' && 'array' in t && typeof t.array === 'object' && 'struct' in t.array) return t.array.struct;
  return undefined;
}

function elementScalar(t: FieldTypeSchema): string | undefined {
  if (typeof t === 'object' && 'array' in t && typeof t.array === 'string') return t.array;
  return undefined;
}

class Mirror {
  constructor(
    private readonly req: MessageDescriptor<unknown>,
    private readonly res: MessageDescriptor<unknown>,
    private readonly version: number,
    private readonly errorCode: number,
  ) {}

  private fields(desc: MessageDescriptor<unknown>, struct: string): FieldSchema[] {
    return (desc.structs[struct] ?? []).filter((f) => inVersion(f.versions, this.version));
  }

  private hasErrorCode(struct: string, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    return this.fields(this.res, struct).some((f) => {
      if (f.name === 'errorCode') return true;
      const e = elementStruct(f.type) ?? (typeof f.type === 'object' && 'struct' in f.type ? f.type.struct : undefined);
      return e !== undefined && this.hasErrorCode(e, depth + 1);
    });
  }

  struct(reqStruct: string | undefined, reqValue: Struct | undefined, resStruct: string, depth = 0): Struct {
    const make = this.res.defaults[resStruct];
    const out = (make === undefined ? {} : make()) as Struct;
    if (depth > MAX_DEPTH) return out;
    const resFields = this.fields(this.res, resStruct);
    const reqFields = reqStruct === undefined ? [] : this.fields(this.req, reqStruct);
    const arrayPairs = this.pairArrays(resFields, reqFields, depth);
    for (const f of resFields) {
      if (f.name === 'errorCode' && f.type === 'int16') {
        out[f.name] = this.errorCode;
        continue;
      }
      const t = f.type;
      if (typeof t === 'string' && out[f.name] === null && !inVersion(f.nullableVersions, this.version)) {
        // Some schema defaults are null for fields that are not nullable in every version
        // (FetchSnapshot's unalignedRecords): write the empty value instead.
        if (t === 'bytes' || t === 'records') out[f.name] = EMPTY_BUFFER;
        else if (t === 'string') out[f.name] = '';
      }
      if (typeof t === 'string') {
        const src = reqValue === undefined ? undefined : this.keySource(f, reqFields);
        const value = src === undefined ? undefined : reqValue![src.name];
        // A null the response cannot carry (Metadata v10-11 topic names) keeps the default.
        if (value !== undefined && (value !== null || inVersion(f.nullableVersions, this.version))) out[f.name] = value;
        continue;
      }
      if ('struct' in t) {
        const r = reqFields.find((x) => x.name === f.name && typeof x.type === 'object' && 'struct' in x.type);
        const rv = r === undefined || reqValue === undefined ? undefined : (reqValue[r.name] as Struct | null | undefined);
        if (!inVersion(f.nullableVersions, this.version) || rv !== null) {
          const rs = r !== undefined && typeof r.type === 'object' && 'struct' in r.type ? r.type.struct : undefined;
          out[f.name] = this.struct(rs, rv ?? undefined, t.struct, depth + 1);
        }
        continue;
      }
      const resElem = elementStruct(t);
      const pair = arrayPairs.get(f.name);
      if (resElem === undefined || pair === undefined || reqValue === undefined) continue;
      const items = reqValue[pair.name];
      if (!Array.isArray(items)) continue;
      const reqElem = elementStruct(pair.type);
      out[f.name] = items.map((item: unknown) =>
        reqElem !== undefined
          ? this.struct(reqElem, item as Struct, resElem, depth + 1)
          : this.fromScalar(item, elementScalar(pair.type), resElem, depth + 1),
      );
    }
    return out;
  }

  /** Pairs each response array of structs that carries an error code with a request array. */
  private pairArrays(resFields: readonly FieldSchema[], reqFields: readonly FieldSchema[], depth: number): Map<string, FieldSchema> {
    const reqArrays = reqFields.filter((f) => typeof f.type === 'object' && 'array' in f.type);
    const wanted = resFields.filter((f) => {
      const e = elementStruct(f.type);
      return e !== undefined && this.hasErrorCode(e, depth + 1);
    });
    const pairs = new Map<string, FieldSchema>();
    const used = new Set<string>();
    const take = (res: FieldSchema, req: FieldSchema | undefined): void => {
      if (req === undefined || used.has(req.name) || pairs.has(res.name)) return;
      pairs.set(res.name, req);
      used.add(req.name);
    };
    for (const f of wanted) take(f, reqArrays.find((r) => r.name === f.name));
    for (const f of wanted) {
      for (const syn of ARRAY_SYNONYMS[f.name] ?? []) take(f, reqArrays.find((r) => r.name === syn && !used.has(r.name)));
    }
    const leftRes = wanted.filter((f) => !pairs.has(f.name));
    const leftReq = reqArrays.filter((r) => !used.has(r.name) && !resFields.some((f) => f.name === r.name));
    if (leftRes.length === 1 && leftReq.length === 1) take(leftRes[0]!, leftReq[0]);
    return pairs;
  }

  private keySource(f: FieldSchema, reqFields: readonly FieldSchema[]): FieldSchema | undefined {
    const names = KEY_SYNONYMS[f.name];
    if (names === undefined) return undefined;
    for (const n of names) {
      const r = reqFields.find((x) => x.name === n && x.type === f.type);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** A response element for one scalar of a request list (`topicNames`, `partitionIndexes`). */
  private fromScalar(value: unknown, scalarType: string | undefined, resElem: string, depth: number): Struct {
    const out = this.struct(undefined, undefined, resElem, depth);
    const key = this.fields(this.res, resElem).find((f) => KEY_SYNONYMS[f.name] !== undefined && f.type === scalarType);
    if (key !== undefined) out[key.name] = value;
    return out;
  }
}
