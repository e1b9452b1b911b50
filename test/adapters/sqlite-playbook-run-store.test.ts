import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqlitePlaybookRunStore } from "../../shared/adapters/sqlite-playbook-runs.ts";
import { playbookRunStoreContract } from "../contract/playbook-run-store.contract.ts";

const path = join(mkdtempSync(join(tmpdir(), "vigil-runs-")), "vigil.db");
playbookRunStoreContract("SqlitePlaybookRunStore", () => new SqlitePlaybookRunStore(path));
