import type { Criticality } from "../../vocabulary.ts";
import type { Factor, ScoreFacts } from "../factor.ts";

const POINTS: Record<Criticality, number> = { low: 0, medium: 4, high: 8, critical: 12 };

/** How much the asset matters, as its profile declares. */
export function criticality(facts: ScoreFacts): Factor {
  const c = facts.criticality;
  if (c === undefined)
    return { name: "criticality", points: POINTS.medium, reason: "undeclared: assumed medium" };
  return { name: "criticality", points: POINTS[c.level], reason: `${c.level}, declared by ${c.from}` };
}
