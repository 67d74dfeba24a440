import { readFileSync } from 'node:fs';
import { parseOverrides, parseProperties } from '../config/index.js';

/** Thrown for a problem the operator must fix; the tools print its message without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Reads a Java .properties file (Kafka's Utils.loadProps). */
export function loadPropertiesFile(path: string, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): Map<string, string> {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new CliError(`Cannot read properties file ${path}: ${reason}`);
  }
  return parseProperties(text);
}

/** File properties with `--override k=v` applied on top (later wins), as kafka-server-start merges them. */
export function mergeOverrides(props: ReadonlyMap<string, string>, overrides: readonly string[]): Map<string, string> {
  return new Map([...props, ...parseOverrides(overrides)]);
}
