import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { ledgerStoreContract } from "../contract/ledger-store.contract.ts";
import { tablesBesideReplay } from "../support/store-file.ts";

ledgerStoreContract("SqliteLedger", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-ledger-contract-")), "vigil.db");
  return () => new SqliteLedger(path);
});

describe("the store file the contract runs on", () => {
  it("holds the ledger table beside the replay tables of the same embedded store", () => {
    expect(tablesBesideReplay((path) => new SqliteLedger(path))).toEqual(
      expect.arrayContaining(["findings", "exposures", "ledger"]),
    );
  });
});
