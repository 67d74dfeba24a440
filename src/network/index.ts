export { ConnectionCore, type CloseReason, type InboundRequest } from './connection-core.js';
export { Connection, type RequestSink } from './connection.js';
export { SocketServer, type BoundListener, type ListenerSpec, type SocketServerOptions } from './socket-server.js';
export {
  DEFAULT_NETWORK_LIMITS,
  MAX_CONNECTIONS_CEILING,
  connectionQuotasFromConfig,
  networkLimitsFromConfig,
  type ConnectionLimits,
  type ConnectionQuotaLimits,
  type NetworkLimits,
} from './limits.js';
