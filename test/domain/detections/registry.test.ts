import { describe, expect, it } from "vitest";
import { ATTACK_TECHNIQUES } from "../../../shared/domain/detections/attack.ts";
import { DETECTIONS } from "../../../shared/domain/detections/registry.ts";
import { SIGNAL_IDS } from "../../../shared/domain/vocabulary.ts";

describe("the detection registry", () => {
  it("runs each detection of the vocabulary exactly once, in its order", () => {
    expect(DETECTIONS.map((d) => d.id)).toEqual([...SIGNAL_IDS]);
  });

  it("gives every detection a title and a positive weight", () => {
    for (const d of DETECTIONS) {
      expect(d.title.length, d.id).toBeGreaterThan(10);
      expect(d.weight, d.id).toBeGreaterThan(0);
    }
  });

  it("names at least one MITRE ATT&CK technique per detection, each known by name", () => {
    for (const d of DETECTIONS) {
      expect(d.attack.length, d.id).toBeGreaterThan(0);
      for (const id of d.attack) expect(ATTACK_TECHNIQUES[id]?.name, `${d.id}: ${id}`).toBeTruthy();
    }
  });
});
