/** Programmer errors: a failed assertion means a bug in Gregor, never bad input from a client. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/**
 * The message is evaluated before the call, even when the condition holds: on hot paths, write
 * `if (!condition) throw new AssertionError(\`...${x}\`)` rather than pass a template literal here
 * (a string per call otherwise, which the GC then has to collect).
 */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Ends every `switch` over a union: the compiler proves it unreachable. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${String(value)}`);
}
