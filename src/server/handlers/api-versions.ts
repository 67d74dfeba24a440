import { ErrorCode } from '../../common/index.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

/** KIP-511's rule for client software names and versions (Kafka's ApiVersionsRequest.isValid). */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/**
 * ApiVersions (all versions): the ranges of the registered handlers. From v3 the client names its
 * software; a valid name and version are recorded on the connection (Kafka shows them in its
 * metrics and logs), an invalid one gets INVALID_REQUEST as in Kafka. An unsupported version never
 * reaches here: the pipeline answers it in v0 (KIP-511). No features are advertised yet.
 */
export const apiVersionsHandler = defineHandler({
  apiKey: ApiVersionsRequest.apiKey,
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx) {
    if (ctx.apiVersion >= 3) {
      const valid =
        SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareName) && SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareVersion);
      if (!valid) return ApiVersionsResponse.create({ errorCode: ErrorCode.INVALID_REQUEST });
      ctx.connection.clientSoftwareName = request.clientSoftwareName;
      ctx.connection.clientSoftwareVersion = request.clientSoftwareVersion;
    }
    return ApiVersionsResponse.create({
      errorCode: ErrorCode.NONE,
      apiKeys: ctx.apiVersions.map((v) => ({ apiKey: v.apiKey, minVersion: v.minVersion, maxVersion: v.maxVersion })),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
  },
});
