import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteUsedLinks } from "../../../shared/adapters/console/sqlite-used-links.ts";
import { usedLinksContract } from "../../contract/used-links.contract.ts";
import { tablesBesideReplay } from "../../support/store-file.ts";

usedLinksContract("SqliteUsedLinks", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-links-contract-")), "vigil.db");
  return () => new SqliteUsedLinks(path);
});

describe("the store file the contract runs on", () => {
  it("holds the used_links table beside the replay tables of the same embedded store", () => {
    expect(tablesBesideReplay((path) => new SqliteUsedLinks(path))).toEqual(
      expect.arrayContaining(["findings", "exposures", "used_links"]),
    );
  });
});
