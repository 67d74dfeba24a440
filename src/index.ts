/** Gregor's public entry point: start a broker in process, or use the building blocks. */
export { startBroker, type BoundAddress, type BrokerHandle, type BrokerOptions } from './server/index.js';
export { Kafka } from './kafka.js';
export * from './client/index.js';
