/**
 * The MetadataVersion strings Kafka 3.9 accepts for `inter.broker.protocol.version` and
 * `message.format.version` (both deprecated in KRaft, still validated), in Kafka's order.
 * 3.9-IV0 is the latest production version; the 4.0 ones exist but are unstable.
 */
export const METADATA_VERSION_STRINGS: readonly string[] = [
  '0.8.0', '0.8.1', '0.8.2', '0.9.0',
  '0.10.0-IV0', '0.10.0-IV1', '0.10.1-IV0', '0.10.1-IV1', '0.10.1-IV2', '0.10.2-IV0',
  '0.11.0-IV0', '0.11.0-IV1', '0.11.0-IV2', '1.0-IV0', '1.1-IV0', '2.0-IV0', '2.0-IV1',
  '2.1-IV0', '2.1-IV1', '2.1-IV2', '2.2-IV0', '2.2-IV1', '2.3-IV0', '2.3-IV1', '2.4-IV0', '2.4-IV1',
  '2.5-IV0', '2.6-IV0', '2.7-IV0', '2.7-IV1', '2.7-IV2', '2.8-IV0', '2.8-IV1', '3.0-IV0', '3.0-IV1',
  '3.1-IV0', '3.2-IV0', '3.3-IV0', '3.3-IV1', '3.3-IV2', '3.3-IV3', '3.4-IV0', '3.5-IV0', '3.5-IV1',
  '3.5-IV2', '3.6-IV0', '3.6-IV1', '3.6-IV2', '3.7-IV0', '3.7-IV1', '3.7-IV2', '3.7-IV3', '3.7-IV4',
  '3.8-IV0', '3.9-IV0', '4.0-IV0', '4.0-IV1',
];

export const LATEST_PRODUCTION_METADATA_VERSION = '3.9-IV0';

const PRODUCTION = METADATA_VERSION_STRINGS.slice(0, METADATA_VERSION_STRINGS.indexOf(LATEST_PRODUCTION_METADATA_VERSION) + 1);

/** Full strings, plus each production release without its "-IVn" suffix (it means the release's last one). */
const ACCEPTED = new Set<string>([...METADATA_VERSION_STRINGS, ...PRODUCTION.map((v) => v.replace(/-IV\d+$/, ''))]);

/**
 * As Kafka's MetadataVersion.fromVersionString: extra dotted segments are ignored (`3.9.1` means `3.9`;
 * `0.10.2.1` means `0.10.2`), then the rest must be a known version.
 */
export function isValidMetadataVersion(text: string): boolean {
  const segments = text.split('.');
  const keep = text.startsWith('0.') ? 3 : 2;
  const key = segments.length > keep ? segments.slice(0, keep).join('.') : text;
  return ACCEPTED.has(key);
}
