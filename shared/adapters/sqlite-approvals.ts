import type Database from "better-sqlite3";
import { type ApprovalRequest, ApprovalRequestSchema } from "../domain/approvals/request.ts";
import type { ApprovalStore } from "../ports/approval-store.ts";
import { openStoreFile, StoreError } from "./sqlite-store.ts";
import { parseStored } from "./stored-json.ts";

/*
 * Approval requests in the embedded store's SQLite file, in a table of their own (the other tables and
 * user_version are left alone). `version` makes every write conditional on the row being unchanged since
 * it was read; each read-modify-write runs in a BEGIN IMMEDIATE transaction, so writers on the same
 * file (other processes included) queue up and the later one sees the earlier one's decision.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_key ON approvals (key, status, expires_at);
`;

interface Row {
  readonly id: string;
  readonly version: number;
  readonly body: string;
}

/** ApprovalStore on a SQLite file (the store of `--store PATH`, or ":memory:"). */
export class SqliteApprovalStore implements ApprovalStore {
  readonly #db: Database.Database;

  constructor(readonly path: string) {
    this.#db = openStoreFile(path, "the approval requests", SCHEMA);
  }

  async open(request: ApprovalRequest, at: number): Promise<{ request: ApprovalRequest; created: boolean }> {
    return this.#db
      .transaction(() => {
        const row = this.#db
          .prepare(
            "SELECT id, version, body FROM approvals WHERE key = ? AND status = 'pending' AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
          )
          .get(request.key, at) as Row | undefined;
        if (row !== undefined) return { request: this.#parse(row), created: false };
        this.#db
          .prepare(
            "INSERT INTO approvals (id, key, status, created_at, expires_at, version, body) VALUES (?, ?, ?, ?, ?, 1, ?)",
          )
          .run(
            request.id,
            request.key,
            request.status,
            request.createdAt,
            request.expiresAt,
            JSON.stringify(request),
          );
        return { request, created: true };
      })
      .immediate();
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = this.#db.prepare("SELECT id, version, body FROM approvals WHERE id = ?").get(id) as
      | Row
      | undefined;
    return row === undefined ? undefined : this.#parse(row);
  }

  async list(): Promise<readonly ApprovalRequest[]> {
    const rows = this.#db
      .prepare("SELECT id, version, body FROM approvals ORDER BY created_at DESC, id")
      .all() as Row[];
    return rows.map((row) => this.#parse(row));
  }

  async update<R>(
    id: string,
    change: (current: ApprovalRequest) => { readonly next?: ApprovalRequest; readonly result: R },
  ): Promise<R | undefined> {
    return this.#db
      .transaction(() => {
        const row = this.#db.prepare("SELECT id, version, body FROM approvals WHERE id = ?").get(id) as
          | Row
          | undefined;
        if (row === undefined) return undefined;
        const { next, result } = change(this.#parse(row));
        if (next === undefined) return result;
        const written = this.#db
          .prepare(
            "UPDATE approvals SET status = ?, expires_at = ?, version = version + 1, body = ? WHERE id = ? AND version = ?",
          )
          .run(next.status, next.expiresAt, JSON.stringify(next), id, row.version).changes;
        if (written !== 1) {
          throw new StoreError(
            `approval request ${id} changed while it was being decided; nothing was written, try again`,
          );
        }
        return result;
      })
      .immediate();
  }

  close(): void {
    this.#db.close();
  }

  #parse(row: Row): ApprovalRequest {
    return parseStored(
      ApprovalRequestSchema,
      row.body,
      `approval request ${row.id} in ${this.path}`,
      "it cannot be shown or decided",
      { id: row.id },
    );
  }
}
