import { PartitionChangeRecord } from '../protocol/index.js';
import type { PartitionRegistration } from './image.js';
import { NO_LEADER, NO_LEADER_CHANGE } from './metadata-delta.js';
import { mv } from './metadata-version.js';
import { record, type ApiMessageAndVersion } from './records.js';

export type Election = 'preferred' | 'clean' | 'unclean';

export interface PartitionChangeOptions {
  readonly topicId: string;
  readonly partitionId: number;
  readonly metadataVersion: number;
  /** May this replica lead (registered, unfenced, not shutting down — or being unfenced now)? */
  readonly isAcceptableLeader: (replica: number) => boolean;
  /** The ISR wanted; an empty target keeps the current ISR (no ELR in 3.9 by default). */
  readonly targetIsr?: readonly number[];
  readonly election?: Election;
}

/**
 * Kafka's PartitionChangeBuilder, for what this controller needs: shrink/expand the ISR, elect a
 * leader (clean: first replica in the ISR that may lead; preferred: the first replica; unclean:
 * any acceptable replica, resetting the ISR to it), and emit a PartitionChangeRecord with only the
 * changed fields — or nothing when nothing changes.
 */
export function buildPartitionChange(p: PartitionRegistration, o: PartitionChangeOptions): ApiMessageAndVersion | undefined {
  const election = o.election ?? 'clean';
  let targetIsr = o.targetIsr === undefined || o.targetIsr.length === 0 ? [...p.isr] : [...o.targetIsr];
  const change = PartitionChangeRecord.create({ topicId: o.topicId, partitionId: o.partitionId });
  const newLeader = electLeader(p, targetIsr, election, o.isAcceptableLeader);
  if (newLeader.node !== p.leader) {
    change.leader = newLeader.node;
    if (newLeader.unclean) {
      targetIsr = [newLeader.node];
      change.leaderRecoveryState = 1; // RECOVERING
    }
  }
  if (!sameList(targetIsr, p.isr)) change.isr = targetIsr;
  if (change.leader === NO_LEADER_CHANGE && change.isr === null && change.leaderRecoveryState === -1) return undefined;
  return record(PartitionChangeRecord, change, mv.partitionRecordVersion(o.metadataVersion));
}

function electLeader(
  p: PartitionRegistration,
  targetIsr: readonly number[],
  election: Election,
  acceptable: (r: number) => boolean,
): { node: number; unclean: boolean } {
  const inIsrAndAcceptable = (r: number): boolean => targetIsr.includes(r) && acceptable(r);
  if (election === 'preferred') {
    const preferred = p.replicas[0];
    if (preferred !== undefined && inIsrAndAcceptable(preferred)) return { node: preferred, unclean: false };
  }
  if (p.leader !== NO_LEADER && inIsrAndAcceptable(p.leader)) return { node: p.leader, unclean: false };
  for (const r of p.replicas) if (inIsrAndAcceptable(r)) return { node: r, unclean: false };
  if (election === 'unclean') {
    for (const r of p.replicas) if (acceptable(r)) return { node: r, unclean: true };
  }
  return { node: NO_LEADER, unclean: false };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
