import type { LedgerQuery } from "../domain/ledger/query.ts";
import type { LedgerEntry, LedgerRecord } from "../domain/ledger/record.ts";

/**
 * The remediation ledger: append-only, hash-chained records. There is no update and no delete.
 * `append` reads the last record and writes the next ones in one serialized transaction, so two
 * writers never fork the chain.
 */
export interface LedgerStore {
  /** Seals `entries` in order after the current last record, atomically; returns the sealed records. */
  append(entries: readonly LedgerEntry[]): readonly LedgerRecord[];
  /** The records matching `query`, in sequence order; throws LedgerError on a record that cannot be read. */
  read(query?: LedgerQuery): Iterable<LedgerRecord>;
  /** How many records match `query` (all of them without one). */
  count(query?: LedgerQuery): number;
  /** Every stored record as stored, unvalidated, in stored order: what `verifyChain` walks. */
  stored(): Iterable<unknown>;
  close(): void;
}
