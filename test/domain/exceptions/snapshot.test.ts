import { describe, expect, it } from "vitest";
import type { BreakGlassException } from "../../../shared/domain/exceptions/exception.ts";
import { activeExceptionsSnapshot } from "../../../shared/domain/exceptions/snapshot.ts";
import { MemoryExceptionStore } from "../../support/oncall.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;

function exception(fields: Partial<BreakGlassException> = {}): BreakGlassException {
  return {
    id: "exc-1",
    scope: { kind: "principal", arn: "arn:aws:iam::111122223333:user/svc-ci" },
    playbooks: [],
    signals: [],
    reason: "incident 4711",
    grantedBy: "alice",
    grantedAt: T0,
    expiresAt: T0 + HOUR,
    ...fields,
  };
}

const ids = (list: readonly BreakGlassException[]) => list.map((e) => e.id);

describe("activeExceptionsSnapshot", () => {
  it("keeps, at each instant, the exceptions granted by then and not ended before it, to the millisecond", () => {
    const snapshot = activeExceptionsSnapshot([
      exception(),
      exception({ id: "exc-2", grantedAt: T0 + 10, expiresAt: T0 + 10 + HOUR }),
      exception({ id: "exc-3", revoked: { by: "bob", reason: "over", at: T0 + 60_000 } }),
    ]);
    expect(ids(snapshot.activeAt(T0 - 1))).toEqual([]);
    expect(ids(snapshot.activeAt(T0))).toEqual(["exc-1", "exc-3"]);
    expect(ids(snapshot.activeAt(T0 + 59_999))).toEqual(["exc-1", "exc-3", "exc-2"]);
    expect(ids(snapshot.activeAt(T0 + 60_000))).toEqual(["exc-1", "exc-2"]);
    expect(ids(snapshot.activeAt(T0 + HOUR - 1))).toEqual(["exc-1", "exc-2"]);
    expect(ids(snapshot.activeAt(T0 + HOUR))).toEqual(["exc-2"]);
    expect(ids(snapshot.activeAt(T0 + 10 + HOUR))).toEqual([]);
  });

  it("orders by grant, then id, whatever order the store gave", () => {
    const snapshot = activeExceptionsSnapshot([
      exception({ id: "exc-b", grantedAt: T0 + 5 }),
      exception({ id: "exc-z" }),
      exception({ id: "exc-a" }),
    ]);
    expect(ids(snapshot.activeAt(T0 + 5))).toEqual(["exc-a", "exc-z", "exc-b"]);
  });

  it("answers from what was loaded: a grant made after the load is not seen", async () => {
    const store = new MemoryExceptionStore();
    await store.insert(exception());
    const snapshot = activeExceptionsSnapshot(await store.activeAt(T0));
    await store.insert(exception({ id: "exc-later", grantedAt: T0 + 1 }));
    expect(ids(snapshot.activeAt(T0 + 2))).toEqual(["exc-1"]);
  });
});
