import type Database from "better-sqlite3";
import { type BreakGlassException, ExceptionSchema, endOf } from "../domain/exceptions/exception.ts";
import type { ExceptionStore } from "../ports/exception-store.ts";
import { openStoreFile, StoreError } from "./sqlite-store.ts";
import { parseStored } from "./stored-json.ts";

/*
 * Break-glass exceptions and quarantine lifts in the embedded store's SQLite file, in a table of their
 * own (the other tables and user_version are left alone). `ends_at` (the earlier of expiry and
 * revocation) lets a decision load the exceptions not ended yet with one indexed query; every change is a
 * read-modify-write in a BEGIN IMMEDIATE transaction, conditional on `version`.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS exceptions (
  id TEXT PRIMARY KEY, granted_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
  version INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exceptions_by_end ON exceptions (ends_at);
`;

interface Row {
  readonly id: string;
  readonly version: number;
  readonly body: string;
}

/** ExceptionStore on a SQLite file, or ":memory:"; `activeAt` is one indexed query on `ends_at`. */
export class SqliteExceptionStore implements ExceptionStore {
  readonly #db: Database.Database;
  readonly #active: Database.Statement;

  constructor(readonly path: string) {
    this.#db = openStoreFile(path, "the exceptions", SCHEMA);
    this.#active = this.#db.prepare(
      "SELECT id, version, body FROM exceptions WHERE ends_at > ? ORDER BY granted_at, id",
    );
  }

  async activeAt(at: number): Promise<readonly BreakGlassException[]> {
    return (this.#active.all(at) as Row[]).map((row) => this.#parse(row));
  }

  async insert(exception: BreakGlassException): Promise<void> {
    try {
      this.#db
        .prepare("INSERT INTO exceptions (id, granted_at, ends_at, version, body) VALUES (?, ?, ?, 1, ?)")
        .run(exception.id, exception.grantedAt, endOf(exception), JSON.stringify(exception));
    } catch (error) {
      throw new StoreError(
        `cannot store exception ${exception.id} in ${this.path}: ${(error as Error).message}; nothing was granted, try again`,
        { cause: error },
      );
    }
  }

  async get(id: string): Promise<BreakGlassException | undefined> {
    const row = this.#db.prepare("SELECT id, version, body FROM exceptions WHERE id = ?").get(id) as
      | Row
      | undefined;
    return row === undefined ? undefined : this.#parse(row);
  }

  async list(): Promise<readonly BreakGlassException[]> {
    const rows = this.#db
      .prepare("SELECT id, version, body FROM exceptions ORDER BY granted_at DESC, id")
      .all() as Row[];
    return rows.map((row) => this.#parse(row));
  }

  async update(
    id: string,
    change: (current: BreakGlassException) => BreakGlassException | undefined,
  ): Promise<{ before: BreakGlassException; after?: BreakGlassException } | undefined> {
    return this.#db
      .transaction(() => {
        const row = this.#db.prepare("SELECT id, version, body FROM exceptions WHERE id = ?").get(id) as
          | Row
          | undefined;
        if (row === undefined) return undefined;
        const before = this.#parse(row);
        const after = change(before);
        if (after === undefined) return { before };
        const written = this.#db
          .prepare(
            "UPDATE exceptions SET ends_at = ?, version = version + 1, body = ? WHERE id = ? AND version = ?",
          )
          .run(endOf(after), JSON.stringify(after), id, row.version).changes;
        if (written !== 1) {
          throw new StoreError(
            `exception ${id} changed while it was being updated; nothing was written, try again`,
          );
        }
        return { before, after };
      })
      .immediate();
  }

  close(): void {
    this.#db.close();
  }

  #parse(row: Row): BreakGlassException {
    return parseStored(
      ExceptionSchema,
      row.body,
      `exception ${row.id} in ${this.path}`,
      "it cannot be applied or shown",
      { id: row.id },
    );
  }
}
