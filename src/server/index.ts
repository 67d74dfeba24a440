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
export { ALL_HANDLERS, apiVersionsHandler } from './handlers/index.js';
