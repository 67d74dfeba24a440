import type { FileSystem, Logger } from '../common/index.js';

/**
 * The election state a voter must remember across restarts (Kafka's ElectionState): the epoch, the
 * leader it knows of, and whom it voted for in that epoch, so it never votes twice in one epoch.
 */
export interface ElectionState {
  readonly epoch: number;
  /** -1 when unknown. */
  readonly leaderId: number;
  /** -1 when this node has not voted in `epoch`. */
  readonly votedId: number;
  /** The voter ids (Kafka's version 0 file keeps them; static quorum). */
  readonly voters: readonly number[];
}

export interface QuorumStateStore {
  /** The stored state, or undefined on a fresh node. Throws on an unreadable file. */
  read(): ElectionState | undefined;
  /** Replaces the stored state durably before returning (a crash leaves the old or the new one). */
  write(state: ElectionState): void;
}

/** Kafka's file name inside `__cluster_metadata-0`. */
export const QUORUM_STATE_FILE = 'quorum-state';

/** Kafka's `quorum-state` version for a static voter set (kraft.version 0). */
const DATA_VERSION = 0;

/**
 * Kafka's JSON layout of QuorumStateData version 0 plus its `data_version` field, on one line:
 * {"clusterId":"","leaderId":1,"leaderEpoch":2,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1}],"data_version":0}
 */
export function encodeQuorumState(state: ElectionState): string {
  return JSON.stringify({
    clusterId: '',
    leaderId: state.leaderId,
    leaderEpoch: state.epoch,
    votedId: state.votedId,
    appliedOffset: 0,
    currentVoters: state.voters.map((voterId) => ({ voterId })),
    data_version: DATA_VERSION,
  });
}

export class QuorumStateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuorumStateFormatError';
  }
}

/** Reads Kafka's versions 0 and 1 (version 1 has no voters: they live in the log). */
export function decodeQuorumState(text: string): ElectionState {
  const line = text.split('\n', 1)[0] ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new QuorumStateFormatError(`quorum-state is not JSON: ${String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new QuorumStateFormatError('quorum-state is not a JSON object');
  const o = parsed as Record<string, unknown>;
  const version = o['data_version'];
  if (version !== 0 && version !== 1) throw new QuorumStateFormatError(`unsupported quorum-state data_version ${String(version)}`);
  const int = (name: string, fallback?: number): number => {
    const v = o[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new QuorumStateFormatError(`quorum-state field ${name} is not an integer`);
    return v;
  };
  const voters: number[] = [];
  const current = o['currentVoters'];
  if (version === 0 && Array.isArray(current)) {
    for (const v of current) {
      const id = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['voterId'] : undefined;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new QuorumStateFormatError('quorum-state voter without a voterId');
      voters.push(id);
    }
  }
  return { epoch: int('leaderEpoch'), leaderId: int('leaderId', -1), votedId: int('votedId', -1), voters };
}

/** The `quorum-state` file in the metadata log's partition directory, as Kafka writes it. */
export class FileQuorumStateStore implements QuorumStateStore {
  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  read(): ElectionState | undefined {
    const data = this.fs.readFile(this.path);
    if (data === undefined) return undefined;
    const state = decodeQuorumState(data.toString('utf8'));
    this.logger.debug('read quorum state', { path: this.path, ...state });
    return state;
  }

  write(state: ElectionState): void {
    this.fs.writeFileAtomic(this.path, Buffer.from(encodeQuorumState(state), 'utf8'));
  }
}

/** Keeps the state in memory (tests, simulation); `writes` records every state written. */
export class MemoryQuorumStateStore implements QuorumStateStore {
  readonly writes: ElectionState[] = [];

  constructor(private state: ElectionState | undefined = undefined) {}

  read(): ElectionState | undefined {
    return this.state;
  }

  write(state: ElectionState): void {
    this.state = state;
    this.writes.push(state);
  }
}
