export * from './codec/index.js';
export * from './generated/index.js';
export * from './frames.js';
export * from './records/index.js';
export { BufferPool, RECORDS_BUFFER_POOL } from './buffer-pool.js';
export * from './consumer-protocol.js';
