import type Database from "better-sqlite3";
import type { UsedLinks } from "../../ports/used-links.ts";
import { openStoreFile } from "../sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS used_links (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * Used signed links in the embedded store's SQLite file (a table of its own). `consume` is a single
 * `INSERT … ON CONFLICT DO NOTHING`: the row either goes in (first use) or is already there. Marks of
 * links past their expiry are deleted as new ones come in, since such links no longer verify.
 */
export class SqliteUsedLinks implements UsedLinks {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #forget: Database.Statement;

  constructor(readonly path: string) {
    this.#db = openStoreFile(path, "the used links", SCHEMA);
    this.#insert = this.#db.prepare(
      "INSERT INTO used_links (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
    );
    this.#forget = this.#db.prepare("DELETE FROM used_links WHERE expires_at < ?");
  }

  async consume(id: string, expiresAt: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const first = this.#insert.run(id, expiresAt).changes === 1;
      // A link expiring before this one's expiry minus the longest lifetime can no longer be presented.
      if (first) this.#forget.run(expiresAt - 2 * 60 * 60 * 1000);
      return first;
    })();
  }

  close(): void {
    this.#db.close();
  }
}
