import { ErrorCode } from '../common/index.js';
import {
  BATCH_HEADER_SIZE,
  CompressionError,
  CompressionType,
  CorruptRecordsError,
  CURRENT_MAGIC,
  RecordBatch,
  TimestampType,
  batchSizeAt,
  validateBatch,
} from '../protocol/index.js';
import { NEVER, isCompacted } from '../storage/index.js';
import { PRODUCE_MAX_DECOMPRESSED_BYTES, RECORD_ERRORS_IN_MESSAGE } from './limits.js';
import type { PartitionConfig } from './partition-config.js';

/** One rejected record of a batch (ProduceResponse record_errors). */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string | null;
}

export type ProduceValidation =
  | { readonly ok: true; readonly batches: number; readonly producerIdBatches: number }
  | { readonly ok: false; readonly errorCode: number; readonly errorMessage: string | null; readonly recordErrors: readonly RecordError[] };

export interface ProduceValidationContext {
  /** Produce request version (v3+ allows exactly one v2 batch per partition). */
  readonly apiVersion: number;
  readonly config: PartitionConfig;
  readonly nowMs: number;
  /** `<topic>-<partition>`, for messages. */
  readonly partitionName: string;
}

/** Byte offset of the magic byte: the same in message formats v0, v1 and v2. */
const MAGIC_OFFSET = 16;

function reject(errorCode: number, errorMessage: string | null, recordErrors: readonly RecordError[] = []): ProduceValidation {
  return { ok: false, errorCode, errorMessage, recordErrors };
}

/**
 * The produce path's checks before storage sees the bytes, with Kafka's outcomes (its
 * ProduceRequest.validateRecords, UnifiedLog.analyzeAndValidateRecords and LogValidator):
 *
 * - request level: at least one batch; v3+: exactly one, of magic 2 (else INVALID_RECORD); formats
 *   v0/v1 in Produce v0-v2 are never stored here: UNSUPPORTED_FOR_MESSAGE_FORMAT; zstd before v7:
 *   UNSUPPORTED_COMPRESSION_TYPE;
 * - per batch: base offset 0, size within max.message.bytes (MESSAGE_TOO_LARGE), structure and CRC
 *   (CORRUPT_MESSAGE), offsets and count consistent, no control batch, a producer id comes with a
 *   sequence (INVALID_RECORD);
 * - per record, only when the topic asks for it (DESIGN.md: no per-record work otherwise): a key on
 *   compacted topics (INVALID_RECORD), CreateTime timestamps within message.timestamp.before/after.max.ms
 *   (INVALID_TIMESTAMP), both reported in record_errors with the record's index. Compressed batches
 *   are inflated only then, bounded by PRODUCE_MAX_DECOMPRESSED_BYTES.
 *
 * The CRC is checked here once; storage is then told so (`crcVerified`).
 */
export function validateProducedRecords(records: Buffer | null, ctx: ProduceValidationContext): ProduceValidation {
  if (records === null || records.length === 0) {
    return reject(ErrorCode.INVALID_RECORD, `Produce requests with version ${ctx.apiVersion} must have at least one record batch per partition`);
  }
  // First the framing of every batch (magic, size, count), then each batch's content.
  let batches = 0;
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos <= MAGIC_OFFSET) return reject(ErrorCode.CORRUPT_MESSAGE, `truncated record batch at byte ${pos}`);
    const magic = records.readInt8(pos + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) {
      if (ctx.apiVersion >= 3) {
        return reject(ErrorCode.INVALID_RECORD, `Produce requests with version ${ctx.apiVersion} may only carry record batches of magic 2, not ${magic}`);
      }
      if (magic === 0 || magic === 1) {
        return reject(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `message format v${magic} is not supported: this broker stores record batches v2 only`);
      }
      return reject(ErrorCode.CORRUPT_MESSAGE, `unknown magic ${magic} at byte ${pos}`);
    }
    const size = batchSizeAt(records, pos);
    if (size < BATCH_HEADER_SIZE || size > records.length - pos) {
      return reject(ErrorCode.CORRUPT_MESSAGE, `record batch at byte ${pos} declares ${size} bytes, ${records.length - pos} are there`);
    }
    pos += size;
    batches++;
    if (ctx.apiVersion >= 3 && batches > 1) {
      return reject(ErrorCode.INVALID_RECORD, `Produce requests with version ${ctx.apiVersion} may carry exactly one record batch per partition`);
    }
  }
  let producerIdBatches = 0;
  for (pos = 0; pos < records.length; ) {
    const size = batchSizeAt(records, pos);
    // Produce v3+ carries exactly one batch: then the buffer is the batch, no view is needed.
    const slice = size === records.length ? records : records.subarray(pos, pos + size);
    pos += size;
    const batch = new RecordBatch(slice);
    const problem = checkBatch(slice, batch, ctx);
    if (problem !== undefined) return problem;
    if (batch.producerId >= 0) producerIdBatches++;
    const recordProblem = checkRecords(batch, ctx);
    if (recordProblem !== undefined) return recordProblem;
  }
  if (batches === 1) return producerIdBatches === 0 ? OK_ONE_BATCH : OK_ONE_BATCH_WITH_PRODUCER_ID;
  return { ok: true, batches, producerIdBatches };
}

// The outcomes of nearly every produce, shared rather than built per request.
const OK_ONE_BATCH: ProduceValidation = Object.freeze({ ok: true, batches: 1, producerIdBatches: 0 });
const OK_ONE_BATCH_WITH_PRODUCER_ID: ProduceValidation = Object.freeze({ ok: true, batches: 1, producerIdBatches: 1 });

/** validateBatch checks the header and the CRC here; records are looked at only when the topic asks (checkRecords). */
const HEADER_AND_CRC_ONLY = Object.freeze({ records: false });

function checkBatch(slice: Buffer, batch: RecordBatch, ctx: ProduceValidationContext): ProduceValidation | undefined {
  const at = ctx.partitionName;
  if (slice.length > ctx.config.log.maxMessageBytes) {
    return reject(
      ErrorCode.MESSAGE_TOO_LARGE,
      `The record batch of ${slice.length} bytes to ${at} is larger than max.message.bytes (${ctx.config.log.maxMessageBytes})`,
    );
  }
  const problem = validateBatch(slice, HEADER_AND_CRC_ONLY);
  if (problem !== null) {
    const detail = problem.kind === 'bad-crc' ? `stored crc ${problem.stored}, computed ${problem.computed}` : JSON.stringify(problem);
    return reject(ErrorCode.CORRUPT_MESSAGE, `Record batch to ${at} is corrupt (${problem.kind}: ${detail})`);
  }
  if (batch.baseOffset !== 0) {
    return reject(ErrorCode.INVALID_RECORD, `The base offset of a produced record batch to ${at} must be 0, not ${batch.baseOffset}`);
  }
  if (ctx.apiVersion < 7 && batch.compression === CompressionType.zstd) {
    return reject(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${ctx.apiVersion} may not use zstd compression`);
  }
  const count = batch.recordCount;
  const countFromOffsets = batch.lastOffsetDelta + 1;
  if (countFromOffsets <= 0) return reject(ErrorCode.INVALID_RECORD, `Record batch to ${at} has an invalid offset range (last offset delta ${batch.lastOffsetDelta})`);
  if (count <= 0) return reject(ErrorCode.INVALID_RECORD, `Record batch to ${at} reports ${count} records`);
  if (count !== countFromOffsets) {
    return reject(ErrorCode.INVALID_RECORD, `Record batch to ${at} spans ${countFromOffsets} offsets but reports ${count} records`);
  }
  if (batch.isControl) return reject(ErrorCode.INVALID_RECORD, `Clients may not write control records (to ${at})`);
  if (batch.producerId >= 0 && batch.baseSequence < 0) {
    return reject(ErrorCode.INVALID_RECORD, `Record batch to ${at} from producer ${batch.producerId} has an invalid sequence ${batch.baseSequence}`);
  }
  return undefined;
}

/** Whether a record-level pass is needed at all (most topics: no). */
function needsRecordPass(batch: RecordBatch, ctx: ProduceValidationContext): boolean {
  const cfg = ctx.config;
  if (isCompacted(cfg.log.cleanupPolicy)) return true;
  if (batch.timestampType === TimestampType.LogAppendTime) return true;
  if (cfg.log.messageTimestampType !== 'CreateTime') return false;
  if (cfg.timestampBeforeMaxMs < NEVER) return true;
  // Only the upper bound is bounded: the header's max timestamp tells whether any record can break it.
  return cfg.timestampAfterMaxMs < NEVER && batch.maxTimestamp - ctx.nowMs > cfg.timestampAfterMaxMs;
}

function checkRecords(batch: RecordBatch, ctx: ProduceValidationContext): ProduceValidation | undefined {
  if (!needsRecordPass(batch, ctx)) return undefined;
  const cfg = ctx.config;
  const compacted = isCompacted(cfg.log.cleanupPolicy);
  const createTime = cfg.log.messageTimestampType === 'CreateTime';
  const errors: RecordError[] = [];
  let invalidTimestamp = false;
  let index = 0;
  try {
    for (const record of batch.records({ maxDecompressedBytes: PRODUCE_MAX_DECOMPRESSED_BYTES })) {
      if (compacted && record.key === null) {
        errors.push({ batchIndex: index, message: `Compacted topic cannot accept a record without a key (${ctx.partitionName})` });
      } else if (createTime && record.timestamp !== -1) {
        const age = ctx.nowMs - record.timestamp;
        if (age > cfg.timestampBeforeMaxMs || -age > cfg.timestampAfterMaxMs) {
          invalidTimestamp = true;
          errors.push({
            batchIndex: index,
            message:
              `Timestamp ${record.timestamp} of the record at offset ${record.offset} is out of range: ` +
              `it must be within [${ctx.nowMs - cfg.timestampBeforeMaxMs}, ${ctx.nowMs + cfg.timestampAfterMaxMs}]`,
          });
        }
      } else if (batch.timestampType === TimestampType.LogAppendTime) {
        invalidTimestamp = true;
        errors.push({ batchIndex: index, message: 'Producers may not set the timestamp type to LogAppendTime' });
      }
      index++;
    }
  } catch (e) {
    if (e instanceof CompressionError) return reject(ErrorCode.CORRUPT_MESSAGE, `Record batch to ${ctx.partitionName} cannot be decompressed: ${e.message}`);
    if (e instanceof CorruptRecordsError) return reject(ErrorCode.INVALID_RECORD, `Record batch to ${ctx.partitionName} has malformed records: ${e.message}`);
    throw e;
  }
  if (errors.length === 0) return undefined;
  if (invalidTimestamp) return reject(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', errors);
  const shown = errors
    .slice(0, RECORD_ERRORS_IN_MESSAGE)
    .map((e) => `{batchIndex=${e.batchIndex}, message=${e.message}}`)
    .join(', ');
  return reject(ErrorCode.INVALID_RECORD, `One or more records have been rejected due to ${errors.length} record errors in total, the first ones: [${shown}]`, errors);
}
