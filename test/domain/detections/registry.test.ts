import { describe, expect, it } from "vitest";
import { DETECTIONS } from "../../../shared/domain/detections/registry.ts";
import { SIGNAL_IDS } from "../../../shared/domain/vocabulary.ts";

describe("the detection registry", () => {
  it("runs each of the fourteen detections of DESIGN.md exactly once", () => {
    expect(DETECTIONS.map((d) => d.id)).toEqual([...SIGNAL_IDS]);
  });

  it("gives every detection a title and a positive weight", () => {
    for (const d of DETECTIONS) {
      expect(d.title.length, d.id).toBeGreaterThan(10);
      expect(d.weight, d.id).toBeGreaterThan(0);
    }
  });
});
