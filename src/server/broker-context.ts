import type { Clock, Logger } from '../common/index.js';
import type { BrokerConfig } from '../config/index.js';
import type { GroupCoordinator, TransactionCoordinator } from '../coordinator/index.js';
import type { ControllerApi, MetadataImage } from '../metadata/index.js';
import type { LeaderAndEpoch, QuorumInfo } from '../raft/index.js';
import type { ReplicaManager } from '../replication/index.js';
import type { LogManager } from '../storage/index.js';
import type { TxnMarkerWriter } from './txn-markers.js';

/**
 * What the broker's API handlers see: the composition root (broker.ts) builds one and passes it to
 * each handler factory. Handlers stay thin: they translate requests into calls on these and
 * results into responses.
 */
export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * The broker's effective configuration: static properties plus the dynamic broker configs of
   * the current image (rebuilt when they change).
   */
  config(): BrokerConfig;
  /** The latest published metadata image (committed and replayed). */
  image(): MetadataImage;
  readonly controller: ControllerApi;
  readonly quorum: {
    quorumInfo(): QuorumInfo;
    leaderAndEpoch(): LeaderAndEpoch;
  };
  readonly logManager: LogManager;
  /** Hosted partitions: produce, fetch, offsets, log dirs (src/replication). */
  readonly replicaManager: ReplicaManager;
  /** Writes COMMIT/ABORT markers (WriteTxnMarkers; the transaction coordinator in-process). */
  readonly txnMarkerWriter?: TxnMarkerWriter;
  /** The group coordinator, when the broker runs one (transaction markers complete its pending offsets). */
  readonly groupCoordinator?: GroupCoordinator;
  /** The transaction coordinator (KIP-890 verification of transactional produce could ask it in-process). */
  readonly transactionCoordinator?: TransactionCoordinator;
}
