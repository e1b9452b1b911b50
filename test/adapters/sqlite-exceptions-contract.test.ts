import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteExceptionStore } from "../../shared/adapters/sqlite-exceptions.ts";
import { exceptionStoreContract } from "../contract/exception-store.contract.ts";

exceptionStoreContract("SqliteExceptionStore", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-exceptions-contract-")), "vigil.db");
  return () => new SqliteExceptionStore(path);
});
