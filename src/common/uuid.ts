/**
 * Kafka's Uuid: 16 bytes shown as 22 characters of URL-safe base64 without padding. That string
 * form is how uuids travel through this code base (the codec reads and writes them as such).
 */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Kafka reserves 0..1 (ONE_UUID marks the metadata topic). */
export const ONE_UUID = 'AAAAAAAAAAAAAAAAAAAAAQ';

const UUID_RE = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export function isUuidString(s: string): boolean {
  return UUID_RE.test(s);
}

export function uuidToString(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`a uuid has 16 bytes, not ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('base64url');
}

export function uuidToBytes(s: string): Buffer {
  if (!isUuidString(s)) throw new RangeError(`not a uuid: ${JSON.stringify(s)}`);
  return Buffer.from(s, 'base64url');
}

/**
 * A random (version 4) uuid from `randomBytes`, as Kafka's Uuid.randomUuid: never the reserved
 * values, and never one whose string starts with '-' (it would read as a command-line flag).
 */
export function randomUuid(randomBytes: (n: number) => Uint8Array): string {
  for (;;) {
    const b = Buffer.from(randomBytes(16));
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const s = uuidToString(b);
    if (s !== ZERO_UUID && s !== ONE_UUID && !s.startsWith('-')) return s;
  }
}
