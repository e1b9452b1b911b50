import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStoredExposures } from "../../shared/adapters/sqlite-exposures.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import { storedExposuresContract } from "../contract/stored-exposures.contract.ts";
import { tablesBesideReplay } from "../support/store-file.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");

storedExposuresContract("SqliteStoredExposures", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-exposures-contract-")), "vigil.db");
  return {
    open: () => new SqliteStoredExposures(path),
    // What `vigil replay` does: a run whose end stores each credential's exposure.
    write: async (exposures) => {
      const runs = new SqliteRunStore(path);
      const runId = runs.beginRun("replay", ["trail.json"], T0);
      runs.finishRun(
        runId,
        { records: 1, rejected: 0, findings: 1, exposures: exposures.length },
        exposures,
        T0,
      );
      runs.close();
    },
  };
});

describe("the store file the contract runs on", () => {
  it("is the replay's own: the stored exposures are those of its exposures table", () => {
    const tables = tablesBesideReplay((path) => new SqliteStoredExposures(path));
    expect(tables).toEqual(expect.arrayContaining(["runs", "findings", "exposures"]));
  });
});
