import { ControlRecordType, parseControlRecordType } from '../protocol/index.js';
import type { RecordBatch } from '../protocol/index.js';
import type { AbortedTxn } from './transaction-index.js';

/**
 * The cleaner's view of transactions while it walks a log in offset order (Kafka's
 * CleanedTransactionMetadata): which data batches belong to aborted transactions (discardable), and
 * whether a COMMIT/ABORT marker still has data of its transaction before it in this pass (then the
 * marker stays; otherwise it may go once its delete horizon passed). The aborted transactions of the
 * segments walked are fed in with `addAborted` (from their `.txnindex`); an ABORT whose transaction
 * still has data is written to `retainedAborted`, the txn index of the cleaned segment.
 */
export class CleanedTxnState {
  /** Producers whose (committed) transaction has data batches seen in this pass, awaiting their marker. */
  private readonly committedWithData = new Set<number>();
  /** Producer id → its aborted transaction under way in the walk, and whether a batch of it was seen. */
  private readonly abortedOpen = new Map<number, { txn: AbortedTxn; seen: boolean }>();
  /** Aborted transactions not yet reached, ordered by first offset. */
  private pending: AbortedTxn[] = [];
  /** Where ABORT entries of transactions that keep their marker go (the cleaned segment's txn index). */
  retainedAborted: ((txn: AbortedTxn) => void) | undefined;

  addAborted(txns: readonly AbortedTxn[]): void {
    if (txns.length === 0) return;
    this.pending = this.pending.concat(txns).sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private reach(offset: number): void {
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.firstOffset <= offset) {
      const txn = this.pending[n]!;
      if (!this.abortedOpen.has(txn.producerId)) this.abortedOpen.set(txn.producerId, { txn, seen: false });
      n++;
    }
    if (n > 0) this.pending = this.pending.slice(n);
  }

  /** A data batch: true when it belongs to an aborted transaction (its records may all go). */
  onDataBatch(batch: RecordBatch): boolean {
    this.reach(batch.lastOffset);
    if (!batch.isTransactional) return false;
    const aborted = this.abortedOpen.get(batch.producerId);
    if (aborted !== undefined) {
      aborted.seen = true;
      return true;
    }
    this.committedWithData.add(batch.producerId);
    return false;
  }

  /** A control batch: true when it may be discarded (no data of its transaction was seen in this pass). */
  onControlBatch(batch: RecordBatch): boolean {
    this.reach(batch.lastOffset);
    let type: number | undefined;
    for (const r of batch.records()) {
      type = parseControlRecordType(r.key);
      break;
    }
    // An emptied control batch was already cleaned: nothing depends on it any more.
    if (type === undefined) return true;
    const pid = batch.producerId;
    if (type === ControlRecordType.ABORT) {
      const aborted = this.abortedOpen.get(pid);
      this.abortedOpen.delete(pid);
      if (aborted !== undefined && aborted.seen) {
        this.retainedAborted?.(aborted.txn);
        return false;
      }
      return true;
    }
    if (type === ControlRecordType.COMMIT) return !this.committedWithData.delete(pid);
    return false;
  }
}
