/**
 * Logging, injected: modules log through this interface so tests can capture what was said and
 * the process entry point decides where lines go. Fields carry the facts (connection id,
 * correlation id, api key) so that a line can be matched to a request without parsing prose.
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

function ignore(): void {}

/** Discards everything (for tools and tests that do not care). */
export const NOOP_LOGGER: Logger = Object.freeze({ error: ignore, warn: ignore, info: ignore, debug: ignore });
