import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import { CONTRACT_MARK_TTL_MS, eventStateStoreContract } from "../contract/event-state-store.contract.ts";

const path = join(mkdtempSync(join(tmpdir(), "vigil-state-")), "vigil.db");
eventStateStoreContract("SqliteEventStateStore", () => new SqliteEventStateStore(path, CONTRACT_MARK_TTL_MS));

describe("SqliteEventStateStore", () => {
  it("shares the baselines table with the run store, so `vigil learn` baselines are what the functions read", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "vigil-state-")), "vigil.db");
    const runs = new SqliteRunStore(file);
    runs.commit(runs.beginRun("learn", [], 0), {
      baselines: [["new-source", "AKIAEXAMPLE000000001", { since: 1, nets: {} }]],
      findings: [],
      rejected: [],
    });
    runs.close();
    const state = new SqliteEventStateStore(file);
    expect(await state.loadBaselines([{ namespace: "new-source", key: "AKIAEXAMPLE000000001" }])).toEqual([
      {
        namespace: "new-source",
        key: "AKIAEXAMPLE000000001",
        value: { since: 1, nets: {} },
        version: '{"since":1,"nets":{}}',
      },
    ]);
    state.close();
  });

  it("says which path it cannot open", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-state-"));
    const notADirectory = join(dir, "file");
    writeFileSync(notADirectory, "");
    expect(() => new SqliteEventStateStore(join(notADirectory, "vigil.db"))).toThrow(
      /cannot open the event state in the store at .*file\/vigil\.db: .*; choose a readable, writable store with --store PATH/,
    );
  });
});
