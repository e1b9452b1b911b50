import { describe, expect, it } from "vitest";
import {
  BaselineNotLoadedError,
  WriteBehindBaselines,
} from "../../shared/adapters/write-behind-baselines.ts";

const ref = { namespace: "new-source", key: "AKIAEXAMPLE000000001" };

describe("WriteBehindBaselines", () => {
  it("serves loaded values and knows loaded-but-absent ones", () => {
    const working = new WriteBehindBaselines();
    const absent = { namespace: "subject", key: "AKIAEXAMPLE000000001" };
    working.prime([ref, absent], [{ ...ref, value: { since: 1 }, version: "7" }]);
    expect(working.get(ref.namespace, ref.key)).toEqual({ since: 1 });
    expect(working.get(absent.namespace, absent.key)).toBeUndefined();
    expect(working.pending()).toEqual([]);
  });

  it("refuses to answer for a baseline that was not loaded, instead of saying it was never seen", () => {
    const working = new WriteBehindBaselines();
    expect(() => working.get("new-source", "other")).toThrow(BaselineNotLoadedError);
    expect(() => working.set("new-source", "other", 1)).toThrow(
      /new-source\/other was not loaded for this batch/,
    );
  });

  it("writes back only values whose JSON changed, with the version they were read at", () => {
    const working = new WriteBehindBaselines();
    const absent = { namespace: "subject", key: "k" };
    working.prime([ref, absent], [{ ...ref, value: { nets: { a: 1 } }, version: "3" }]);
    const value = working.get<{ nets: Record<string, number> }>(ref.namespace, ref.key)!;
    working.set(ref.namespace, ref.key, value); // rewritten unchanged
    expect(working.changes).toBe(0);
    expect(working.pending()).toEqual([]);
    value.nets.b = 2; // changed in place, then set: still detected
    working.set(ref.namespace, ref.key, value);
    working.set(absent.namespace, absent.key, { firstSeen: 5 });
    expect(working.changes).toBe(2);
    expect(working.pending()).toEqual([
      { ...ref, value: { nets: { a: 1, b: 2 } }, expected: "3" },
      { ...absent, value: { firstSeen: 5 }, expected: undefined },
    ]);
    expect(working.writeStats().get("new-source")).toEqual({ sets: 2, unchanged: 1 });
  });

  it("after a commit, nothing is pending and the next write names the new version", () => {
    const working = new WriteBehindBaselines();
    working.prime([ref], []);
    working.set(ref.namespace, ref.key, 1);
    working.committed(new Map([[`${ref.namespace}\u0000${ref.key}`, "1"]]));
    expect(working.pending()).toEqual([]);
    expect(working.dirtyCount).toBe(0);
    working.set(ref.namespace, ref.key, 2);
    expect(working.pending()).toEqual([{ ...ref, value: 2, expected: "1" }]);
  });

  it("tries a change out and takes it back, values changed in place included", () => {
    const working = new WriteBehindBaselines();
    working.prime([ref], [{ ...ref, value: { nets: { a: 1 } }, version: "3" }]);
    const changed = working.trial(() => {
      const value = working.get<{ nets: Record<string, number> }>(ref.namespace, ref.key)!;
      value.nets.b = 2;
      working.set(ref.namespace, ref.key, value);
    });
    expect(changed).toBe(true);
    expect(working.get(ref.namespace, ref.key)).toEqual({ nets: { a: 1 } });
    expect(working.changes).toBe(0);
    expect(working.pending()).toEqual([]);
    expect(working.trial(() => working.set(ref.namespace, ref.key, { nets: { a: 1 } }))).toBe(false);
  });
});
