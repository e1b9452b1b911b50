import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteUsedLinks } from "../../../shared/adapters/console/sqlite-used-links.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("SqliteUsedLinks", () => {
  it("consumes a link once, also across two connections to the same store", async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-links-"));
    const path = join(dir, "vigil.db");
    const a = new SqliteUsedLinks(path);
    const b = new SqliteUsedLinks(path);
    expect(await a.consume("link-1", 1_000)).toBe(true);
    expect(await b.consume("link-1", 1_000)).toBe(false);
    expect(await b.consume("link-2", 1_000)).toBe(true);
    a.close();
    b.close();
  });
});
