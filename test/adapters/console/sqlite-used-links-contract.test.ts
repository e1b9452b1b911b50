import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteUsedLinks } from "../../../shared/adapters/console/sqlite-used-links.ts";
import { usedLinksContract } from "../../contract/used-links.contract.ts";

usedLinksContract("SqliteUsedLinks", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-links-contract-")), "vigil.db");
  return () => new SqliteUsedLinks(path);
});
