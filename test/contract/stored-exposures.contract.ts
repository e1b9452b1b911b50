import { describe, expect, it } from "vitest";
import type { Exposure } from "../../shared/domain/finding.ts";
import type { StoredExposures } from "../../shared/ports/stored-exposures.ts";
import { exposureOf } from "../support/oncall.ts";

/** A store of exposures and the writer that fills it the way the pipeline does. */
export interface ExposureBacking {
  /** Opens another handle on the store (another process, another Lambda instance). */
  readonly open: () => StoredExposures;
  /** Stores `exposures` as the store's evaluation path writes them, replacing those of the same credential. */
  readonly write: (exposures: readonly Exposure[]) => Promise<void>;
}

const suppressed = exposureOf({
  decision: "suppressed-by-exception",
  decisionReason: "suppressed by exception exc-1 (incident 4711)",
});
const alsoSuppressed = exposureOf({
  decision: "suppressed-by-exception",
  decisionReason: "suppressed by exception exc-1 (incident 4711)",
  credential: { kind: "access-key", id: "AKIAEXAMPLE000000002" },
  score: 90,
  severity: "critical",
});
const acted = exposureOf({
  decision: "auto",
  credential: { kind: "access-key", id: "AKIAEXAMPLE000000003" },
});
const redecided = { ...suppressed, decision: "needs-approval" as const, decisionReason: "exception ended" };

/**
 * The behaviour every StoredExposures must have. `fresh()` makes a new, empty store and resolves to
 * its handles and its writer.
 */
export function storedExposuresContract(subject: string, fresh: () => Promise<ExposureBacking>): void {
  describe(`${subject} (StoredExposures contract)`, () => {
    it("reads back the suppressed exposures only, the highest score first", async () => {
      const backing = await fresh();
      expect(await backing.open().suppressed()).toEqual([]);
      await backing.write([suppressed, acted, alsoSuppressed]);
      expect(await backing.open().suppressed()).toEqual([alsoSuppressed, suppressed]);
    });

    it("replaces an exposure while it is unchanged, once", async () => {
      const backing = await fresh();
      await backing.write([suppressed, acted]);
      const store = backing.open();
      const [read] = await store.suppressed();
      expect(read).toEqual(suppressed);
      expect(await store.replace(read!, redecided)).toBe(true);
      expect(await backing.open().suppressed()).toEqual([]);
      expect(await store.replace(read!, { ...redecided, decisionReason: "again" })).toBe(false);
      const still = { ...redecided, decision: "suppressed-by-exception" as const, decisionReason: "exc-2" };
      await backing.write([still]);
      expect(await backing.open().suppressed()).toEqual([still]);
    });

    it("replaces an exposure read through another handle, and never one that is not stored", async () => {
      const backing = await fresh();
      await backing.write([suppressed]);
      const [read] = await backing.open().suppressed();
      expect(await backing.open().replace(read!, redecided)).toBe(true);
      expect(await backing.open().replace(alsoSuppressed, redecided)).toBe(false);
      expect(await backing.open().suppressed()).toEqual([]);
    });

    it("leaves an exposure alone that a newer evaluation wrote after it was read", async () => {
      const backing = await fresh();
      await backing.write([suppressed]);
      const store = backing.open();
      const [read] = await store.suppressed();
      const newer = { ...suppressed, findings: 2, lastSeen: "2026-03-10T11:10:00.000Z" };
      await backing.write([newer]);
      expect(await store.replace(read!, redecided)).toBe(false);
      expect(await backing.open().suppressed()).toEqual([newer]);
    });

    it("lets exactly one of two re-decisions at once through two handles replace it", async () => {
      const backing = await fresh();
      await backing.write([suppressed]);
      const a = backing.open();
      const b = backing.open();
      const [[readA], [readB]] = await Promise.all([a.suppressed(), b.suppressed()]);
      const results = await Promise.all([
        a.replace(readA!, redecided),
        b.replace(readB!, { ...redecided, decision: "auto" as const }),
      ]);
      expect(results.sort()).toEqual([false, true]);
    });
  });
}
