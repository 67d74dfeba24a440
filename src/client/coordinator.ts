import { ErrorCode, KafkaError } from '../common/index.js';
import { Apis } from './apis.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { responseError } from './errors.js';

/** FindCoordinator's key types. */
export const CoordinatorType = { group: 0, transaction: 1 } as const;
export type CoordinatorTypeName = keyof typeof CoordinatorType;

export interface CoordinatorNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/**
 * FindCoordinator for several keys: one batched request (v4+) or one request per key (older
 * brokers). Each key maps to its coordinator or to the error the broker gave for it.
 */
export async function findCoordinators(cluster: Cluster, type: CoordinatorTypeName, keys: readonly string[]): Promise<Map<string, CoordinatorNode | KafkaError>> {
  const out = new Map<string, CoordinatorNode | KafkaError>();
  const unique = [...new Set(keys)];
  if (unique.length === 0) return out;
  const conn = await cluster.anyConnection();
  const version = conn.versionOf(Apis.FindCoordinator);
  if (version < 0) throw new KafkaError('UNSUPPORTED_VERSION', `FindCoordinator: broker ${conn.describe()} does not support it`);
  if (version >= 4) {
    const r = await conn.send(Apis.FindCoordinator, { key: '', keyType: CoordinatorType[type], coordinatorKeys: unique }, { version });
    for (const c of r.coordinators) {
      out.set(c.key, c.errorCode === 0 ? { nodeId: c.nodeId, host: c.host, port: c.port } : responseError(c.errorCode, `finding the ${type} coordinator of ${c.key}`, c.errorMessage));
    }
  } else {
    await Promise.all(
      unique.map(async (key) => {
        const r = await conn.send(Apis.FindCoordinator, { key, keyType: CoordinatorType[type], coordinatorKeys: [] }, { version });
        out.set(key, r.errorCode === 0 ? { nodeId: r.nodeId, host: r.host, port: r.port } : responseError(r.errorCode, `finding the ${type} coordinator of ${key}`, r.errorMessage));
      }),
    );
  }
  for (const k of unique) if (!out.has(k)) out.set(k, new KafkaError('COORDINATOR_NOT_AVAILABLE', `FindCoordinator gave no answer for ${k}`));
  return out;
}

/** The coordinator of one key; throws its error (COORDINATOR_NOT_AVAILABLE is retriable). */
export async function findCoordinator(cluster: Cluster, type: CoordinatorTypeName, key: string): Promise<CoordinatorNode> {
  const got = (await findCoordinators(cluster, type, [key])).get(key)!;
  if (got instanceof KafkaError) throw got;
  return got;
}

/** Errors that mean "ask FindCoordinator again". */
export function isCoordinatorMoved(e: unknown): boolean {
  if (!(e instanceof KafkaError)) return false;
  return (
    e.code === ErrorCode.NOT_COORDINATOR ||
    e.code === ErrorCode.COORDINATOR_NOT_AVAILABLE ||
    e.code === ErrorCode.NETWORK_EXCEPTION ||
    e.code === ErrorCode.REQUEST_TIMED_OUT
  );
}

/**
 * Remembers coordinators per key for the admin client and the producer: `connection(key)` finds
 * one when unknown, `forget(key)` after an error that says it moved.
 */
export class CoordinatorCache {
  private readonly known = new Map<string, CoordinatorNode>();

  constructor(private readonly cluster: Cluster, private readonly type: CoordinatorTypeName) {}

  async node(key: string): Promise<CoordinatorNode> {
    const k = this.known.get(key);
    if (k !== undefined) return k;
    const found = await findCoordinator(this.cluster, this.type, key);
    this.known.set(key, found);
    return found;
  }

  /** Coordinators of several keys in one FindCoordinator; errors per key. */
  async nodes(keys: readonly string[]): Promise<Map<string, CoordinatorNode | KafkaError>> {
    const out = new Map<string, CoordinatorNode | KafkaError>();
    const missing = keys.filter((k) => !this.known.has(k));
    const found = missing.length > 0 ? await findCoordinators(this.cluster, this.type, missing) : new Map<string, CoordinatorNode | KafkaError>();
    for (const k of keys) {
      const f = this.known.get(k) ?? found.get(k)!;
      if (!(f instanceof KafkaError)) this.known.set(k, f);
      out.set(k, f);
    }
    return out;
  }

  async connection(key: string): Promise<Connection> {
    return this.cluster.coordinatorConnection(await this.node(key));
  }

  forget(key: string): void {
    this.known.delete(key);
  }

  /** Forgets the key's coordinator if `e` says it moved; returns `e` for throwing. */
  check(key: string, e: unknown): unknown {
    if (isCoordinatorMoved(e)) this.forget(key);
    return e;
  }
}
