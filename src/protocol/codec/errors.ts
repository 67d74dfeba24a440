/**
 * The one error a decoder throws on malformed input. Anything else escaping a decoder is a bug.
 * The network layer closes the connection on it, as Kafka does for an unparseable frame.
 */
export class DecodeError extends Error {
  override name = 'DecodeError';
}
