/**
 * A client tool: a pure `parse` (argv → what to do, or help, or a usage error) and a `run` against
 * an injected ToolIo. `runTool` is the shared frame: help on stdout (exit 0), usage errors and
 * failures as one line on stderr (exit 1), a stack trace only for bugs.
 */
import { printError, type ToolIo } from './context.js';
import { UsageError, parseOptions, usageText, type ParsedOptions, type ToolSpec } from './options.js';

export type Parsed<A> =
  | { readonly kind: 'run'; readonly args: A }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

export interface Tool<A> {
  readonly name: string;
  parse(argv: readonly string[]): Parsed<A>;
  run(args: A, io: ToolIo): Promise<number>;
}

/**
 * Parses with a tool's option table, then `build` checks combinations and makes the arguments.
 * No arguments at all prints the usage (exit 1 via error), as Kafka's tools do.
 */
export function parseWith<A>(spec: ToolSpec, argv: readonly string[], build: (o: ParsedOptions) => A, brokerListAlias = true): Parsed<A> {
  try {
    const o = parseOptions(spec, argv, brokerListAlias);
    if (o.has('help')) return { kind: 'help', text: usageText(spec) };
    if (o.has('version')) return { kind: 'version' };
    return { kind: 'run', args: build(o) };
  } catch (e) {
    if (e instanceof UsageError) return { kind: 'error', message: e.message };
    throw e;
  }
}

/** Throws the usage error for free arguments a tool does not take (e.g. `--create zookeeper x`). */
export function noPositional(o: ParsedOptions): void {
  if (o.positional.length > 0) {
    const first = o.positional[0] as string;
    const hint = first === 'zookeeper' ? ' (did you mean --bootstrap-server? Gregor has no ZooKeeper)' : '';
    throw new UsageError(`Found non argument parameters: ${o.positional.join(',')}${hint}`);
  }
}

export function requireBootstrap(o: ParsedOptions): string {
  return o.required('bootstrap-server');
}

export async function runTool<A>(tool: Tool<A>, argv: readonly string[], io: ToolIo): Promise<number> {
  let parsed: Parsed<A>;
  try {
    parsed = tool.parse(argv);
  } catch (e) {
    return printError(io, e);
  }
  switch (parsed.kind) {
    case 'help':
      io.stdout(parsed.text);
      return 0;
    case 'version':
      io.stdout(`${io.version} (Gregor, Apache Kafka 3.9 compatible)\n`);
      return 0;
    case 'error':
      io.stderr(`Error: ${parsed.message}\n`);
      return 1;
    case 'run':
      try {
        return await tool.run(parsed.args, io);
      } catch (e) {
        return printError(io, e);
      }
  }
}
