import { ConfigException } from './config-exception.js';

/** Bound on input size: a properties file is tiny; anything this large is a mistake (or an attack). */
export const PROPERTIES_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Parses Java `.properties` text with the semantics of java.util.Properties.load that matter for
 * server.properties: `#`/`!` comment lines, `key=value`, `key: value` and `key value`, leading
 * whitespace ignored, a trailing odd backslash continues the line (the continuation's leading whitespace
 * is dropped), escapes `\t \n \r \f \uXXXX` and `\x` for any other x. Later keys win.
 * Values keep trailing whitespace, as Java does; config parsing trims them.
 */
export function parseProperties(text: string): Map<string, string> {
  if (text.length > PROPERTIES_MAX_CHARS) {
    throw new ConfigException(`properties text too large: ${text.length} chars (limit ${PROPERTIES_MAX_CHARS})`);
  }
  const out = new Map<string, string>();
  for (const logical of logicalLines(text)) {
    const [key, value] = splitKeyValue(logical);
    out.set(unescape(key), unescape(value));
  }
  return out;
}

const WS = new Set([' ', '\t', '\f']);

/** Joins continuation lines and drops blank and comment lines. */
function* logicalLines(text: string): Generator<string> {
  const natural = text.split(/\r\n|\r|\n/);
  let pending: string | null = null;
  for (const line of natural) {
    const stripped = skipLeadingWhitespace(line);
    if (pending === null) {
      // A comment or blank line can only start a logical line; it never continues.
      if (stripped === '' || stripped.startsWith('#') || stripped.startsWith('!')) continue;
      pending = '';
    }
    if (endsWithOddBackslashes(stripped)) {
      pending += stripped.slice(0, -1);
      continue;
    }
    yield pending + stripped;
    pending = null;
  }
  if (pending !== null && pending !== '') yield pending; // file ended inside a continuation
}

function skipLeadingWhitespace(line: string): string {
  let i = 0;
  while (i < line.length && WS.has(line[i] as string)) i++;
  return line.slice(i);
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** The key ends at the first unescaped `=`, `:` or whitespace; one separator and whitespace around it go. */
function splitKeyValue(line: string): [string, string] {
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || WS.has(c)) break;
    i++;
  }
  const key = line.slice(0, Math.min(i, line.length));
  let j = i;
  while (j < line.length && WS.has(line[j] as string)) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) j++;
  while (j < line.length && WS.has(line[j] as string)) j++;
  return [key, line.slice(j)];
}

function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++i];
    if (next === undefined) break;
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConfigException('Malformed \\uxxxx encoding.');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += next;
    }
  }
  return out;
}

/** Bound on the number of `--override` arguments. */
export const OVERRIDES_MAX = 10_000;

/**
 * Parses `--override key=value` arguments (Kafka's kafka-server-start): split at the first `=`;
 * the key is trimmed, the value kept (config parsing trims it). A missing `=` or empty key is an error.
 */
export function parseOverrides(args: readonly string[]): Map<string, string> {
  if (args.length > OVERRIDES_MAX) throw new ConfigException(`too many overrides: ${args.length} (limit ${OVERRIDES_MAX})`);
  const out = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? '' : arg.slice(0, eq).trim();
    if (key === '') throw new ConfigException(`Invalid override '${arg}': expected key=value`);
    out.set(key, arg.slice(eq + 1));
  }
  return out;
}
