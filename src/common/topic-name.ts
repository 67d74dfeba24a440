/**
 * Kafka's topic name rules (org.apache.kafka.common.internals.Topic): one definition for the
 * controller (CreateTopics, config changes), the broker's handlers (Metadata, DescribeConfigs, ...)
 * and the tools, with Kafka 3.9's messages, which clients show to users as they are.
 */
export const TOPIC_NAME_MAX_LENGTH = 249;

/** Why `name` is not a legal topic name, in Kafka's words ("Topic name is invalid: ..."); undefined when it is legal. */
export function invalidTopicReason(name: string): string | undefined {
  const reason = whyInvalid(name);
  return reason === undefined ? undefined : `Topic name is invalid: ${reason}`;
}

export function isValidTopicName(name: string): boolean {
  return whyInvalid(name) === undefined;
}

/** Metric names turn '.' into '_', so topics that differ only there collide; Kafka warns about or refuses them. */
export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_');
}

/** The form two colliding names share (only for comparing; never a real topic name). */
export function unifyCollisionChars(name: string): string {
  return name.replaceAll('.', '_');
}

const LEGAL = /^[a-zA-Z0-9._-]+$/;

function whyInvalid(name: string): string | undefined {
  if (name.length === 0) return 'the empty string is not allowed';
  if (name === '.') return "'.' is not allowed";
  if (name === '..') return "'..' is not allowed";
  if (name.length > TOPIC_NAME_MAX_LENGTH) return `the length of '${name}' is longer than the max allowed length ${TOPIC_NAME_MAX_LENGTH}`;
  if (!LEGAL.test(name)) return `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}
