import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { ledgerStoreContract } from "../contract/ledger-store.contract.ts";

ledgerStoreContract("SqliteLedger", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-ledger-contract-")), "vigil.db");
  return () => new SqliteLedger(path);
});
