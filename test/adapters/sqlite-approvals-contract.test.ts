import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { approvalStoreContract } from "../contract/approval-store.contract.ts";
import { tablesBesideReplay } from "../support/store-file.ts";

approvalStoreContract("SqliteApprovalStore", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-approvals-contract-")), "vigil.db");
  return () => new SqliteApprovalStore(path);
});

describe("the store file the contract runs on", () => {
  it("holds the approvals table beside the replay tables of the same embedded store", () => {
    expect(tablesBesideReplay((path) => new SqliteApprovalStore(path))).toEqual(
      expect.arrayContaining(["findings", "exposures", "approvals"]),
    );
  });
});
