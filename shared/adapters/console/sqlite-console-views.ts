import Database from "better-sqlite3";
import type { Exposure } from "../../domain/finding.ts";
import type { ConsoleViews } from "../../ports/console-views.ts";
import type { RunRecord } from "../../ports/playbook-run-store.ts";
import { SqlitePlaybookRunStore } from "../sqlite-playbook-runs.ts";
import { StoreError } from "../sqlite-store.ts";
import { StoredExposureSchema } from "../stored-exposure-schema.ts";

/**
 * The console's reads of the embedded store's SQLite file: the `exposures` table the replay writes
 * and the playbook runs (parsed by `SqlitePlaybookRunStore`). A store that has no exposures table yet
 * simply has no exposures.
 */
export class SqliteConsoleViews implements ConsoleViews {
  readonly #db: Database.Database;
  readonly #runs: SqlitePlaybookRunStore;

  constructor(readonly path: string) {
    try {
      this.#db = new Database(path, { fileMustExist: true });
      this.#db.pragma("busy_timeout = 5000");
    } catch (error) {
      throw new StoreError(
        `cannot open the store at ${path}: ${(error as Error).message}; give the store 'vigil replay --store PATH' wrote, with --store PATH`,
        { cause: error, context: { path } },
      );
    }
    this.#runs = new SqlitePlaybookRunStore(path);
  }

  async exposures(): Promise<readonly Exposure[]> {
    const table = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exposures'")
      .get();
    if (table === undefined) return [];
    const rows = this.#db
      .prepare(
        "SELECT credential_kind, credential_id, body FROM exposures ORDER BY score DESC, credential_id",
      )
      .all() as { credential_kind: string; credential_id: string; body: string }[];
    return rows.map((row) => {
      const parsed = StoredExposureSchema.safeParse(JSON.parse(row.body));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new StoreError(
          `the stored exposure of ${row.credential_kind}:${row.credential_id} in ${this.path} is not readable (${issue?.path.join(".")}: ${issue?.message}); run 'vigil replay' again with this --store to rewrite it`,
        );
      }
      return parsed.data;
    });
  }

  async runs(): Promise<readonly RunRecord[]> {
    const ids = this.#db.prepare("SELECT id FROM playbook_runs ORDER BY created_at DESC, id").all() as {
      id: string;
    }[];
    const runs: RunRecord[] = [];
    for (const { id } of ids) {
      const run = await this.#runs.getRun(id);
      if (run !== undefined) runs.push(run);
    }
    return runs;
  }

  close(): void {
    this.#runs.close();
    this.#db.close();
  }
}
