export * from './assert.js';
export * from './crc32c.js';
