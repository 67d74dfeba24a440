export * from './errors.js';
export * from './compression.js';
export * from './record.js';
export * from './record-batch.js';
export * from './builder.js';
export * from './control.js';
