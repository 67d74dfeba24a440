import { ErrorCode } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { API_VERSIONS_KEY, DecodeError, decodeBody, encodeResponseFrame, encodeUnsupportedApiVersionsResponse } from '../protocol/index.js';
import type { Connection, InboundRequest, RequestSink } from '../network/index.js';
import { buildErrorResponse } from './error-response.js';
import { CLOSE_CONNECTION, NO_RESPONSE } from './handler.js';
import type { ApiHandler, HandlerReply, RequestContext } from './handler.js';
import type { HandlerRegistry } from './handler-registry.js';

/**
 * From a header-parsed request to its response, with Kafka's answers to bad input:
 * - unknown api key, or an API this server does not run: the connection is closed (Kafka's
 *   SocketServer fails the header parse with InvalidRequestException and closes);
 * - a version of a known API outside the advertised range: closed as well, except ApiVersions,
 *   which Kafka accepts at any version and answers in v0 with UNSUPPORTED_VERSION and its own range
 *   (KIP-511), so the client can retry with a version we speak;
 * - a body that does not decode: closed (Kafka fails the request parse on the network thread);
 * - a handler that throws or rejects: UNKNOWN_SERVER_ERROR for that request, built from the
 *   schemas, logged with the correlation id; the connection carries on. For a request that
 *   expects no response (acks=0) there is nothing to carry the error, so Kafka closes; so do we.
 */
export class RequestPipeline implements RequestSink {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly logger: Logger,
  ) {}

  onRequest(request: InboundRequest, connection: Connection): void {
    const { header, api } = request;
    const apiKey = header.requestApiKey;
    const version = header.requestApiVersion;
    const handler = this.registry.get(apiKey);
    if (api === undefined || handler === undefined) {
      const what = api === undefined ? `unknown api key ${apiKey}` : `api key ${apiKey} (${api.name}) is not enabled`;
      connection.close({ kind: 'rejected', message: `${what}, correlation id ${header.correlationId}` });
      return;
    }
    if (!this.registry.supports(apiKey, version)) {
      if (apiKey === API_VERSIONS_KEY) {
        const own = this.registry.range(API_VERSIONS_KEY);
        connection.respond(request, encodeUnsupportedApiVersionsResponse(header.correlationId, own === undefined ? [] : [own]));
        return;
      }
      connection.close({ kind: 'rejected', message: `${api.name} version ${version} is not supported, correlation id ${header.correlationId}` });
      return;
    }
    let body: unknown;
    try {
      body = decodeBody(handler.request, request.frame, request.bodyOffset, version);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      connection.close({ kind: 'malformed', message: `${api.name} v${version} correlation id ${header.correlationId}: ${e.message}` });
      return;
    }
    const expectsResponse = handler.expectsResponse?.(body, version) ?? true;
    const ctx: RequestContext = { header, apiVersion: version, connection, apiVersions: this.registry.apiVersions };
    let reply: HandlerReply<unknown> | Promise<HandlerReply<unknown>>;
    try {
      reply = handler.handle(body, ctx);
    } catch (e) {
      this.fail(connection, request, handler, body, expectsResponse, e);
      return;
    }
    if (reply instanceof Promise) {
      reply.then(
        (r) => this.finish(connection, request, handler, body, expectsResponse, r),
        (e: unknown) => this.fail(connection, request, handler, body, expectsResponse, e),
      );
    } else {
      this.finish(connection, request, handler, body, expectsResponse, reply);
    }
  }

  private finish(c: Connection, request: InboundRequest, h: ApiHandler, body: unknown, expectsResponse: boolean, reply: HandlerReply<unknown>): void {
    if (reply === NO_RESPONSE || (!expectsResponse && reply !== CLOSE_CONNECTION)) {
      c.respond(request, null);
      return;
    }
    if (reply === CLOSE_CONNECTION) {
      c.close({ kind: 'rejected', message: `closed by the ${h.request.name} handler, correlation id ${request.header.correlationId}` });
      return;
    }
    let frame: Buffer[];
    try {
      frame = encodeResponseFrame(request.header.correlationId, h.apiKey, request.header.requestApiVersion, h.response, reply);
    } catch (e) {
      this.fail(c, request, h, body, expectsResponse, e);
      return;
    }
    c.respond(request, frame);
  }

  private fail(c: Connection, request: InboundRequest, h: ApiHandler, body: unknown, expectsResponse: boolean, error: unknown): void {
    const { header } = request;
    this.logger.error('error handling request', {
      connectionId: c.id,
      correlationId: header.correlationId,
      apiKey: header.requestApiKey,
      apiVersion: header.requestApiVersion,
      clientId: header.clientId,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    if (!expectsResponse) {
      c.close({ kind: 'rejected', message: `failed ${h.request.name} that expects no response, correlation id ${header.correlationId}` });
      return;
    }
    let frame: Buffer[];
    try {
      const response = buildErrorResponse(h.request, h.response, body, header.requestApiVersion, ErrorCode.UNKNOWN_SERVER_ERROR);
      frame = encodeResponseFrame(header.correlationId, h.apiKey, header.requestApiVersion, h.response, response);
    } catch (e) {
      // Not even an error response can be encoded: the client would wait forever, so close.
      this.logger.error('cannot encode error response', { connectionId: c.id, correlationId: header.correlationId, error: String(e) });
      c.close({ kind: 'rejected', message: `no error response for correlation id ${header.correlationId}` });
      return;
    }
    c.respond(request, frame);
  }
}
