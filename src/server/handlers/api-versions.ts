import { ErrorCode } from '../../common/index.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/index.js';
import type { MetadataImage } from '../../metadata/index.js';
import { defineHandler } from '../handler.js';

/** What a broker advertises about feature flags: its own supported ranges and the cluster's finalized levels. */
export interface FeatureAdvertisement {
  readonly supported: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
  readonly image: () => MetadataImage;
}

/** KIP-511's rule for client software names and versions (Kafka's ApiVersionsRequest.isValid). */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/**
 * ApiVersions (all versions): the ranges of the registered handlers. From v3 the client names its
 * software; a valid name and version are recorded on the connection (Kafka shows them in its
 * metrics and logs), an invalid one gets INVALID_REQUEST as in Kafka. An unsupported version never
 * reaches here: the pipeline answers it in v0 (KIP-511). Features (v3+): the broker's supported
 * ranges and the finalized levels of the current metadata image, whose offset is the features epoch;
 * before v4 a feature whose minimum is 0 is left out, as Kafka 3.9 does (older clients reject a 0
 * minimum, KAFKA-17492). Without `features` (a bare server), none are advertised.
 */
export function createApiVersionsHandler(features?: FeatureAdvertisement) {
  return defineHandler({
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
        ...advertisedFeatures(features, ctx.apiVersion),
        zkMigrationReady: false,
      });
    },
  });
}

/** The features-less handler of a bare server (no metadata image). */
export const apiVersionsHandler = createApiVersionsHandler();

export function advertisedFeatures(features: FeatureAdvertisement | undefined, apiVersion: number) {
  if (features === undefined) return { supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [] };
  const image = features.image();
  const supportedFeatures = [...features.supported]
    .filter(([, r]) => apiVersion >= 4 || r.min > 0)
    .map(([name, r]) => ({ name, minVersion: r.min, maxVersion: r.max }));
  const finalizedFeatures = [...image.features.finalized]
    .filter(([, level]) => level > 0)
    .map(([name, level]) => ({ name, minVersionLevel: level, maxVersionLevel: level }));
  return { supportedFeatures, finalizedFeaturesEpoch: image.provenance.lastContainedOffset, finalizedFeatures };
}
