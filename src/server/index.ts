export {
  CLOSE_CONNECTION,
  NO_RESPONSE,
  defineHandler,
  type ApiHandler,
  type ClientConnection,
  type HandlerReply,
  type RequestContext,
} from './handler.js';
export { HandlerRegistry } from './handler-registry.js';
export { buildErrorResponse } from './error-response.js';
export { RequestPipeline } from './request-pipeline.js';
export { startServer, type RunningServer, type ServerListener, type ServerOptions } from './server.js';
export { apiVersionsHandler } from './handlers/index.js';
export {
  BOOTSTRAP_CHECKPOINT_FILE,
  META_PROPERTIES_FILE,
  FormatterException,
  decodeBootstrapCheckpoint,
  defaultBootstrapMetadata,
  describeBootstrapMetadata,
  encodeBootstrapCheckpoint,
  ensureFormatted,
  formatStorage,
  metadataVersionFeatureLevel,
  MINIMUM_BOOTSTRAP_METADATA_VERSION,
  readBootstrapMetadata,
  readStorageInfo,
  renderStorageInfo,
  resolveReleaseVersion,
  storageDirectories,
  type BootstrapMetadata,
  type FeatureLevel,
  type FormatOptions,
  type FormatResult,
  type StorageEnv,
  type StorageInfo,
  type StorageState,
} from './storage-format.js';
export { createBrokerHandlers } from './handlers/index.js';
export type { BrokerContext } from './broker-context.js';
export { startBroker, type BoundAddress, type BrokerHandle, type BrokerOptions } from './broker.js';
