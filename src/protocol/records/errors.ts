import { DecodeError } from '../codec/index.js';

/**
 * A record batch or a record inside it is malformed (Kafka answers CORRUPT_MESSAGE or INVALID_RECORD).
 * It extends DecodeError so code that already catches decode failures catches these too.
 */
export class CorruptRecordsError extends DecodeError {
  override name = 'CorruptRecordsError';
}

/** The records section does not hold exactly the number of records the header declares. */
export class RecordCountError extends CorruptRecordsError {
  override name = 'RecordCountError';
}

/** Why a compressed payload could not be turned back into records. */
export type CompressionErrorKind =
  /** the bytes are not a valid stream of the batch's codec */
  | 'corrupt'
  /** decompressing would exceed the configured bound (a zip bomb, or a limit set too low) */
  | 'too-large'
  /** compression type 5..7, which no Kafka version defines */
  | 'unsupported';

export class CompressionError extends CorruptRecordsError {
  override name = 'CompressionError';
  readonly kind: CompressionErrorKind;

  constructor(kind: CompressionErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}
