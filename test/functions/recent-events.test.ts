import { describe, expect, it } from "vitest";
import { RecentEvents } from "../../functions/common/recent-events.ts";

describe("RecentEvents", () => {
  it("remembers the ids it was given", () => {
    const recent = new RecentEvents();
    recent.add("a");
    expect(recent.has("a")).toBe(true);
    expect(recent.has("b")).toBe(false);
  });

  it("forgets the oldest id first once full", () => {
    const recent = new RecentEvents(2);
    for (const id of ["a", "b", "a", "c"]) recent.add(id);
    expect([recent.has("a"), recent.has("b"), recent.has("c")]).toEqual([false, true, true]);
    expect(recent.size).toBe(2);
  });
});
