import Database from "better-sqlite3";
import type { QuarantineRuns } from "../ports/quarantine-runs.ts";
import { StoreError } from "./sqlite-store.ts";

/**
 * Reads, never writes, the playbook run tables of the store (SqlitePlaybookRunStore's) to find the
 * runs that quarantined a principal. Opened read-only: a store without runs has no quarantine to lift.
 */
export class SqliteQuarantineRuns implements QuarantineRuns {
  readonly #db: Database.Database;

  constructor(readonly path: string) {
    try {
      this.#db = new Database(path, { readonly: true, fileMustExist: true });
      this.#db.pragma("busy_timeout = 10000");
    } catch (error) {
      throw new StoreError(
        `cannot read the playbook runs in the store at ${path}: ${(error as Error).message}; give the store 'vigil replay --apply' used, with --store PATH`,
        { cause: error, context: { path } },
      );
    }
  }

  quarantinesOf(principalArn: string): readonly string[] {
    const exists = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'playbook_steps'")
      .get();
    if (exists === undefined) return [];
    const rows = this.#db
      .prepare(
        `SELECT DISTINCT r.id, r.created_at FROM playbook_runs r JOIN playbook_steps s ON s.run_id = r.id
         WHERE r.principal = ? AND s.step IN ('quarantine-role', 'quarantine-user') AND s.status = 'applied'
         ORDER BY r.created_at DESC, r.id DESC`,
      )
      .all(principalArn) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  close(): void {
    this.#db.close();
  }
}
