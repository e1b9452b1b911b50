import { describe, expect, it } from "vitest";
import type { BreakGlassException } from "../../shared/domain/exceptions/exception.ts";
import type { ExceptionStore } from "../../shared/ports/exception-store.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const ROLE = "arn:aws:iam::111122223333:role/app";

function exception(fields: Partial<BreakGlassException> = {}): BreakGlassException {
  return {
    id: "exc-1",
    scope: { kind: "principal", arn: ROLE },
    playbooks: [],
    signals: [],
    reason: "incident 4711",
    grantedBy: "alice",
    grantedAt: T0,
    expiresAt: T0 + HOUR,
    ...fields,
  };
}

/** Revokes at `at` unless it is revoked already (pure: a store may call it again). */
function revoke(by: string, at: number) {
  return (current: BreakGlassException): BreakGlassException | undefined =>
    current.revoked === undefined ? { ...current, revoked: { by, reason: "over", at } } : undefined;
}

const ids = (list: readonly BreakGlassException[]) => list.map((e) => e.id);

/**
 * The behaviour every ExceptionStore must have. `fresh()` makes a new, empty store and resolves to a
 * function that opens another handle on it (another process, another Lambda instance).
 */
export function exceptionStoreContract(subject: string, fresh: () => Promise<() => ExceptionStore>): void {
  describe(`${subject} (ExceptionStore contract)`, () => {
    it("keeps exceptions, lists the most recently granted first, and refuses an id twice", async () => {
      const open = await fresh();
      const store = open();
      await store.insert(exception());
      await store.insert(exception({ id: "exc-3", grantedAt: T0 + 10 }));
      await store.insert(exception({ id: "exc-2", grantedAt: T0 + 10 }));
      const other = open();
      expect(await other.get("exc-1")).toEqual(exception());
      expect(await other.get("exc-9")).toBeUndefined();
      expect(ids(await other.list())).toEqual(["exc-2", "exc-3", "exc-1"]);
      await expect(other.insert(exception({ reason: "again" }))).rejects.toThrow(/exc-1/);
      expect(await store.get("exc-1")).toEqual(exception());
      expect(await (await fresh())().list()).toEqual([]);
    });

    it("reads the exceptions not ended at a time (granted before or after it), to the millisecond, oldest grant first", async () => {
      const store = (await fresh())();
      await store.insert(exception({ id: "exc-2", grantedAt: T0 + 10, expiresAt: T0 + 10 + HOUR }));
      await store.insert(exception());
      expect(ids(await store.activeAt(T0))).toEqual(["exc-1", "exc-2"]);
      expect(ids(await store.activeAt(T0 + HOUR - 1))).toEqual(["exc-1", "exc-2"]);
      expect(ids(await store.activeAt(T0 + HOUR))).toEqual(["exc-2"]);
      expect(ids(await store.activeAt(T0 + 10 + HOUR))).toEqual([]);
      // Granted later than the time asked about: it may be in force after it, so it is included.
      expect(ids(await store.activeAt(T0 - 1))).toEqual(["exc-1", "exc-2"]);
    });

    it("ends an exception at its revocation, for every handle that reads it", async () => {
      const open = await fresh();
      const store = open();
      await store.insert(exception());
      const done = await store.update("exc-1", revoke("bob", T0 + 60_000));
      expect(done).toEqual({
        before: exception(),
        after: exception({ revoked: { by: "bob", reason: "over", at: T0 + 60_000 } }),
      });
      const other = open();
      expect(ids(await other.activeAt(T0 + 59_999))).toEqual(["exc-1"]);
      expect(await other.activeAt(T0 + 60_000)).toEqual([]);
      expect(await other.get("exc-1")).toEqual(done?.after);
    });

    it("writes nothing when a change returns nothing, and answers undefined for an unknown id", async () => {
      const store = (await fresh())();
      await store.insert(exception());
      expect(await store.update("exc-1", () => undefined)).toEqual({ before: exception() });
      expect(await store.get("exc-1")).toEqual(exception());
      expect(await store.update("exc-9", (e) => e)).toBeUndefined();
    });

    it("lets exactly one of two revocations at once through two handles land", async () => {
      const open = await fresh();
      await open().insert(exception());
      const results = await Promise.all([
        open().update("exc-1", revoke("bob", T0 + 1_000)),
        open().update("exc-1", revoke("carol", T0 + 2_000)),
      ]);
      const landed = results.filter((r) => r?.after !== undefined);
      expect(landed).toHaveLength(1);
      expect((await open().get("exc-1"))?.revoked).toEqual(landed[0]?.after?.revoked);
    });
  });
}
