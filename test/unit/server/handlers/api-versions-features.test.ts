import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advertisedFeatures } from '../../../../src/server/handlers/api-versions.js';
import type { MetadataImage } from '../../../../src/metadata/index.js';

const supported = new Map([
  ['metadata.version', { min: 1, max: 21 }],
  ['kraft.version', { min: 0, max: 1 }],
]);
const image = {
  provenance: { lastContainedOffset: 42, lastContainedEpoch: 1, lastContainedLogTimeMs: 0 },
  features: { metadataVersion: 21, finalized: new Map([['metadata.version', 21], ['group.version', 0]]) },
} as unknown as MetadataImage;

test('ApiVersions features: v4 lists every supported feature; v3 leaves out a minimum of 0 (KAFKA-17492)', () => {
  const v4 = advertisedFeatures({ supported, image: () => image }, 4);
  assert.deepEqual(v4.supportedFeatures.map((f) => [f.name, f.minVersion, f.maxVersion]), [
    ['metadata.version', 1, 21],
    ['kraft.version', 0, 1],
  ]);
  const v3 = advertisedFeatures({ supported, image: () => image }, 3);
  assert.deepEqual(v3.supportedFeatures.map((f) => f.name), ['metadata.version']);
});

test('ApiVersions features: finalized levels above 0, epoch = the image offset; none without an image', () => {
  const r = advertisedFeatures({ supported, image: () => image }, 4);
  assert.deepEqual(r.finalizedFeatures, [{ name: 'metadata.version', minVersionLevel: 21, maxVersionLevel: 21 }]);
  assert.equal(r.finalizedFeaturesEpoch, 42);
  assert.deepEqual(advertisedFeatures(undefined, 4), { supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [] });
});
