import { type Severity, severityOf } from "../vocabulary.ts";
import type { Factor, ScoreFacts } from "./factor.ts";
import { criticality } from "./factors/criticality.ts";
import { durability } from "./factors/durability.ts";
import { liveSecret } from "./factors/live-secret.ts";
import { privilege } from "./factors/privilege.ts";
import { reachability } from "./factors/reachability.ts";
import { whatHappened } from "./factors/what-happened.ts";

/** The factors in the order they are shown. */
const FACTORS = [whatHappened, privilege, reachability, durability, liveSecret, criticality] as const;

export interface Score {
  readonly score: number;
  readonly severity: Severity;
  readonly factors: readonly Factor[];
}

/**
 * Scores how exploitable an exposure is right now, 0–100: the sum of its factors, capped at 100.
 * Without any signal there is nothing to score: the result is 0 whatever the other factors say.
 */
export function scoreExposure(facts: ScoreFacts): Score {
  if (facts.signals.length === 0) return { score: 0, severity: "low", factors: [] };
  const factors = FACTORS.map((factor) => factor(facts));
  const score = Math.min(
    100,
    factors.reduce((sum, f) => sum + f.points, 0),
  );
  return { score, severity: severityOf(score), factors };
}
