/**
 * Storage outcomes the broker maps to Kafka error codes at its one boundary. The `code` names are
 * Kafka's error names verbatim so the mapping is a table lookup.
 */
export type StorageErrorCode =
  | 'KAFKA_STORAGE_ERROR'
  | 'OFFSET_OUT_OF_RANGE'
  | 'CORRUPT_MESSAGE'
  | 'INVALID_RECORD'
  | 'MESSAGE_TOO_LARGE'
  | 'RECORD_LIST_TOO_LARGE'
  | 'UNSUPPORTED_FOR_MESSAGE_FORMAT'
  | 'INVALID_TIMESTAMP'
  | 'POLICY_VIOLATION';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

/**
 * A segment's bytes are not the batches they should be (found while reading, not during
 * recovery): an operating error, so the log goes offline rather than serving or skipping them.
 */
export class CorruptSegmentError extends Error {
  override name = 'CorruptSegmentError';
}

/** A sink for operating errors; the broker passes its logger. */
export interface StorageLogger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

export const SILENT_LOGGER: StorageLogger = {
  error() {},
  warn() {},
  info() {},
};
