import { ConfigException, invalidValueMessage } from './config-exception.js';
import { assertNever } from '../common/index.js';
import { Password, type ConfigSpec, type ConfigType, type ConfigValue, type Problem } from './types.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const SHORT_MIN = -32768;
const SHORT_MAX = 32767;
const LONG_MIN_TEXT = '-9223372036854775808';
const LONG_MAX_TEXT = '9223372036854775807';
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * Parses one value as Kafka's ConfigDef.parseType does for a string: trimmed; booleans case-insensitive;
 * integers in Java's range for the type; lists split on commas with surrounding spaces (an empty string
 * is an empty list). Throws ConfigException in Kafka's wording.
 *
 * A long is a JS number: values beyond ±(2^53-1) saturate to Number.MAX_SAFE_INTEGER / MIN_SAFE_INTEGER.
 * Kafka uses Long.MAX_VALUE to mean "never" / "unbounded", and saturation keeps that meaning while
 * letting callers do plain arithmetic; formatValue renders a saturated value as Long.MAX_VALUE again.
 */
export function parseValue(name: string, type: ConfigType, raw: string): ConfigValue {
  const text = raw.trim();
  switch (type) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw ConfigException.invalid(name, raw, 'Expected value to be either true or false');
    }
    case 'short':
      return parseInteger(name, raw, text, SHORT_MIN, SHORT_MAX, 'SHORT');
    case 'int':
      return parseInteger(name, raw, text, INT_MIN, INT_MAX, 'INT');
    case 'long':
      return parseLong(name, raw, text);
    case 'double':
      return parseDouble(name, raw, text);
    case 'string':
    case 'class':
      return text;
    case 'password':
      return new Password(text);
    case 'list':
      return text === '' ? [] : text.split(/\s*,\s*/);
    default:
      return assertNever(type, 'config type');
  }
}

// Java's Integer.parseInt accepts an optional sign and decimal digits, nothing else.
const INTEGER = /^[+-]?\d+$/;

function parseInteger(name: string, raw: string, text: string, min: number, max: number, typeName: string): number {
  if (!INTEGER.test(text)) throw ConfigException.invalid(name, raw, `Not a number of type ${typeName}`);
  const n = Number(text);
  if (n < min || n > max) throw ConfigException.invalid(name, raw, `Not a number of type ${typeName}`);
  return n === 0 ? 0 : n; // never -0
}

function parseLong(name: string, raw: string, text: string): number {
  if (!INTEGER.test(text)) throw ConfigException.invalid(name, raw, 'Not a number of type LONG');
  const big = BigInt(text);
  if (big < LONG_MIN || big > LONG_MAX) throw ConfigException.invalid(name, raw, 'Not a number of type LONG');
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(big);
}

// Java's Double.parseDouble: decimal or exponent notation, optional d/f suffix, NaN and Infinity.
const DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/;

function parseDouble(name: string, raw: string, text: string): number {
  if (!DOUBLE.test(text)) throw ConfigException.invalid(name, raw, 'Not a number of type DOUBLE');
  return Number(text.replace(/[dDfF]$/, ''));
}

/** Renders a value the way Kafka's ConfigDef.convertToString does (what DescribeConfigs reports). */
export function formatValue(type: ConfigType, value: ConfigValue | null): string | null {
  if (value === null) return null;
  switch (type) {
    case 'long':
      return formatLong(value as number);
    case 'double':
      return formatJavaDouble(value as number);
    case 'list':
      return (value as readonly string[]).join(',');
    case 'password':
      return '[hidden]';
    case 'boolean':
    case 'short':
    case 'int':
    case 'string':
    case 'class':
      return String(value);
    default:
      return assertNever(type, 'config type');
  }
}

function formatLong(v: number): string {
  if (v >= Number.MAX_SAFE_INTEGER) return LONG_MAX_TEXT;
  if (v <= Number.MIN_SAFE_INTEGER) return LONG_MIN_TEXT;
  return String(v);
}

/** Java's Double.toString: plain notation in [1e-3, 1e7), else d.dddE±n; integers keep a ".0". */
export function formatJavaDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '', exponent = ''] = v.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.replace('+', '')}`;
}

/** Kafka's wording for a failed validator check. */
export function problemMessage(name: string, value: ConfigValue, problem: Problem): string {
  return typeof problem === 'string'
    ? invalidValueMessage(name, value, problem)
    : invalidValueMessage(name, problem.value, problem.reason);
}

/** Parses and validates one value against its definition. Throws ConfigException. */
export function parseAndValidate(name: string, spec: ConfigSpec, raw: string): ConfigValue {
  const value = parseValue(name, spec.type, raw);
  const problem = spec.validator?.check(value, name);
  if (problem !== undefined) throw new ConfigException(problemMessage(name, value, problem));
  return value;
}
