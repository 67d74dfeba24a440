import type { ConfigValue, Validator } from './types.js';
import { formatJava } from './config-exception.js';
import { isValidMetadataVersion, METADATA_VERSION_STRINGS } from './metadata-version.js';
import { parseQuorumBootstrapServers, parseQuorumVoters } from './endpoints.js';

/** Kafka's Range.atLeast: `[min,...]`. */
export function atLeast(min: number): Validator {
  return {
    check: (v) => (typeof v === 'number' && v < min ? `Value must be at least ${min}` : undefined),
    describe: `[${min},...]`,
  };
}

/** Kafka's Range.between: `[min,...,max]`. */
export function between(min: number, max: number): Validator {
  return {
    check(v) {
      if (typeof v !== 'number') return undefined;
      if (v < min) return `Value must be at least ${min}`;
      if (v > max) return `Value must be no more than ${max}`;
      return undefined;
    },
    describe: `[${formatNumber(min)},...,${formatNumber(max)}]`,
  };
}

/** Kafka's ValidString.in: one of a fixed set, case-sensitive. */
export function oneOf(...allowed: string[]): Validator {
  return {
    check: (v) => (typeof v === 'string' && !allowed.includes(v) ? `String must be one of: ${allowed.join(', ')}` : undefined),
    describe: `[${allowed.join(', ')}]`,
  };
}

/** Kafka's ValidList.in: every element one of a fixed set. */
export function listOf(...allowed: string[]): Validator {
  return {
    check(v) {
      if (!Array.isArray(v)) return undefined;
      for (const item of v as readonly string[]) {
        if (!allowed.includes(item)) return { value: item, reason: `String must be one of: ${allowed.join(', ')}` };
      }
      return undefined;
    },
    describe: `[${allowed.join(', ')}]`,
  };
}

/** Kafka's NonNullValidator. Values parsed from text are never null, so this only documents intent. */
export const nonNull: Validator = {
  check: (v) => (v === null ? 'entry must be non null' : undefined),
  describe: 'non-null string',
};

/** gzip accepts its levels 1..9 or -1, zlib's "default compression". */
export const gzipLevel: Validator = {
  check: (v) =>
    typeof v === 'number' && (v > 9 || (v < 1 && v !== -1)) ? 'Value must be between 1 and 9 or equal to -1' : undefined,
  describe: '[1,...,9] or -1',
};

/** message.format.version and inter.broker.protocol.version: a MetadataVersion Kafka 3.9 knows. */
export const metadataVersion: Validator = {
  check: (v) => (typeof v === 'string' && !isValidMetadataVersion(v) ? `Version ${v} is not a valid version` : undefined),
  describe: `[${METADATA_VERSION_STRINGS.join(', ')}]`,
};

/** leader/follower.replication.throttled.replicas: `*` or `partition:broker` pairs. */
export const throttledReplicaList: Validator = {
  check(v, name) {
    if (!Array.isArray(v)) return undefined;
    const items = (v as readonly string[]).map((s) => s.trim());
    if (items.every((s) => /^([0-9]+:[0-9]+)?$/.test(s)) || items.join('') === '*') return undefined;
    return `${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`;
  },
  describe: '[partitionId]:[brokerId],[partitionId]:[brokerId],...',
};

/** controller.quorum.voters: `id@host:port` entries. */
export const quorumVoters: Validator = {
  check: (v) => reasonOf(() => parseQuorumVoters(v as readonly string[])),
  describe: 'non-empty list',
};

/** controller.quorum.bootstrap.servers: `host:port` entries. */
export const quorumBootstrapServers: Validator = {
  check: (v) => reasonOf(() => parseQuorumBootstrapServers(v as readonly string[])),
  describe: 'non-empty list',
};

/**
 * max.connections.per.ip.overrides: Kafka's CSV map "host:count,host:count" (hosts as written,
 * lower-case). Throws an Error naming the bad entry.
 */
export function parseConnectionsPerIpOverrides(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const at = entry.lastIndexOf(':');
    const host = at > 0 ? entry.slice(0, at).trim() : '';
    const count = at > 0 ? entry.slice(at + 1).trim() : '';
    if (host === '' || !/^\d+$/.test(count) || Number(count) > 0x7fffffff) throw new Error(`entry "${entry}" is not host:count`);
    if (!/^[A-Za-z0-9.:_-]+$/.test(host)) throw new Error(`max.connections.per.ip.overrides contains invalid addresses : ${host}`);
    out.set(host.toLowerCase(), Number(count));
  }
  return out;
}

export const connectionsPerIpOverrides: Validator = {
  check: (v) => (typeof v === 'string' ? reasonOf(() => parseConnectionsPerIpOverrides(v)) : undefined),
  describe: 'host:count,...',
};

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function formatNumber(n: number): string {
  return formatJava(n);
}

export type { ConfigValue };
