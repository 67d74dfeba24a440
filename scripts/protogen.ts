/**
 * Protocol generator: reads Kafka's message schemas (JSON with // comments) and writes one TypeScript
 * module per message into src/protocol/generated/: an interface per struct covering every version,
 * straight-line read/size/write functions, defaults, and a descriptor.
 *
 *   node dist/scripts/protogen.js [--schemas DIR] [--out DIR] [--check]
 *
 * DIR defaults to ../shared/kafka-protocol beside the repository. --check writes nothing and exits 1
 * when the committed output differs from what the schemas produce.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, statSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './repo-root.js';

// ---------------------------------------------------------------------------------------------------
// Schema model

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  fields?: RawField[];
  flexibleVersions?: string;
  ignorable?: boolean;
}

interface RawMessage {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  listeners?: string[];
  latestVersionUnstable?: boolean;
  fields: RawField[];
  commonStructs?: { name: string; versions: string; fields: RawField[] }[];
}

/** An inclusive version range; empty when min > max. */
interface Range {
  min: number;
  max: number;
}

const NONE: Range = { min: 1, max: 0 };
const INF = 0x7fff;

function parseRange(s: string | undefined, what: string): Range {
  if (s === undefined) throw new Error(`${what}: missing versions`);
  const t = s.trim();
  if (t === 'none') return NONE;
  let m = /^(\d+)\+$/.exec(t);
  if (m) return { min: Number(m[1]), max: INF };
  m = /^(\d+)-(\d+)$/.exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: bad version range ${s}`);
}

function intersect(a: Range, b: Range): Range {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

function isEmpty(r: Range): boolean {
  return r.min > r.max;
}

const PRIMITIVES = new Set([
  'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid',
]);

type FieldType =
  | { kind: 'primitive'; name: string }
  | { kind: 'array'; elem: FieldType }
  | { kind: 'struct'; struct: StructDef };

interface FieldDef {
  name: string; // camelCase
  jsonName: string;
  type: FieldType;
  versions: Range;
  nullable: Range;
  tagged: Range; // non-empty for tagged fields
  tag: number;
  defaultValue: string | number | boolean | undefined;
  flexibleOverride: Range | undefined; // field-level flexibleVersions (ClientId)
  bigint: boolean;
}

interface StructDef {
  tsName: string;
  fields: FieldDef[];
  versions: Range;
}

/** int64 fields that can legitimately exceed 2^53 and are decoded as bigint. None so far. */
const BIGINT_FIELDS = new Set<string>([]);

function camel(name: string): string {
  if (/^[A-Z0-9]+$/.test(name)) return name.toLowerCase();
  return name[0]!.toLowerCase() + name.slice(1);
}

function kebab(name: string): string {
  return name
    .replace(/KRaft/g, 'Kraft')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
}

class MessageModel {
  readonly structs: StructDef[] = [];
  readonly root: StructDef;
  readonly valid: Range;
  readonly flexible: Range;
  private readonly common = new Map<string, { versions: string; fields: RawField[] }>();
  private readonly built = new Map<string, StructDef>();

  constructor(readonly raw: RawMessage) {
    this.valid = parseRange(raw.validVersions, raw.name);
    this.flexible = parseRange(raw.flexibleVersions, raw.name);
    for (const cs of raw.commonStructs ?? []) this.common.set(cs.name, cs);
    this.root = this.buildStruct(raw.name, raw.name, raw.fields, this.valid);
  }

  private structTsName(structName: string): string {
    const base = this.raw.name;
    return structName.startsWith(base) ? structName : base + structName;
  }

  private buildStruct(structName: string, tsName: string, raw: RawField[], versions: Range): StructDef {
    const existing = this.built.get(structName);
    if (existing) return existing;
    const def: StructDef = { tsName, fields: [], versions };
    this.built.set(structName, def);
    this.structs.push(def);
    for (const f of raw) def.fields.push(this.buildField(f));
    return def;
  }

  private resolveStruct(typeName: string, f: RawField): StructDef {
    if (f.fields) return this.buildStruct(typeName, this.structTsName(typeName), f.fields, parseRange(f.versions, f.name));
    const cs = this.common.get(typeName);
    if (!cs) throw new Error(`${this.raw.name}.${f.name}: unknown struct type ${typeName}`);
    return this.buildStruct(typeName, this.structTsName(typeName), cs.fields, parseRange(cs.versions, typeName));
  }

  private buildType(typeName: string, f: RawField): FieldType {
    if (typeName.startsWith('[]')) return { kind: 'array', elem: this.buildType(typeName.slice(2), f) };
    if (PRIMITIVES.has(typeName)) return { kind: 'primitive', name: typeName };
    return { kind: 'struct', struct: this.resolveStruct(typeName, f) };
  }

  private buildField(f: RawField): FieldDef {
    const where = `${this.raw.name}.${f.name}`;
    const tagged = f.taggedVersions !== undefined ? parseRange(f.taggedVersions, where) : NONE;
    if (!isEmpty(tagged) && f.tag === undefined) throw new Error(`${where}: tagged field without tag`);
    return {
      name: camel(f.name),
      jsonName: f.name,
      type: this.buildType(f.type, f),
      versions: parseRange(f.versions, where),
      nullable: f.nullableVersions !== undefined ? parseRange(f.nullableVersions, where) : NONE,
      tagged,
      tag: f.tag ?? -1,
      defaultValue: f.default,
      flexibleOverride: f.flexibleVersions !== undefined ? parseRange(f.flexibleVersions, where) : undefined,
      bigint: BIGINT_FIELDS.has(where),
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Code generation helpers

/** A boolean expression over `version`, folded to 'true'/'false' where the context decides it. */
function versionCond(r: Range, ctx: Range): string {
  const eff = intersect(r, ctx);
  if (isEmpty(eff)) return 'false';
  const needMin = eff.min > ctx.min;
  const needMax = eff.max < ctx.max;
  if (!needMin && !needMax) return 'true';
  if (needMin && needMax) return eff.min === eff.max ? `version === ${eff.min}` : `version >= ${eff.min} && version <= ${eff.max}`;
  return needMin ? `version >= ${eff.min}` : `version <= ${eff.max}`;
}

function ternary(c: string, a: string, b: string): string {
  if (c === 'true' || a === b) return a;
  if (c === 'false') return b;
  return `(${c} ? ${a} : ${b})`;
}

function and(a: string, b: string): string {
  if (a === 'false' || b === 'false') return 'false';
  if (a === 'true') return b;
  if (b === 'true') return a;
  return `(${a}) && (${b})`;
}

function anyOverlap(a: Range, b: Range): boolean {
  return !isEmpty(intersect(a, b));
}

interface Ctx {
  msg: MessageModel;
  /** Versions in which the struct being generated can appear. */
  range: Range;
}

function flexExpr(ctx: Ctx, f: FieldDef | undefined): string {
  if (f?.flexibleOverride) return versionCond(f.flexibleOverride, ctx.range);
  // Inside a struct's functions a non-constant condition is held in the local `flexible`.
  const c = versionCond(ctx.msg.flexible, ctx.range);
  return c === 'true' || c === 'false' ? c : 'flexible';
}

function fieldRange(ctx: Ctx, f: FieldDef): Range {
  return intersect(ctx.range, f.versions);
}

function isNullableAnywhere(f: FieldDef, ctx: Ctx): boolean {
  return anyOverlap(f.nullable, fieldRange(ctx, f));
}

function tsType(t: FieldType, f: FieldDef): string {
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'int8': case 'int16': case 'uint16': case 'int32': case 'float64':
          return 'number';
        case 'int64':
          return f.bigint ? 'bigint' : 'number';
        case 'bool':
          return 'boolean';
        case 'string': case 'uuid':
          return 'string';
        case 'bytes': case 'records':
          return 'Buffer';
        default:
          throw new Error(`unknown primitive ${t.name}`);
      }
    case 'array':
      return `${tsType(t.elem, f)}[]`;
    case 'struct':
      return t.struct.tsName;
  }
}

function fieldTsType(f: FieldDef, ctx: Ctx): string {
  const base = tsType(f.type, f);
  const nullableDefault = f.defaultValue === 'null' || f.defaultValue === 'None';
  return isNullableAnywhere(f, ctx) || nullableDefault ? `${base} | null` : base;
}

function defaultExpr(f: FieldDef): string {
  const d = f.defaultValue;
  const dn = typeof d === 'string' ? d.trim() : d;
  const t = f.type;
  if (dn === 'null' || dn === 'None') return 'null';
  if (t.kind === 'array') return '[]';
  if (t.kind === 'struct') return `default${t.struct.tsName}()`;
  switch (t.name) {
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'int64': case 'float64': {
      let n = 0;
      if (dn !== undefined && dn !== '') {
        const s = String(dn);
        n = /^-?0x/i.test(s) ? parseInt(s, 16) : Number(s);
        if (!Number.isFinite(n)) throw new Error(`bad default ${s} for ${f.jsonName}`);
      }
      if (t.name === 'int64' && f.bigint) return `${n}n`;
      return String(n);
    }
    case 'bool':
      return String(dn === true || String(dn).toLowerCase() === 'true');
    case 'string':
      return JSON.stringify(dn === undefined ? '' : String(dn));
    case 'uuid':
      return 'ZERO_UUID';
    case 'bytes':
      return 'EMPTY_BUFFER';
    case 'records':
      // Kafka's generator starts records at null; a field that may not be null starts empty, so
      // that a default-built message encodes to something its own decoder accepts.
      return f.nullable.min <= f.nullable.max ? 'null' : 'EMPTY_BUFFER';
    default:
      throw new Error(`unknown primitive ${t.name}`);
  }
}

/** Minimum encoded size of one array element, for bounding array lengths against the input. */
function minSize(t: FieldType, flexible: string): number {
  if (t.kind === 'array') return 1;
  if (t.kind === 'struct') return flexible === 'false' ? 0 : 1;
  switch (t.name) {
    case 'int8': case 'bool': return 1;
    case 'int16': case 'uint16': return 2;
    case 'int32': return 4;
    case 'int64': case 'float64': return 8;
    case 'uuid': return 16;
    default: return 1;
  }
}

// Readers -------------------------------------------------------------------------------------------

function readPrimitive(name: string, r: string, flex: string, nullable: string, big: boolean): string {
  switch (name) {
    case 'int8': return `${r}.int8()`;
    case 'int16': return `${r}.int16()`;
    case 'uint16': return `${r}.uint16()`;
    case 'int32': return `${r}.int32()`;
    case 'int64': return big ? `${r}.int64Big()` : `${r}.int64()`;
    case 'float64': return `${r}.float64()`;
    case 'bool': return `${r}.bool()`;
    case 'uuid': return `${r}.uuid()`;
    case 'string':
      return ternary(nullable,
        ternary(flex, `${r}.compactNullableString()`, `${r}.nullableString()`),
        ternary(flex, `${r}.compactString()`, `${r}.string()`));
    case 'bytes': case 'records':
      return ternary(nullable,
        ternary(flex, `${r}.compactNullableBytesField()`, `${r}.nullableBytesField()`),
        ternary(flex, `${r}.compactBytesField()`, `${r}.bytesField()`));
    default:
      throw new Error(`unknown primitive ${name}`);
  }
}

/**
 * The function that reads one array element, `(r, version) => T`: the struct's reader, or one of the
 * codec's primitive element readers. A function defined once, not an arrow per call: reading or
 * sizing an array then allocates no closure (requests are decoded at high rates).
 */
function readElemFn(t: FieldType, flex: string, big: boolean): string {
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'int8': return 'readInt8Element';
        case 'int16': return 'readInt16Element';
        case 'uint16': return 'readUint16Element';
        case 'int32': return 'readInt32Element';
        case 'int64': return big ? 'readInt64BigElement' : 'readInt64Element';
        case 'float64': return 'readFloat64Element';
        case 'bool': return 'readBoolElement';
        case 'uuid': return 'readUuidElement';
        case 'string': return ternary(flex, 'readCompactStringElement', 'readStringElement');
        case 'bytes': case 'records': return ternary(flex, 'readCompactBytesElement', 'readBytesElement');
        default: throw new Error(`unknown primitive ${t.name}`);
      }
    case 'struct': return `read${t.struct.tsName}`;
    case 'array': throw new Error('nested arrays are not in the schema language');
  }
}

function readExpr(f: FieldDef, ctx: Ctx, r: string): string {
  const flex = flexExpr(ctx, f);
  const nullable = versionCond(f.nullable, fieldRange(ctx, f));
  const t = f.type;
  switch (t.kind) {
    case 'primitive':
      return readPrimitive(t.name, r, flex, nullable, f.bigint);
    case 'array': {
      const ms = minSize(t.elem, flex);
      return `readArray(${r}, ${flex}, ${nullable}, ${ms}, ${readElemFn(t.elem, flex, f.bigint)}, version)`;
    }
    case 'struct': {
      const s = `read${t.struct.tsName}(${r}, version)`;
      return ternary(nullable, `(${r}.int8() < 0 ? null : ${s})`, s);
    }
  }
}

// Sizes ---------------------------------------------------------------------------------------------

function sizePrimitive(name: string, v: string, flex: string): string {
  switch (name) {
    case 'int8': case 'bool': return '1';
    case 'int16': case 'uint16': return '2';
    case 'int32': return '4';
    case 'int64': case 'float64': return '8';
    case 'uuid': return '16';
    case 'string': return `sizeOfString(${v}, ${flex})`;
    case 'bytes': return `sizeOfBytes(${v}, ${flex})`;
    case 'records': return `sizeOfRecords(${v}, ${flex})`;
    default: throw new Error(`unknown primitive ${name}`);
  }
}

/** The function that sizes one array element, `(e, version) => number` (see readElemFn). */
function sizeElemFn(t: FieldType, flex: string): string {
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'string': return ternary(flex, 'sizeOfCompactStringElement', 'sizeOfStringElement');
        case 'bytes': case 'records': return ternary(flex, 'sizeOfCompactBytesElement', 'sizeOfBytesElement');
        default: throw new Error(`${t.name} elements have a fixed size`);
      }
    case 'struct': return `size${t.struct.tsName}`;
    case 'array': throw new Error('nested arrays are not in the schema language');
  }
}

const FIXED: Record<string, number> = { int8: 1, bool: 1, int16: 2, uint16: 2, int32: 4, int64: 8, float64: 8, uuid: 16 };

function sizeExpr(f: FieldDef, ctx: Ctx, v: string): string {
  const flex = flexExpr(ctx, f);
  const t = f.type;
  switch (t.kind) {
    case 'primitive':
      return sizePrimitive(t.name, v, flex);
    case 'array': {
      const fixed = t.elem.kind === 'primitive' ? FIXED[t.elem.name] : undefined;
      if (fixed !== undefined) return `(${v} === null ? sizeOfArrayLength(-1, ${flex}) : sizeOfArrayLength(${v}.length, ${flex}) + ${v}.length * ${fixed})`;
      return `sizeOfArray(${v}, ${flex}, ${sizeElemFn(t.elem, flex)}, version)`;
    }
    case 'struct': {
      const nullable = versionCond(f.nullable, fieldRange(ctx, f));
      const s = `size${t.struct.tsName}(${v}!, version)`;
      return ternary(nullable, `(${v} === null ? 1 : 1 + ${s})`, s);
    }
  }
}

// Writers -------------------------------------------------------------------------------------------

function writePrimitive(name: string, v: string, flex: string, big: boolean): string {
  switch (name) {
    case 'int8': return `w.int8(${v});`;
    case 'int16': return `w.int16(${v});`;
    case 'uint16': return `w.uint16(${v});`;
    case 'int32': return `w.int32(${v});`;
    case 'int64': return big ? `w.int64Big(${v});` : `w.int64(${v});`;
    case 'float64': return `w.float64(${v});`;
    case 'bool': return `w.bool(${v});`;
    case 'uuid': return `w.uuid(${v});`;
    case 'string': return `w.string(${v}, ${flex});`;
    case 'bytes': return `w.bytes(${v}, ${flex});`;
    case 'records': return `w.records(${v}, ${flex});`;
    default: throw new Error(`unknown primitive ${name}`);
  }
}

function writeElem(t: FieldType, v: string, flex: string, big: boolean): string {
  switch (t.kind) {
    case 'primitive': return writePrimitive(t.name, v, flex, big);
    case 'struct': return `write${t.struct.tsName}(w, ${v}, version);`;
    case 'array': throw new Error('nested arrays are not in the schema language');
  }
}

function writeStmt(f: FieldDef, ctx: Ctx, v: string): string {
  const flex = flexExpr(ctx, f);
  const t = f.type;
  switch (t.kind) {
    case 'primitive':
      return writePrimitive(t.name, v, flex, f.bigint);
    case 'array':
      return `if (${v} === null) w.arrayLength(-1, ${flex}); else { w.arrayLength(${v}.length, ${flex}); for (const e of ${v}) ${writeElem(t.elem, 'e', flex, f.bigint)} }`;
    case 'struct': {
      const nullable = versionCond(f.nullable, fieldRange(ctx, f));
      const s = `write${t.struct.tsName}(w, ${v}!, version);`;
      if (nullable === 'false') return s;
      const body = `if (${v} === null) w.int8(-1); else { w.int8(1); ${s} }`;
      return nullable === 'true' ? body : `if (${nullable}) { ${body} } else { ${s} }`;
    }
  }
}

/** An expression true when a tagged field holds its default (and so is left out). */
function isDefaultExpr(f: FieldDef, v: string): string {
  const d = defaultExpr(f);
  if (d === 'null') return `${v} === null`;
  const t = f.type;
  if (t.kind === 'array') return `${v} !== null && ${v}.length === 0`;
  if (t.kind === 'struct') return `${v} !== null && isDefault${t.struct.tsName}(${v})`;
  if (t.name === 'bytes') return `${v} !== null && ${v}.length === 0`;
  return `${v} === ${d}`;
}

// ---------------------------------------------------------------------------------------------------
// Per-struct emission

function structRange(msg: MessageModel, s: StructDef): Range {
  return intersect(msg.valid, s.versions);
}

function emitStruct(msg: MessageModel, s: StructDef, out: string[], taggedStructs: ReadonlySet<string>): void {
  const ctx: Ctx = { msg, range: structRange(msg, s) };
  const flexible = versionCond(msg.flexible, ctx.range);
  const hasTagBuffer = flexible !== 'false';
  const regular = s.fields.filter((f) => isEmpty(f.tagged));
  const tagged = s.fields.filter((f) => !isEmpty(f.tagged)).sort((a, b) => a.tag - b.tag);
  const flexDecl = flexible === 'true' || flexible === 'false' ? '' : `  const flexible = ${flexible};\n`;

  // interface
  out.push(`export interface ${s.tsName} {`);
  for (const f of s.fields) out.push(`  ${f.name}: ${fieldTsType(f, ctx)};`);
  if (hasTagBuffer) out.push('  unknownTaggedFields?: TaggedField[];');
  out.push('}', '');

  // defaults
  out.push(`export function default${s.tsName}(): ${s.tsName} {`);
  out.push(`  return { ${s.fields.map((f) => `${f.name}: ${defaultExpr(f)}`).join(', ')} };`);
  out.push('}', '');
  out.push(`export function create${s.tsName}(init: Partial<${s.tsName}> = {}): ${s.tsName} {`);
  out.push(`  return { ...default${s.tsName}(), ...init };`);
  out.push('}', '');

  // isDefault: only for structs that are tagged fields somewhere (a tagged field is left out when default)
  if (taggedStructs.has(s.tsName)) out.push(`function isDefault${s.tsName}(v: ${s.tsName}): boolean {`);
  if (taggedStructs.has(s.tsName)) {
    const checks = s.fields.map((f) => `(${isDefaultExpr(f, `v.${f.name}`)})`);
    // Unknown tagged fields are data too: a struct carrying them is written, so they survive.
    if (hasTagBuffer) checks.push('v.unknownTaggedFields === undefined');
    out.push(`  return ${checks.length === 0 ? 'true' : checks.join(' && ')};`);
    out.push('}', '');
  }

  // read
  out.push(`function read${s.tsName}(r: Reader, version: number): ${s.tsName} {`);
  out.push(flexDecl.trimEnd());
  for (const f of regular) {
    const c = versionCond(f.versions, ctx.range);
    out.push(`  const _${f.name}: ${fieldTsType(f, ctx)} = ${ternary(c, readExpr(f, ctx, 'r'), defaultExpr(f))};`);
  }
  for (const f of tagged) {
    out.push(`  let _${f.name}: ${fieldTsType(f, ctx)} = ${defaultExpr(f)};`);
  }
  if (hasTagBuffer) {
    out.push('  let unknownTaggedFields: TaggedField[] | undefined;');
    out.push(`  if (${flexible === 'true' ? 'true' : 'flexible'}) {`);
    out.push('    const numTags = r.uvarint();');
    out.push('    for (let i = 0; i < numTags; i++) {');
    out.push('      const tag = r.uvarint();');
    out.push('      const size = r.uvarint();');
    if (tagged.length > 0) {
      out.push('      r.need(size);');
      out.push('      switch (tag) {');
      for (const f of tagged) {
        const c = versionCond(f.tagged, ctx.range);
        out.push(`        case ${f.tag}:`);
        if (c !== 'false') {
          out.push(`          if (${c}) {`);
          out.push('            const t = new Reader(r.buf, r.pos, r.pos + size);');
          out.push(`            _${f.name} = ${readExpr(f, ctx, 't')};`);
          out.push(`            t.expectEnd('tagged field ${f.tag}');`);
          out.push('            r.pos += size;');
          out.push('            break;');
          out.push('          }');
        }
        out.push('          (unknownTaggedFields ??= []).push({ tag, data: r.bytes(size) });');
        out.push('          break;');
      }
      out.push('        default:');
      out.push('          (unknownTaggedFields ??= []).push({ tag, data: r.bytes(size) });');
      out.push('      }');
    } else {
      out.push('      (unknownTaggedFields ??= []).push({ tag, data: r.bytes(size) });');
    }
    out.push('    }');
    out.push('  }');
    out.push(`  const result: ${s.tsName} = { ${s.fields.map((f) => `${f.name}: _${f.name}`).join(', ')} };`);
    out.push('  if (unknownTaggedFields !== undefined) result.unknownTaggedFields = unknownTaggedFields;');
    out.push('  return result;');
  } else {
    out.push(`  return { ${s.fields.map((f) => `${f.name}: _${f.name}`).join(', ')} };`);
  }
  out.push('}', '');

  // size
  out.push(`function size${s.tsName}(v: ${s.tsName}, version: number): number {`);
  out.push(flexDecl.trimEnd());
  out.push('  let n = 0;');
  for (const f of regular) {
    const c = versionCond(f.versions, ctx.range);
    if (c === 'false') continue;
    const e = `n += ${sizeExpr(f, ctx, `v.${f.name}`)};`;
    out.push(c === 'true' ? `  ${e}` : `  if (${c}) ${e}`);
  }
  if (hasTagBuffer) {
    out.push(`  if (${flexible === 'true' ? 'true' : 'flexible'}) {`);
    out.push('    let numTags = 0;');
    for (const f of tagged) {
      const c = versionCond(f.tagged, ctx.range);
      if (c === 'false') continue;
      out.push(`    if (${and(c, `!(${isDefaultExpr(f, `v.${f.name}`)})`)}) {`);
      out.push('      numTags++;');
      out.push(`      const s = ${sizeExpr(f, ctx, `v.${f.name}`)};`);
      out.push(`      n += ${sizeOfUvarintConst(f.tag)} + sizeOfUvarint(s) + s;`);
      out.push('    }');
    }
    out.push('    if (v.unknownTaggedFields !== undefined) {');
    out.push('      numTags += v.unknownTaggedFields.length;');
    out.push('      for (const u of v.unknownTaggedFields) n += sizeOfUvarint(u.tag) + sizeOfUvarint(u.data.length) + u.data.length;');
    out.push('    }');
    out.push('    n += sizeOfUvarint(numTags);');
    out.push('  }');
  }
  out.push('  return n;');
  out.push('}', '');

  // write
  out.push(`function write${s.tsName}(w: Writer, v: ${s.tsName}, version: number): void {`);
  out.push(flexDecl.trimEnd());
  for (const f of regular) {
    const c = versionCond(f.versions, ctx.range);
    if (c === 'false') continue;
    const e = writeStmt(f, ctx, `v.${f.name}`);
    out.push(c === 'true' ? `  ${e}` : `  if (${c}) { ${e} }`);
  }
  if (hasTagBuffer) {
    out.push(`  if (${flexible === 'true' ? 'true' : 'flexible'}) {`);
    out.push('    const unknown = v.unknownTaggedFields;');
    out.push(`    ${tagged.length > 0 ? 'let' : 'const'} numTags = unknown === undefined ? 0 : unknown.length;`);
    const live: { f: FieldDef; cond: string }[] = [];
    for (const f of tagged) {
      const c = versionCond(f.tagged, ctx.range);
      if (c === 'false') continue;
      const cond = and(c, `!(${isDefaultExpr(f, `v.${f.name}`)})`);
      live.push({ f, cond });
      out.push(`    const has${f.tag} = ${cond};`);
      out.push(`    if (has${f.tag}) numTags++;`);
    }
    out.push('    w.uvarint(numTags);');
    out.push(`    ${tagged.length > 0 ? 'let' : 'const'} u = 0;`);
    for (const { f } of live) {
      out.push(`    u = writeUnknownTagsBelow(w, unknown, u, ${f.tag});`);
      out.push(`    if (has${f.tag}) {`);
      out.push(`      w.uvarint(${f.tag});`);
      out.push(`      w.uvarint(${sizeExpr(f, ctx, `v.${f.name}`)});`);
      out.push(`      ${writeStmt(f, ctx, `v.${f.name}`)}`);
      out.push('    }');
    }
    out.push('    writeUnknownTagsBelow(w, unknown, u, Infinity);');
    out.push('  }');
  }
  out.push('}', '');
}

function sizeOfUvarintConst(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
}

// Schema descriptor (for tests and tools: random message generation, field listings) ----------------

function rangeLit(r: Range): string {
  return isEmpty(r) ? 'null' : `[${r.min}, ${r.max === INF ? 'Infinity' : r.max}]`;
}

function typeLit(t: FieldType): string {
  switch (t.kind) {
    case 'primitive': return JSON.stringify(t.name);
    case 'array': return `{ array: ${typeLit(t.elem)} }`;
    case 'struct': return `{ struct: ${JSON.stringify(t.struct.tsName)} }`;
  }
}

function emitSchema(msg: MessageModel, out: string[]): void {
  out.push(`const structs: Record<string, FieldSchema[]> = {`);
  for (const s of msg.structs) {
    out.push(`  ${s.tsName}: [`);
    for (const f of s.fields) {
      const parts = [
        `name: ${JSON.stringify(f.name)}`,
        `type: ${typeLit(f.type)}`,
        `versions: ${rangeLit(f.versions)}`,
        `nullableVersions: ${rangeLit(f.nullable)}`,
        `taggedVersions: ${rangeLit(f.tagged)}`,
        `tag: ${f.tag}`,
        `bigint: ${f.bigint}`,
      ];
      if (f.flexibleOverride) parts.push(`flexibleVersions: ${rangeLit(f.flexibleOverride)}`);
      out.push(`    { ${parts.join(', ')} },`);
    }
    out.push('  ],');
  }
  out.push('};', '');
}

function emitMessage(msg: MessageModel, source: string): string {
  const raw = msg.raw;
  const out: string[] = [];
  out.push(`// Generated by scripts/protogen.ts from ${source}. Do not edit: run \`npm run protogen\`.`);
  out.push('/* eslint-disable */');
  out.push(
    "import { Reader, Writer, readArray, sizeOfArray, sizeOfArrayLength, sizeOfBytes, sizeOfRecords, sizeOfString, sizeOfUvarint, writeUnknownTagsBelow, ZERO_UUID, EMPTY_BUFFER } from '../codec/index.js';",
    "import { readInt8Element, readInt16Element, readUint16Element, readInt32Element, readInt64Element, readInt64BigElement, readFloat64Element, readBoolElement, readUuidElement, readStringElement, readCompactStringElement, readBytesElement, readCompactBytesElement, sizeOfStringElement, sizeOfCompactStringElement, sizeOfBytesElement, sizeOfCompactBytesElement } from '../codec/index.js';",
  );
  out.push("import type { FieldSchema, MessageDescriptor, TaggedField } from '../codec/index.js';");
  out.push('');
  const taggedStructs = new Set<string>();
  for (const s of msg.structs) {
    for (const f of s.fields) if (!isEmpty(f.tagged) && f.type.kind === 'struct') taggedStructs.add(f.type.struct.tsName);
  }
  for (const s of msg.structs) emitStruct(msg, s, out, taggedStructs);
  emitSchema(msg, out);
  const root = msg.root.tsName;
  const flexMin = isEmpty(msg.flexible) ? 'Infinity' : String(msg.flexible.min);
  out.push(`export const ${root}: MessageDescriptor<${root}> = {`);
  out.push(`  name: ${JSON.stringify(raw.name)},`);
  out.push(`  type: ${JSON.stringify(raw.type)},`);
  out.push(`  apiKey: ${raw.apiKey ?? -1},`);
  out.push(`  minVersion: ${msg.valid.min},`);
  out.push(`  maxVersion: ${msg.valid.max},`);
  out.push(`  flexibleMinVersion: ${flexMin},`);
  out.push(`  listeners: ${JSON.stringify(raw.listeners ?? [])},`);
  out.push(`  latestVersionUnstable: ${raw.latestVersionUnstable === true},`);
  out.push(`  read: read${root},`);
  out.push(`  size: size${root},`);
  out.push(`  write: write${root},`);
  out.push(`  create: create${root},`);
  out.push(`  root: ${JSON.stringify(root)},`);
  out.push('  structs,');
  out.push(`  defaults: { ${msg.structs.map((s) => `${s.tsName}: default${s.tsName}`).join(', ')} },`);
  out.push('};');
  return out.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// Driver

const DIRS = ['messages', 'metadata', 'group-coordinator', 'transaction-coordinator', 'raft', 'storage'];

export function generate(schemaDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const index: string[] = [
    '// Generated by scripts/protogen.ts. Do not edit: run `npm run protogen`.',
  ];
  const apis: { key: number; req: string; resp: string }[] = [];
  const byKey = new Map<number, { req?: string; resp?: string }>();
  const seen = new Set<string>();
  for (const d of DIRS) {
    const dir = join(schemaDir, d);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      const raw = JSON.parse(stripComments(readFileSync(join(dir, name), 'utf8'))) as RawMessage;
      const model = new MessageModel(raw);
      for (const s of model.structs) {
        if (seen.has(s.tsName)) throw new Error(`duplicate generated name ${s.tsName}`);
        seen.add(s.tsName);
      }
      const file = kebab(raw.name);
      files.set(`${file}.ts`, emitMessage(model, `${d}/${name}`));
      index.push(`export * from './${file}.js';`);
      if (raw.apiKey !== undefined && (raw.type === 'request' || raw.type === 'response')) {
        const e = byKey.get(raw.apiKey) ?? {};
        if (raw.type === 'request') e.req = raw.name;
        else e.resp = raw.name;
        byKey.set(raw.apiKey, e);
      }
    }
  }
  for (const [key, e] of [...byKey.entries()].sort((a, b) => a[0] - b[0])) {
    if (!e.req || !e.resp) throw new Error(`api ${key} lacks a request or a response`);
    apis.push({ key, req: e.req, resp: e.resp });
  }
  const apiLines = [
    '// Generated by scripts/protogen.ts. Do not edit: run `npm run protogen`.',
    "import type { ApiDescriptor } from '../codec/index.js';",
  ];
  for (const a of apis) {
    apiLines.push(`import { ${a.req} } from './${kebab(a.req)}.js';`);
    apiLines.push(`import { ${a.resp} } from './${kebab(a.resp)}.js';`);
  }
  apiLines.push('');
  apiLines.push('/** Every API of the protocol by api key: its request and response descriptors. */');
  apiLines.push('export const API_BY_KEY: ReadonlyMap<number, ApiDescriptor> = new Map<number, ApiDescriptor>([');
  for (const a of apis) {
    apiLines.push(`  [${a.key}, { apiKey: ${a.key}, name: ${JSON.stringify(a.req.replace(/Request$/, ''))}, request: ${a.req}, response: ${a.resp} }],`);
  }
  apiLines.push(']);');
  files.set('apis.ts', apiLines.join('\n') + '\n');
  index.push("export * from './apis.js';");
  files.set('index.ts', index.join('\n') + '\n');
  return files;
}

function main(): void {
  const args = process.argv.slice(2);
  const root = repoRoot();
  let schemaDir = resolve(root, '..', 'shared', 'kafka-protocol');
  let outDir = join(root, 'src', 'protocol', 'generated');
  let check = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--schemas') schemaDir = resolve(args[++i] ?? '');
    else if (a === '--out') outDir = resolve(args[++i] ?? '');
    else if (a === '--check') check = true;
    else throw new Error(`unknown argument ${a}`);
  }
  const files = generate(schemaDir);
  if (check) {
    const stale: string[] = [];
    for (const [name, text] of files) {
      const p = join(outDir, name);
      if (!existsSync(p) || readFileSync(p, 'utf8') !== text) stale.push(name);
    }
    for (const name of existsSync(outDir) ? readdirSync(outDir) : []) if (!files.has(name)) stale.push(name);
    if (stale.length > 0) {
      process.stderr.write(`generated code is out of date: ${stale.slice(0, 10).join(', ')}${stale.length > 10 ? ' ...' : ''}\n`);
      process.exit(1);
    }
    return;
  }
  if (existsSync(outDir) && statSync(outDir).isDirectory()) rmSync(outDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  process.stdout.write(`wrote ${files.size} files to ${outDir}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
