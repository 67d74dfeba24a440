import type { RequestInfo } from '../../coordinator/index.js';
import type { RequestContext } from '../handler.js';

/** Who sent a group request, as Kafka records it on members: client id and "/<address>". */
export function groupRequestInfo(ctx: RequestContext): RequestInfo {
  return { apiVersion: ctx.apiVersion, clientId: ctx.header.clientId ?? '', clientHost: `/${ctx.connection.remote.host}` };
}
