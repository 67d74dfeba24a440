/**
 * A configuration problem, worded as Kafka's ConfigException so operators recognise it:
 * `Invalid value <value> for configuration <name>: <reason>`.
 */
export class ConfigException extends Error {
  override name = 'ConfigException';
  /** Every problem found, when several are reported at once (the message joins them). */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.problems = problems;
  }

  static invalid(name: string, value: unknown, reason?: string): ConfigException {
    return new ConfigException(invalidValueMessage(name, value, reason));
  }
}

export function invalidValueMessage(name: string, value: unknown, reason?: string): string {
  return `Invalid value ${formatJava(value)} for configuration ${name}${reason === undefined ? '' : `: ${reason}`}`;
}

/** Renders a value as Java's toString would (lists as `[a, b]`), so messages match Kafka's. */
export function formatJava(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatJava).join(', ')}]`;
  if (value === null || value === undefined) return 'null';
  return String(value);
}
