/** Bounds of the replication module, named in one place (DESIGN.md §1.7). */

/**
 * Largest decompressed records section the produce path will inflate to check records (compacted
 * topics, timestamp bounds). A batch is at most max.message.bytes compressed; this bounds what a
 * compression bomb can cost.
 */
export const PRODUCE_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Record errors listed in a produce response's error_message (all are in record_errors). */
export const RECORD_ERRORS_IN_MESSAGE = 3;

/**
 * Delayed operations (fetch long polls, acks=all produces) waiting at once. Each is bounded by its
 * request's timeout and every connection has a bounded number of requests in flight; this is the
 * backstop: past it a new operation completes at once instead of waiting.
 */
export const MAX_DELAYED_OPERATIONS = 100_000;

/** Longest wait a fetch may ask for (Kafka has no bound; a day keeps timers sane). */
export const MAX_FETCH_WAIT_MS = 24 * 60 * 60 * 1000;

/** Partitions one fetch session may hold (Kafka bounds sessions by count only; this bounds their size too). */
export const MAX_SESSION_PARTITIONS = 100_000;

/** Kafka's FetchSessionCache eviction: a session younger than this is not evicted for a newcomer. */
export const FETCH_SESSION_EVICTION_MS = 120_000;
