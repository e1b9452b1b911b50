import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";

/**
 * The tables of one embedded store file after `vigil replay`'s store and the adapter `open` makes
 * opened it in turn: what a contract caller checks, so that the adapter the contract proves is the one
 * that shares the store file with the rest of vigil.
 */
export function tablesBesideReplay(open: (path: string) => { close(): void }): string[] {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-store-")), "vigil.db");
  new SqliteRunStore(path).close();
  open(path).close();
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
    ).map((t) => t.name);
  } finally {
    db.close();
  }
}
