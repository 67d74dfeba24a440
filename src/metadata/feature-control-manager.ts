import { BeginTransactionRecord, EndTransactionRecord, FeatureLevelRecord, ZkMigrationStateRecord, type UpdateFeaturesRequest, type UpdateFeaturesResponse } from '../protocol/index.js';
import type { ApiError } from './controller-api.js';
import { apiError, type ControllerResult, type ControllerView } from './controller-result.js';
import {
  METADATA_VERSION_FEATURE,
  MINIMUM_BOOTSTRAP_LEVEL,
  metadataVersionString,
  mv,
  type VersionRange,
} from './metadata-version.js';
import { record, type ApiMessageAndVersion } from './records.js';

/** UpdateFeatures upgrade types on the wire (v1+); v0 has allowDowngrade instead. */
export const UPGRADE_TYPE_UNKNOWN = 0;
export const UPGRADE_TYPE_UPGRADE = 1;
export const UPGRADE_TYPE_SAFE_DOWNGRADE = 2;
export const UPGRADE_TYPE_UNSAFE_DOWNGRADE = 3;

/**
 * Finalized feature levels (Kafka's FeatureControlManager): the bootstrap records of a new cluster
 * and UpdateFeatures. A level must be supported by this controller and by every registered broker;
 * downgrades need a downgrade type, and metadata.version downgrades are refused (they could lose
 * metadata), as Kafka 3.9 does.
 */
export class FeatureControlManager {
  readonly #view: ControllerView;
  readonly #supported: ReadonlyMap<string, VersionRange>;

  constructor(view: ControllerView, supported: ReadonlyMap<string, VersionRange>) {
    this.#view = view;
    this.#supported = supported;
  }

  /**
   * What an active controller writes to an empty log (Kafka's ActivationRecordsGenerator): the
   * metadata.version, the ZK migration state NONE, inside a metadata transaction where supported.
   */
  bootstrapRecords(metadataVersion: number): ApiMessageAndVersion[] {
    const records: ApiMessageAndVersion[] = [];
    const txn = mv.isMetadataTransactionSupported(metadataVersion);
    if (txn) records.push(record(BeginTransactionRecord, BeginTransactionRecord.create({ name: 'Bootstrap records' })));
    records.push(record(FeatureLevelRecord, FeatureLevelRecord.create({ name: METADATA_VERSION_FEATURE, featureLevel: metadataVersion })));
    if (mv.isMigrationSupported(metadataVersion)) records.push(record(ZkMigrationStateRecord, ZkMigrationStateRecord.create({ zkMigrationState: 0 })));
    if (txn) records.push(record(EndTransactionRecord, EndTransactionRecord.create({})));
    return records;
  }

  updateFeatures(request: UpdateFeaturesRequest, requestVersion: number): ControllerResult<UpdateFeaturesResponse> {
    const records: ApiMessageAndVersion[] = [];
    const results = request.featureUpdates.map((u) => ({ feature: u.feature, errorCode: 0, errorMessage: null as string | null }));
    const seen = new Set<string>();
    for (const u of request.featureUpdates) {
      if (seen.has(u.feature)) {
        return { records: [], response: topLevel(apiError('INVALID_REQUEST', `Feature ${u.feature} was specified more than once.`), results) };
      }
      seen.add(u.feature);
    }
    for (const u of request.featureUpdates) {
      const upgradeType = requestVersion === 0 ? (u.allowDowngrade ? UPGRADE_TYPE_SAFE_DOWNGRADE : UPGRADE_TYPE_UPGRADE) : u.upgradeType;
      const error = this.#updateFeature(u.feature, u.maxVersionLevel, upgradeType, records);
      if (error.errorCode !== 0) {
        // Kafka fails the whole request on the first bad update; every result carries the error.
        const all = results.map((r) => ({ ...r, errorCode: error.errorCode, errorMessage: error.errorMessage }));
        return { records: [], response: topLevel(error, all) };
      }
    }
    return { records: request.validateOnly ? [] : records, response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results } };
  }

  #updateFeature(name: string, level: number, upgradeType: number, records: ApiMessageAndVersion[]): ApiError {
    const invalid = (message: string): ApiError => apiError('INVALID_UPDATE_VERSION', `Invalid update version ${level} for feature ${name}. ${message}`);
    if (upgradeType < UPGRADE_TYPE_UPGRADE || upgradeType > UPGRADE_TYPE_UNSAFE_DOWNGRADE) {
      return invalid('The controller does not support the given upgrade type.');
    }
    const features = this.#view.latest().features;
    const current = name === METADATA_VERSION_FEATURE ? features.metadataVersion : (features.finalized.get(name) ?? 0);
    if (level < 0) return invalid('A feature version cannot be less than 0.');
    const reason = this.#reasonNotSupported(name, level);
    if (reason !== undefined) return invalid(reason);
    if (level < current && upgradeType === UPGRADE_TYPE_UPGRADE) {
      return invalid("Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
    }
    if (level > current && upgradeType !== UPGRADE_TYPE_UPGRADE) return invalid("Can't downgrade to a newer version.");
    if (name === METADATA_VERSION_FEATURE) {
      const invalidMv = (message: string): ApiError =>
        apiError('INVALID_UPDATE_VERSION', `Invalid metadata.version ${level}. ${message}`);
      if (metadataVersionString(level) === undefined) return invalidMv('Unknown metadata.version.');
      if (level < MINIMUM_BOOTSTRAP_LEVEL) return invalidMv(`Unable to set a metadata.version less than ${metadataVersionString(MINIMUM_BOOTSTRAP_LEVEL)}`);
      if (level < current) {
        if (upgradeType === UPGRADE_TYPE_UNSAFE_DOWNGRADE) return invalidMv('Unsafe metadata downgrade is not supported in this version.');
        return invalidMv('Refusing to perform the requested downgrade because it might delete metadata information.');
      }
    }
    records.push(record(FeatureLevelRecord, FeatureLevelRecord.create({ name, featureLevel: level })));
    return apiError('NONE');
  }

  #reasonNotSupported(name: string, level: number): string | undefined {
    const local = this.#supported.get(name);
    const what = `Local controller ${this.#view.nodeId}`;
    const r = notSupported(level, what, local ?? { min: 0, max: 0 });
    if (r !== undefined) return r;
    for (const b of this.#view.latest().brokers.values()) {
      const range = b.supportedFeatures.get(name);
      const rb = notSupported(level, `Broker ${b.id}`, range === undefined ? { min: 0, max: 0 } : { min: range.minVersion, max: range.maxVersion });
      if (rb !== undefined) return rb;
    }
    return undefined;
  }
}

function notSupported(level: number, what: string, range: VersionRange): string | undefined {
  if (level >= range.min && level <= range.max) return undefined;
  if (range.max === 0) return `${what} does not support this feature.`;
  return `${what} only supports versions ${range.min}-${range.max}`;
}

function topLevel(error: ApiError, results: { feature: string; errorCode: number; errorMessage: string | null }[]): UpdateFeaturesResponse {
  return { throttleTimeMs: 0, errorCode: error.errorCode, errorMessage: error.errorMessage, results };
}
