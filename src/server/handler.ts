import type { ApiVersionsResponseApiVersion, MessageDescriptor, RequestHeader } from '../protocol/index.js';
import type { SocketAddress } from '../common/index.js';

/** Reply meaning "the client expects no answer" (Produce with acks=0); the request still keeps its place in line. */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');
/** Reply meaning "close this connection" (Kafka does so, e.g., when an acks=0 produce fails). */
export const CLOSE_CONNECTION: unique symbol = Symbol('CLOSE_CONNECTION');

export type HandlerReply<Res> = Res | typeof NO_RESPONSE | typeof CLOSE_CONNECTION;

/** What a handler may know and record about the connection a request came on. */
export interface ClientConnection {
  readonly id: string;
  readonly listenerName: string;
  readonly remote: SocketAddress;
  /** KIP-511 client information, set by the ApiVersions handler from v3 requests. */
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface RequestContext {
  readonly header: RequestHeader;
  readonly apiVersion: number;
  readonly connection: ClientConnection;
  /** The ranges this server advertises in ApiVersions: exactly its registered handlers'. */
  readonly apiVersions: readonly ApiVersionsResponseApiVersion[];
}

/**
 * One API's handler: one file under handlers/, declaring the api key and the versions it
 * implements. It returns a response body (or a promise of one); it reports protocol outcomes as
 * error codes in the body. A throw is a bug: the client gets UNKNOWN_SERVER_ERROR.
 */
export interface ApiHandler<Req = any, Res = any> {
  readonly apiKey: number;
  readonly request: MessageDescriptor<Req>;
  readonly response: MessageDescriptor<Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * False for requests the client expects no response to (Produce with acks=0). A failure of such
   * a request closes the connection, as in Kafka: there is no response to carry the error.
   */
  expectsResponse?(request: Req, version: number): boolean;
  handle(request: Req, ctx: RequestContext): HandlerReply<Res> | Promise<HandlerReply<Res>>;
}

/** Identity, for type inference of a handler's request and response types. */
export function defineHandler<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return handler;
}
