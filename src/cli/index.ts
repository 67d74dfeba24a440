export * from './args.js';
export { KafkaLogger, formatLogTimestamp, isLogLevel, type KafkaLoggerOptions, type LogLevel } from './kafka-logger.js';
export { CliError, loadPropertiesFile, mergeOverrides } from './properties-file.js';
export {
  LISTENING_LINE_RE,
  SHUTDOWN_TIMEOUT_MS,
  addImplicitControllerListener,
  listeningLine,
  runServerStart,
  type BrokerAddress,
  type BrokerHandle,
  type BrokerOptions,
  type ServerStartDeps,
  type StartBroker,
} from './server-start.js';
export { runStorageTool, type StorageToolIo } from './storage-tool.js';
export { gregorMain, kafkaServerStartMain, kafkaStorageMain, runMain } from './main.js';
export { packageRoot, packageVersion, shippedServerProperties } from './package-files.js';
export * from './perf-args.js';
export { producerPerfMain, type PerfIo } from './perf-producer.js';
export { consumerPerfMain } from './perf-consumer.js';
