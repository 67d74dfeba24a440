export * from './assert.js';
