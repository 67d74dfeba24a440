import { ErrorCode, KafkaError, type ErrorName } from '../common/index.js';

export { KafkaError };

/** A KafkaError for a non-zero code from a response, with the broker's message when it sent one. */
export function responseError(code: number, context: string, brokerMessage?: string | null): KafkaError {
  const probe = new KafkaError(code);
  const detail = brokerMessage !== undefined && brokerMessage !== null && brokerMessage !== '' ? brokerMessage : probe.message;
  return new KafkaError(code, `${context}: ${detail}`);
}

export function clientError(name: ErrorName, message: string): KafkaError {
  return new KafkaError(name, message);
}

/** Retriable as Kafka's client sees it: the error class extends RetriableException. */
export function isRetriable(e: unknown): boolean {
  return e instanceof KafkaError && e.retriable;
}

/** Errors that mean our picture of leaders or topics is stale: refresh metadata before retrying. */
const STALE_METADATA = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

export function invalidatesMetadata(code: number): boolean {
  return STALE_METADATA.has(code);
}

/** The client (or one of its producers, consumers, admins) was closed: nothing more can be done with it. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** A call that does not fit the client's state (Kafka's IllegalStateException): assign while subscribed, and the like. */
export class IllegalStateError extends Error {
  override readonly name = 'IllegalStateError';
}

/** A record of a transaction that was aborted before the record was sent (Kafka's TransactionAbortedException). */
export class TransactionAbortedError extends Error {
  override readonly name = 'TransactionAbortedError';
}
