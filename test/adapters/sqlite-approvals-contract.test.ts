import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { approvalStoreContract } from "../contract/approval-store.contract.ts";

approvalStoreContract("SqliteApprovalStore", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-approvals-contract-")), "vigil.db");
  return () => new SqliteApprovalStore(path);
});
