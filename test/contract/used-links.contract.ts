import { describe, expect, it } from "vitest";
import type { UsedLinks } from "../../shared/ports/used-links.ts";

const EXPIRES = Date.parse("2026-03-10T13:00:00Z");

/**
 * The behaviour every UsedLinks must have. `fresh()` makes a new, empty store and resolves to a
 * function that opens another handle on it (another process, another Lambda instance).
 */
export function usedLinksContract(subject: string, fresh: () => Promise<() => UsedLinks>): void {
  describe(`${subject} (UsedLinks contract)`, () => {
    it("consumes a link once, also through another handle, and each link on its own", async () => {
      const open = await fresh();
      const a = open();
      const b = open();
      expect(await a.consume("link-1", EXPIRES)).toBe(true);
      expect(await b.consume("link-1", EXPIRES)).toBe(false);
      expect(await a.consume("link-1", EXPIRES + 60_000)).toBe(false);
      expect(await b.consume("link-2", EXPIRES)).toBe(true);
    });

    it("gives true to exactly one of two requests racing with the same link", async () => {
      const open = await fresh();
      const results = await Promise.all([
        open().consume("link-1", EXPIRES),
        open().consume("link-1", EXPIRES),
      ]);
      expect(results.sort()).toEqual([false, true]);
    });
  });
}
