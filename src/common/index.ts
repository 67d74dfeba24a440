export * from './assert.js';
export * from './file-system.js';
export * from './clock.js';
export * from './crc32c.js';
export * from './errors.js';
export * from './logger.js';
export * from './transport.js';
export * from './uuid.js';
