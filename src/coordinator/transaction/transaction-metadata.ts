import { AssertionError, ErrorCode } from '../../common/index.js';
import { NO_PRODUCER_EPOCH } from '../../protocol/index.js';

/** Kafka's TransactionState names (DescribeTransactions/ListTransactions report them verbatim). */
export type TransactionState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

/** The status byte of a TransactionLogValue record, by state (Kafka's TransactionState ids). */
export const TRANSACTION_STATE_IDS: Readonly<Record<TransactionState, number>> = Object.freeze({
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
});

const STATES_BY_ID: readonly TransactionState[] = Object.freeze(
  (Object.entries(TRANSACTION_STATE_IDS) as Array<[TransactionState, number]>).sort((a, b) => a[1] - b[1]).map(([s]) => s),
);

export function transactionStateById(id: number): TransactionState | undefined {
  return STATES_BY_ID[id];
}

export function transactionStateByName(name: string): TransactionState | undefined {
  return Object.prototype.hasOwnProperty.call(TRANSACTION_STATE_IDS, name) ? (name as TransactionState) : undefined;
}

/** The states a transition into each state may start from (Kafka's TransactionState.validPreviousStates). */
const VALID_PREVIOUS: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
};

/** States whose transactional id may expire (transactional.id.expiration.ms). */
export function isExpirationAllowed(state: TransactionState): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}

/** Short.MAX_VALUE: a producer epoch can go no higher. */
export const MAX_PRODUCER_EPOCH = 32767;

/** A producer epoch this close to Short.MAX_VALUE cannot be bumped again: a new producer id is needed. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH - 1;
}

/** A set of topic partitions, grouped by topic; iteration is sorted so records are deterministic. */
export class TopicPartitionSet {
  private readonly byTopic = new Map<string, Set<number>>();
  private count = 0;

  constructor(entries: Iterable<readonly [string, number]> = []) {
    for (const [t, p] of entries) this.add(t, p);
  }

  add(topic: string, partition: number): void {
    let set = this.byTopic.get(topic);
    if (set === undefined) this.byTopic.set(topic, (set = new Set()));
    if (!set.has(partition)) {
      set.add(partition);
      this.count++;
    }
  }

  delete(topic: string, partition: number): boolean {
    const set = this.byTopic.get(topic);
    if (set === undefined || !set.delete(partition)) return false;
    if (set.size === 0) this.byTopic.delete(topic);
    this.count--;
    return true;
  }

  has(topic: string, partition: number): boolean {
    return this.byTopic.get(topic)?.has(partition) ?? false;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.byTopic.clear();
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (const [topic, partitions] of this.topics()) for (const p of partitions) yield [topic, p];
  }

  /** Topics with their partitions, both sorted. */
  topics(): Array<[string, number[]]> {
    return [...this.byTopic.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([t, s]) => [t, [...s].sort((a, b) => a - b)]);
  }

  isSubsetOf(other: TopicPartitionSet): boolean {
    for (const [t, p] of this) if (!other.has(t, p)) return false;
    return true;
  }

  equals(other: TopicPartitionSet): boolean {
    return this.size === other.size && this.isSubsetOf(other);
  }

  union(other: Iterable<readonly [string, number]>): TopicPartitionSet {
    const u = new TopicPartitionSet(this);
    for (const [t, p] of other) u.add(t, p);
    return u;
  }

  clone(): TopicPartitionSet {
    return new TopicPartitionSet(this);
  }
}

/** The state a transaction moves to once its record is committed (Kafka's TxnTransitMetadata). */
export interface TxnTransitMetadata {
  readonly producerId: number;
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly txnState: TransactionState;
  readonly topicPartitions: TopicPartitionSet;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

/** A transition the state machine forbids: a coordinator bug (Kafka throws IllegalStateException). */
export class IllegalTransactionStateError extends AssertionError {}

export interface TransactionMetadataInit {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TransactionState;
  readonly topicPartitions: TopicPartitionSet;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

/**
 * One transactional id's state (Kafka's TransactionMetadata). Changes are two-phase: a `prepare*`
 * method checks the transition, sets `pendingState` and returns the target; the caller writes it
 * to `__transaction_state` and calls `completeTransitionTo` once the write is committed (or clears
 * `pendingState` when it failed). While a transition is pending, other requests get
 * CONCURRENT_TRANSACTIONS.
 */
export class TransactionMetadata {
  readonly transactionalId: string;
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionState;
  readonly topicPartitions: TopicPartitionSet;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  pendingState: TransactionState | undefined;
  /** An epoch fence was attempted and its write failed: the epoch already moved, do not bump it again. */
  hasFailedEpochFence = false;

  constructor(init: TransactionMetadataInit) {
    this.transactionalId = init.transactionalId;
    this.producerId = init.producerId;
    this.lastProducerId = init.lastProducerId;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    this.topicPartitions = init.topicPartitions.clone();
    this.txnStartTimestamp = init.txnStartTimestamp;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== undefined;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** Markers are written (or being written) for a Prepare* state. */
  get hasPendingTransaction(): boolean {
    return this.state === 'Ongoing' || this.state === 'PrepareAbort' || this.state === 'PrepareCommit';
  }

  /** Drops a partition whose marker is written (only while the markers of a Prepare* state are sent). */
  removePartition(topic: string, partition: number): void {
    if (this.state !== 'PrepareCommit' && this.state !== 'PrepareAbort') {
      throw new IllegalTransactionStateError(`Transaction metadata's current state is ${this.state}, and its pending state is ${this.pendingState} while trying to remove partitions whose txn markers have been sent`);
    }
    this.topicPartitions.delete(topic, partition);
  }

  /** An ongoing transaction is aborted with a bumped epoch (a new producer instance or a timeout fences the old one). */
  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch >= MAX_PRODUCER_EPOCH) throw new IllegalTransactionStateError(`Cannot fence producer with epoch equal to Short.MaxValue since this would overflow`);
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo('PrepareEpochFence', this.producerId, bumped, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.topicPartitions, this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * InitProducerId on a transactional id at rest: bump the epoch (KIP-360: a request naming the
   * current epoch bumps it, one naming the previous epoch is a retry answered with the current one,
   * anything else is fenced). Returns an error code or the transit.
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedProducerEpoch: number | undefined, updateTimestamp: number): { errorCode: number } | TxnTransitMetadata {
    if (this.isProducerEpochExhausted) throw new IllegalTransactionStateError(`Cannot allocate any more producer epochs for producerId ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let epoch: number;
    let lastEpoch: number;
    if (expectedProducerEpoch === undefined) {
      epoch = bumped;
      lastEpoch = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedProducerEpoch === this.producerEpoch) {
      epoch = bumped;
      lastEpoch = this.producerEpoch;
    } else if (expectedProducerEpoch === this.lastProducerEpoch) {
      // A retry of a bump whose answer the producer never got.
      epoch = this.producerEpoch;
      lastEpoch = this.lastProducerEpoch;
    } else {
      return { errorCode: ErrorCode.PRODUCER_FENCED };
    }
    return this.prepareTransitionTo('Empty', this.producerId, epoch, lastEpoch, newTxnTimeoutMs, new TopicPartitionSet(), -1, updateTimestamp);
  }

  /** The epoch is exhausted: a new producer id at epoch 0 (the old id is remembered as lastProducerId). */
  prepareProducerIdRotation(newProducerId: number, newTxnTimeoutMs: number, updateTimestamp: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.hasPendingTransaction) throw new IllegalTransactionStateError('Cannot rotate producer ids while a transaction is still pending');
    return this.prepareTransitionTo('Empty', newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTxnTimeoutMs, new TopicPartitionSet(), -1, updateTimestamp);
  }

  prepareAddPartitions(added: Iterable<readonly [string, number]>, updateTimestamp: number): TxnTransitMetadata {
    const start = this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit' ? updateTimestamp : this.txnStartTimestamp;
    return this.prepareTransitionTo('Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.topicPartitions.union(added), start, updateTimestamp);
  }

  prepareAbortOrCommit(newState: 'PrepareCommit' | 'PrepareAbort', updateTimestamp: number): TxnTransitMetadata {
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.topicPartitions, this.txnStartTimestamp, updateTimestamp);
  }

  /** Every marker is written: CompleteCommit/CompleteAbort with no partitions. */
  prepareComplete(updateTimestamp: number): TxnTransitMetadata {
    const newState = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    // The fence's record was written after all, so a later fence bumps again.
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new TopicPartitionSet(), this.txnStartTimestamp, updateTimestamp);
  }

  /** The transactional id expires: a tombstone is written and the metadata dropped. */
  prepareDead(): TxnTransitMetadata {
    return this.prepareTransitionTo('Dead', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new TopicPartitionSet(), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  private prepareTransitionTo(
    newState: TransactionState,
    producerId: number,
    producerEpoch: number,
    lastProducerEpoch: number,
    txnTimeoutMs: number,
    topicPartitions: TopicPartitionSet,
    txnStartTimestamp: number,
    txnLastUpdateTimestamp: number,
  ): TxnTransitMetadata {
    if (this.pendingState !== undefined) {
      throw new IllegalTransactionStateError(`Preparing transaction state transition to ${newState} while it already a pending state ${this.pendingState}`);
    }
    if (producerId < 0) throw new IllegalTransactionStateError(`Illegal new producer id ${producerId}`);
    if (producerEpoch < 0) throw new IllegalTransactionStateError(`Illegal new producer epoch ${producerEpoch}`);
    if (!VALID_PREVIOUS[newState].includes(this.state)) this.throwTransitionFailure(newState);
    this.pendingState = newState;
    return {
      producerId,
      lastProducerId: this.producerId,
      producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs,
      txnState: newState,
      topicPartitions: topicPartitions.clone(),
      txnStartTimestamp,
      txnLastUpdateTimestamp,
    };
  }

  /** The transit's record is committed: memory takes its values (checked as Kafka checks them). */
  completeTransitionTo(t: TxnTransitMetadata): void {
    const to = this.pendingState;
    if (to === undefined || to !== t.txnState) this.throwTransitionFailure(t.txnState);
    switch (to) {
      case 'Empty':
        if ((this.producerEpoch !== t.producerEpoch && !this.validProducerEpochBump(t)) || t.topicPartitions.size > 0 || t.txnStartTimestamp !== -1) this.throwTransitionFailure(to);
        break;
      case 'Ongoing':
        if (!this.validProducerEpoch(t) || !this.topicPartitions.isSubsetOf(t.topicPartitions) || this.txnTimeoutMs !== t.txnTimeoutMs) this.throwTransitionFailure(to);
        break;
      case 'PrepareCommit':
      case 'PrepareAbort':
        if (!this.validProducerEpoch(t) || !this.topicPartitions.equals(t.topicPartitions) || this.txnTimeoutMs !== t.txnTimeoutMs || this.txnStartTimestamp !== t.txnStartTimestamp) {
          this.throwTransitionFailure(to);
        }
        break;
      case 'CompleteCommit':
      case 'CompleteAbort':
        if (!this.validProducerEpoch(t) || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1) this.throwTransitionFailure(to);
        break;
      case 'PrepareEpochFence':
      case 'Dead':
        // Never written as such: a fence becomes PrepareAbort, an expired id is removed.
        this.throwTransitionFailure(to);
        break;
    }
    this.producerId = t.producerId;
    this.lastProducerId = t.lastProducerId;
    this.producerEpoch = t.producerEpoch;
    this.lastProducerEpoch = t.lastProducerEpoch;
    this.txnTimeoutMs = t.txnTimeoutMs;
    this.txnStartTimestamp = t.txnStartTimestamp;
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.topicPartitions.clear();
    for (const [topic, p] of t.topicPartitions) this.topicPartitions.add(topic, p);
    this.state = to;
    this.pendingState = undefined;
  }

  private validProducerEpoch(t: TxnTransitMetadata): boolean {
    return t.producerEpoch === this.producerEpoch && t.producerId === this.producerId;
  }

  private validProducerEpochBump(t: TxnTransitMetadata): boolean {
    return t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
  }

  private throwTransitionFailure(to: TransactionState): never {
    throw new IllegalTransactionStateError(
      `TransactionalId ${this.transactionalId} failed transition to state ${to} due to unexpected metadata (state ${this.state}, pending ${this.pendingState}, producer ${this.producerId}/${this.producerEpoch})`,
    );
  }

  /** A copy for describing (tests, DescribeTransactions). */
  snapshot(): TransactionMetadataInit & { readonly pendingState: TransactionState | undefined } {
    return {
      transactionalId: this.transactionalId,
      producerId: this.producerId,
      lastProducerId: this.lastProducerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      state: this.state,
      topicPartitions: this.topicPartitions.clone(),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
      pendingState: this.pendingState,
    };
  }
}
