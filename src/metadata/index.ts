export * from './image.js';
export * from './controller-api.js';
