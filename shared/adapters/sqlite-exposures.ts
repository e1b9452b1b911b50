import Database from "better-sqlite3";
import type { Exposure } from "../domain/finding.ts";
import { canonicalJson } from "../domain/ledger/canonical-json.ts";
import type { StoredExposures } from "../ports/stored-exposures.ts";
import { StoreError } from "./sqlite-store.ts";
import { StoredExposureSchema } from "./stored-exposure-schema.ts";

/*
 * The exposures SqliteRunStore keeps (one row per credential, the exposure's JSON as `body`), read back
 * and re-decided. Only `body`, `score` and `severity` of a row are ever written, and only while the row
 * still holds the exposure that was read (a replay that wrote a newer one wins).
 */

interface Row {
  readonly credential_kind: string;
  readonly credential_id: string;
  readonly body: string;
}

/** StoredExposures on the store's `exposures` table; a store no replay has written holds none. */
export class SqliteStoredExposures implements StoredExposures {
  readonly #db: Database.Database;

  constructor(readonly path: string) {
    try {
      this.#db = new Database(path);
      this.#db.pragma("busy_timeout = 10000");
    } catch (error) {
      throw new StoreError(
        `cannot open the exposures in the store at ${path}: ${(error as Error).message}; give the store 'vigil replay' wrote, with --store PATH`,
        { cause: error, context: { path } },
      );
    }
  }

  async suppressed(): Promise<readonly Exposure[]> {
    if (!this.#hasTable()) return [];
    const rows = this.#db
      .prepare(
        "SELECT credential_kind, credential_id, body FROM exposures ORDER BY score DESC, credential_id",
      )
      .all() as Row[];
    return rows.map((row) => this.#parse(row)).filter((e) => e.decision === "suppressed-by-exception");
  }

  async replace(previous: Exposure, next: Exposure): Promise<boolean> {
    if (!this.#hasTable()) return false;
    return this.#db
      .transaction(() => {
        const row = this.#db
          .prepare(
            "SELECT credential_kind, credential_id, body FROM exposures WHERE credential_kind = ? AND credential_id = ?",
          )
          .get(previous.credential.kind, previous.credential.id) as Row | undefined;
        if (row === undefined || canonicalJson(this.#parse(row)) !== canonicalJson(previous)) return false;
        this.#db
          .prepare(
            "UPDATE exposures SET body = ?, score = ?, severity = ? WHERE credential_kind = ? AND credential_id = ?",
          )
          .run(JSON.stringify(next), next.score, next.severity, row.credential_kind, row.credential_id);
        return true;
      })
      .immediate();
  }

  close(): void {
    this.#db.close();
  }

  #hasTable(): boolean {
    return (
      this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exposures'").get() !==
      undefined
    );
  }

  #parse(row: Row): Exposure {
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch {
      json = undefined;
    }
    const parsed = StoredExposureSchema.safeParse(json);
    if (!parsed.success) {
      throw new StoreError(
        `the stored exposure of ${row.credential_kind} ${row.credential_id} in ${this.path} is damaged (${parsed.error.issues[0]?.message}); replay its records again to rebuild it`,
      );
    }
    return parsed.data as Exposure;
  }
}
