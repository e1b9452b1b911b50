import type Database from "better-sqlite3";
import { canonicalJson } from "../domain/ledger/canonical-json.ts";
import { sealRecord } from "../domain/ledger/chain.ts";
import { type LedgerQuery, matchesQuery } from "../domain/ledger/query.ts";
import {
  type LedgerEntry,
  LedgerError,
  type LedgerRecord,
  LedgerRecordSchema,
} from "../domain/ledger/record.ts";
import type { LedgerStore } from "../ports/ledger-store.ts";
import { openStoreFile } from "./sqlite-store.ts";

/*
 * One table in the store file; the record's canonical JSON is the only copy of its fields, so nothing
 * a query filters on can be changed without changing what is hashed. The triggers refuse updates and
 * deletes through SQLite (someone with the file can drop them: that is what `verify` is for).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, record TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: records are never updated'); END;
CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: records are never deleted'); END;
`;

/** Rows read per query when walking the ledger. */
const PAGE_SIZE = 500;

interface Row {
  readonly seq: number;
  readonly record: string;
}

/**
 * The remediation ledger in the embedded store's SQLite file (its own `ledger` table; the other tables
 * and `user_version` are left alone). An append is one `BEGIN IMMEDIATE` transaction that reads the
 * last record and writes the next, so writers on the same file queue up instead of forking the chain.
 */
export class SqliteLedger implements LedgerStore {
  readonly #db: Database.Database;
  readonly #last: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #page: Database.Statement;
  readonly #count: Database.Statement;
  readonly #append: Database.Transaction<(entries: readonly LedgerEntry[]) => LedgerRecord[]>;

  constructor(readonly path: string) {
    this.#db = openStoreFile(path, "the ledger", SCHEMA);
    this.#last = this.#db.prepare("SELECT seq, record FROM ledger ORDER BY seq DESC LIMIT 1");
    this.#insert = this.#db.prepare("INSERT INTO ledger (seq, record) VALUES (?, ?)");
    this.#page = this.#db.prepare("SELECT seq, record FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?");
    this.#count = this.#db.prepare("SELECT count(*) AS n FROM ledger");
    this.#append = this.#db.transaction((entries: readonly LedgerEntry[]) => {
      const row = this.#last.get() as Row | undefined;
      let last = row === undefined ? undefined : headOf(row);
      let rowSeq = row?.seq ?? 0;
      const sealed: LedgerRecord[] = [];
      for (const entry of entries) {
        const record = sealRecord(entry, last);
        rowSeq += 1;
        this.#insert.run(rowSeq, canonicalJson(record));
        sealed.push(record);
        last = record;
      }
      return sealed;
    });
  }

  async append(entries: readonly LedgerEntry[]): Promise<readonly LedgerRecord[]> {
    if (entries.length === 0) return [];
    return this.#append.immediate(entries);
  }

  async *read(query: LedgerQuery = {}): AsyncIterable<LedgerRecord> {
    for await (const row of this.#rows()) {
      const parsed = LedgerRecordSchema.safeParse(parseText(row.record));
      if (!parsed.success) {
        throw new LedgerError(
          `ledger row ${row.seq} is not a valid record (${parsed.error.issues[0]?.message}); run 'vigil records verify' to see what happened to it`,
          { context: { row: row.seq } },
        );
      }
      if (matchesQuery(parsed.data, query)) yield parsed.data;
    }
  }

  async count(query: LedgerQuery = {}): Promise<number> {
    if (query.from === undefined && query.to === undefined && query.subject === undefined) {
      return (this.#count.get() as { n: number }).n;
    }
    let n = 0;
    for await (const _ of this.read(query)) n += 1;
    return n;
  }

  async *stored(): AsyncIterable<unknown> {
    for await (const row of this.#rows()) yield parseText(row.record);
  }

  /**
   * Every row in `seq` order, read a page at a time: memory stays flat however long the ledger is, and
   * no statement stays open on the connection while the caller awaits between records.
   */
  async *#rows(): AsyncIterable<Row> {
    let after = 0;
    for (;;) {
      const page = this.#page.all(after, PAGE_SIZE) as Row[];
      for (const row of page) yield row;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE_SIZE) return;
      after = last.seq;
    }
  }

  close(): void {
    this.#db.close();
  }
}

/** The stored JSON, or the text itself when it is not JSON (verification reports it as edited). */
function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The sequence number and hash the next record chains to; refuses to extend past an unreadable record. */
function headOf(row: Row): Pick<LedgerRecord, "seq" | "hash"> {
  const value = parseText(row.record) as { seq?: unknown; hash?: unknown } | string;
  if (typeof value === "object" && value !== null) {
    const { seq, hash } = value;
    if (typeof seq === "number" && Number.isInteger(seq) && seq > 0 && typeof hash === "string")
      return { seq, hash };
  }
  throw new LedgerError(
    `the last ledger record (row ${row.seq}) is unreadable, so nothing can be chained to it; run 'vigil records verify' and restore the store from a backup`,
    { context: { row: row.seq } },
  );
}
