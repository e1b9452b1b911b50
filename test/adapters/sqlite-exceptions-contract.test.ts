import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteExceptionStore } from "../../shared/adapters/sqlite-exceptions.ts";
import { exceptionStoreContract } from "../contract/exception-store.contract.ts";
import { tablesBesideReplay } from "../support/store-file.ts";

exceptionStoreContract("SqliteExceptionStore", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-exceptions-contract-")), "vigil.db");
  return () => new SqliteExceptionStore(path);
});

describe("the store file the contract runs on", () => {
  it("holds the exceptions table beside the replay tables of the same embedded store", () => {
    expect(tablesBesideReplay((path) => new SqliteExceptionStore(path))).toEqual(
      expect.arrayContaining(["findings", "exposures", "exceptions"]),
    );
  });
});
