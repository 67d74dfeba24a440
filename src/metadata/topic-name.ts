/** Kafka's topic name rules (org.apache.kafka.common.internals.Topic). */
export const TOPIC_NAME_MAX_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, in Kafka's words; undefined when it is legal. */
export function invalidTopicReason(name: string): string | undefined {
  let reason: string | undefined;
  if (name.length === 0) reason = 'the empty string is not allowed';
  else if (name === '.') reason = "'.' is not allowed";
  else if (name === '..') reason = "'..' is not allowed";
  else if (name.length > TOPIC_NAME_MAX_LENGTH) reason = `the length of '${name}' is longer than the max allowed length ${TOPIC_NAME_MAX_LENGTH}`;
  else if (!LEGAL.test(name)) reason = `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return reason === undefined ? undefined : `Topic name is invalid: ${reason}`;
}

/** '.' and '_' collide in metric names, so Kafka refuses topics differing only by them. */
export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_');
}

export function unifyCollisionChars(name: string): string {
  return name.replaceAll('.', '_');
}
