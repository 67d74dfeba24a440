import { LATEST_PRODUCTION_METADATA_VERSION, METADATA_VERSION_STRINGS } from '../config/index.js';

/**
 * metadata.version feature levels, after Kafka's MetadataVersion: 3.0-IV1 is level 1 (the first
 * KRaft version), each later version one more; 3.9-IV0 is 21. The record versions the controller
 * writes depend on it.
 */
export const METADATA_VERSION_FEATURE = 'metadata.version';
export const KRAFT_VERSION_FEATURE = 'kraft.version';
export const GROUP_VERSION_FEATURE = 'group.version';
export const TRANSACTION_VERSION_FEATURE = 'transaction.version';

const FIRST_KRAFT = METADATA_VERSION_STRINGS.indexOf('3.0-IV1');

/** The feature level of a metadata version string ('3.9-IV0', or '3.9' for its last IV); undefined before KRaft or unknown. */
export function metadataVersionLevel(version: string): number | undefined {
  let i = METADATA_VERSION_STRINGS.indexOf(version);
  if (i < 0) {
    // A release without "-IVn" means its last IV.
    const prefix = `${version}-IV`;
    for (let j = 0; j < METADATA_VERSION_STRINGS.length; j++) if ((METADATA_VERSION_STRINGS[j] as string).startsWith(prefix)) i = j;
  }
  if (i < FIRST_KRAFT) return undefined;
  return i - FIRST_KRAFT + 1;
}

/** The version string of a feature level, e.g. 21 → '3.9-IV0'. */
export function metadataVersionString(level: number): string | undefined {
  if (!Number.isInteger(level) || level < 1) return undefined;
  return METADATA_VERSION_STRINGS[FIRST_KRAFT + level - 1];
}

export const MINIMUM_KRAFT_LEVEL = 1;
/** 3.3-IV0: the first level with FeatureLevelRecord (Kafka's minimum bootstrap version). */
export const MINIMUM_BOOTSTRAP_LEVEL = metadataVersionLevel('3.3-IV0') as number;
export const LATEST_PRODUCTION_LEVEL = metadataVersionLevel(LATEST_PRODUCTION_METADATA_VERSION) as number;
export const LATEST_LEVEL = METADATA_VERSION_STRINGS.length - FIRST_KRAFT;

const level = (v: string): number => metadataVersionLevel(v) as number;

/** What each metadata.version allows, as Kafka's MetadataVersion predicates. */
export const mv = {
  isMigrationSupported: (l: number): boolean => l >= level('3.4-IV0'),
  isBrokerRegistrationChangeRecordSupported: (l: number): boolean => l >= level('3.3-IV2'),
  isInControlledShutdownStateSupported: (l: number): boolean => l >= level('3.3-IV3'),
  isMetadataTransactionSupported: (l: number): boolean => l >= level('3.6-IV1'),
  isDirectoryAssignmentSupported: (l: number): boolean => l >= level('3.7-IV2'),
  /** PartitionRecord / PartitionChangeRecord version (ELR, v2, arrives with 4.0). */
  partitionRecordVersion: (l: number): number => (l >= level('3.7-IV2') ? 1 : 0),
  registerBrokerRecordVersion: (l: number): number => {
    if (l >= level('3.7-IV2')) return 3;
    if (l >= level('3.3-IV3')) return 2;
    if (l >= level('3.4-IV0')) return 1;
    return 0;
  },
};

/** A supported feature level range. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The features this controller supports, as Kafka 3.9's QuorumFeatures.defaultFeatureMap: production
 * levels unless unstable versions are enabled.
 */
export function supportedFeatures(unstableEnabled: boolean): ReadonlyMap<string, VersionRange> {
  return new Map<string, VersionRange>([
    [METADATA_VERSION_FEATURE, { min: MINIMUM_KRAFT_LEVEL, max: unstableEnabled ? LATEST_LEVEL : LATEST_PRODUCTION_LEVEL }],
    [KRAFT_VERSION_FEATURE, { min: 0, max: 1 }],
    [GROUP_VERSION_FEATURE, { min: 0, max: unstableEnabled ? 1 : 0 }],
    [TRANSACTION_VERSION_FEATURE, { min: 0, max: unstableEnabled ? 2 : 0 }],
  ]);
}

/** Directory ids with special meaning (Kafka's DirectoryId). */
export const DIRECTORY_MIGRATING = 'AAAAAAAAAAAAAAAAAAAAAA';
export const DIRECTORY_UNASSIGNED = 'AAAAAAAAAAAAAAAAAAAAAQ';
export const DIRECTORY_LOST = 'AAAAAAAAAAAAAAAAAAAAAg';

/** Uuids Kafka reserves: the first 100 (Uuid(0, 0..99)). */
export function isReservedUuid(id: string): boolean {
  const b = Buffer.from(id, 'base64url');
  if (b.length !== 16) return false;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return (b[15] as number) < 100;
}
