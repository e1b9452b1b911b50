import type { LedgerQuery } from "../domain/ledger/query.ts";
import type { LedgerEntry, LedgerRecord } from "../domain/ledger/record.ts";

/**
 * The remediation ledger: append-only, hash-chained records. There is no update and no delete.
 * `append` reads the last record and writes the next ones as one serialized, conditional change, so
 * two writers (two processes, two Lambda instances) never fork the chain: the loser re-reads the head
 * and seals its entries after the winner's.
 */
export interface LedgerStore {
  /** Seals `entries` in order after the current last record, atomically; returns the sealed records. */
  append(entries: readonly LedgerEntry[]): Promise<readonly LedgerRecord[]>;
  /** The records matching `query`, in sequence order; throws LedgerError on a record that cannot be read. */
  read(query?: LedgerQuery): AsyncIterable<LedgerRecord>;
  /** How many records match `query` (all of them without one). */
  count(query?: LedgerQuery): Promise<number>;
  /** Every stored record as stored, unvalidated, in stored order: what `verifyChain` walks. */
  stored(): AsyncIterable<unknown>;
  close(): void;
}
