export * from './errors.js';
export * from './int64.js';
export * from './reader.js';
export * from './writer.js';
export * from './schema.js';
export * from './framing.js';
