/**
 * Command-line options as Kafka's tools read them (joptsimple): `--name value`, `--name=value`,
 * flags without a value, repeatable options, unique prefixes of a long name. Pure: a parse either
 * gives the options or throws a `UsageError` whose message is the one line the tool prints.
 *
 * Shared rules of every Kafka-named tool:
 * - `--zookeeper` is refused with one line pointing to `--bootstrap-server` (Gregor has no ZooKeeper);
 * - `--broker-list` is accepted as `--bootstrap-server` where Kafka's older tools took it;
 * - `--help` / `-h` print the tool's usage and exit 0, `--version` prints the version.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** Long name without dashes, as Kafka spells it. */
  readonly name: string;
  /** Absent: a flag. 'required': takes a value. 'optional': takes a value if one follows. */
  readonly arg?: 'required' | 'optional';
  /** Shown in the usage, e.g. `<String: topic>`. */
  readonly describedAs?: string;
  readonly help: string;
}

export interface ToolSpec {
  readonly tool: string;
  /** First line of the usage text. */
  readonly summary: string;
  readonly options: readonly OptionSpec[];
}

/** What a parse found: flags present, values per option (in order given), free arguments. */
export class ParsedOptions {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    readonly positional: readonly string[],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value given (joptsimple's valueOf takes the single one; repeating keeps the last). */
  value(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined || v.length === 0 ? undefined : v[v.length - 1];
  }

  all(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }

  /** An integer option, or undefined when absent; a non-integer is a usage error. */
  int(name: string): number | undefined {
    const v = this.value(name);
    if (v === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(v.trim())) throw new UsageError(`Cannot parse argument '${v}' of option ${name}`);
    return Number(v.trim());
  }

  required(name: string): string {
    const v = this.value(name);
    if (v === undefined) throw new UsageError(`Missing required argument "[${name}]"`);
    return v;
  }

  /** The names of the options present (for "exactly one action" checks). */
  present(names: readonly string[]): string[] {
    return names.filter((n) => this.has(n));
  }
}

export const BOOTSTRAP_SERVER: OptionSpec = {
  name: 'bootstrap-server',
  arg: 'required',
  describedAs: 'server to connect to',
  help: 'REQUIRED: The Kafka server(s) to connect to, host:port[,host:port].',
};
export const COMMAND_CONFIG: OptionSpec = {
  name: 'command-config',
  arg: 'required',
  describedAs: 'command config property file',
  help: 'Property file containing configs to be passed to the admin client.',
};
export const HELP: OptionSpec = { name: 'help', help: 'Print usage information.' };
export const VERSION: OptionSpec = { name: 'version', help: 'Display Kafka version.' };

export const ZOOKEEPER_REFUSAL =
  '--zookeeper is not supported: Gregor has no ZooKeeper. Connect to the broker instead with --bootstrap-server localhost:9092.';

/**
 * Parses argv against a tool's options. `brokerListAlias`: `--broker-list` means `--bootstrap-server`.
 * Throws UsageError for --zookeeper, unknown options, missing values.
 */
export function parseOptions(spec: ToolSpec, argv: readonly string[], brokerListAlias = true): ParsedOptions {
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const add = (name: string, value: string | undefined): void => {
    const list = values.get(name) ?? [];
    if (value !== undefined) list.push(value);
    values.set(name, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') {
      add('help', undefined);
      continue;
    }
    if (!a.startsWith('--') || a === '--') {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`${a.replace(/^-+/, '')} is not a recognized option`);
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const raw = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    if (raw === 'zookeeper') throw new UsageError(ZOOKEEPER_REFUSAL);
    const name = raw === 'broker-list' && brokerListAlias && byName.has('bootstrap-server') ? 'bootstrap-server' : resolveName(byName, raw);
    const opt = byName.get(name) as OptionSpec;
    if (opt.arg === undefined) {
      if (inline !== undefined) throw new UsageError(`Option ${name} does not take an argument`);
      add(name, undefined);
      continue;
    }
    if (inline !== undefined) {
      add(name, inline);
      continue;
    }
    const next = argv[i + 1];
    const nextIsValue = next !== undefined && (!next.startsWith('--') || next === '--');
    if (opt.arg === 'required') {
      if (next === undefined || (next.startsWith('--') && next.length > 2 && byNamePrefix(byName, next.slice(2).split('=')[0] as string))) {
        throw new UsageError(`Option ${name} requires an argument`);
      }
      add(name, next);
      i++;
    } else if (nextIsValue) {
      add(name, next);
      i++;
    } else {
      add(name, undefined);
    }
  }
  return new ParsedOptions(values, positional);
}

function byNamePrefix(byName: ReadonlyMap<string, OptionSpec>, raw: string): boolean {
  if (raw === 'zookeeper' || raw === 'broker-list') return true;
  for (const n of byName.keys()) if (n.startsWith(raw)) return true;
  return false;
}

/** Exact name, else a unique prefix (joptsimple's abbreviations). */
function resolveName(byName: ReadonlyMap<string, OptionSpec>, raw: string): string {
  if (byName.has(raw)) return raw;
  const matches = raw === '' ? [] : [...byName.keys()].filter((n) => n.startsWith(raw));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) throw new UsageError(`Option ${raw} is ambiguous; possibilities: ${matches.map((m) => `--${m}`).join(', ')}`);
  throw new UsageError(`${raw} is not a recognized option`);
}

/** Kafka's usage layout: summary, then an `Option / Description` table. */
export function usageText(spec: ToolSpec): string {
  const rows = spec.options.map((o) => {
    const arg = o.arg === undefined ? '' : o.arg === 'required' ? ` <${o.describedAs ?? 'String'}>` : ` [${o.describedAs ?? 'String'}]`;
    return [`--${o.name}${arg}`, o.help] as const;
  });
  const width = Math.max('Option'.length, ...rows.map(([left]) => left.length)) + 2;
  const lines = [spec.summary, 'Option'.padEnd(width) + 'Description', '------'.padEnd(width) + '-----------'];
  for (const [left, help] of rows) lines.push(left.padEnd(width) + help);
  return `${lines.join('\n')}\n`;
}

/** `k=v` strings (from --config, --property, --producer-property ...) as a map; `k=` keeps ''. */
export function parseKeyValues(items: readonly string[], what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid ${what} '${item}': expected key=value`);
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  return out;
}

/** Comma-separated `k=v` pairs, as kafka-configs' --add-config takes them ([a,b] groups list values). */
export function parseConfigList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let cur = '';
  const parts: string[] = [];
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') parts.push(cur);
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid entity config: all configs to be added must be in the format "key=val"; got '${p}'`);
    const v = p.slice(eq + 1).trim();
    out.set(p.slice(0, eq).trim(), v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v);
  }
  return out;
}
