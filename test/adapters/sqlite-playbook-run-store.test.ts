import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqlitePlaybookRunStore } from "../../shared/adapters/sqlite-playbook-runs.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import { playbookRunStoreContract } from "../contract/playbook-run-store.contract.ts";

const path = join(mkdtempSync(join(tmpdir(), "vigil-runs-")), "vigil.db");
playbookRunStoreContract("SqlitePlaybookRunStore", () => new SqlitePlaybookRunStore(path));

describe("the store file the contract runs on", () => {
  it("holds the playbook tables beside the replay tables of the same embedded store", () => {
    const shared = join(mkdtempSync(join(tmpdir(), "vigil-runs-")), "vigil.db");
    new SqliteRunStore(shared).close();
    new SqlitePlaybookRunStore(shared).close();
    const db = new Database(shared, { readonly: true });
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
    ).map((t) => t.name);
    db.close();
    expect(tables).toEqual(
      expect.arrayContaining(["findings", "exposures", "playbook_runs", "playbook_steps"]),
    );
  });
});
