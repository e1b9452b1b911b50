import type { SignalId } from "../../vocabulary.ts";
import type { Factor, ScoreFacts } from "../factor.ts";

/** Points for each distinct signal beyond the strongest. */
export const CORROBORATION = 6;
/** Points when a high-impact action comes from a credential already off its declared sources or windows. */
export const OFF_PROFILE_IMPACT = 15;
export const WHAT_HAPPENED_CAP = 65;

/** Actions whose harm lasts: data or access handed out, monitoring blinded, a way back in, data destroyed. */
const HIGH_IMPACT: ReadonlySet<SignalId> = new Set([
  "external-sharing",
  "logging-tampering",
  "persistence",
  "data-destruction",
]);
/** Signals that the credential is used where or when its owner said it never is. */
const OFF_PROFILE: ReadonlySet<SignalId> = new Set(["unexpected-source", "outside-window"]);

/**
 * The strongest signal's weight, plus {@link CORROBORATION} for each distinct signal that
 * corroborates it, plus {@link OFF_PROFILE_IMPACT} when a high-impact action (sharing outside the
 * estate, logging off, a new way back in, mass deletion) is made by a credential already off its
 * declared sources or windows; at most {@link WHAT_HAPPENED_CAP}.
 */
export function whatHappened(facts: ScoreFacts): Factor {
  const distinct = new Map<SignalId, number>();
  for (const s of facts.signals) distinct.set(s.id, Math.max(distinct.get(s.id) ?? 0, s.weight));
  const sorted = [...distinct.entries()].sort((a, b) => b[1] - a[1]);
  const [top] = sorted;
  if (top === undefined) return { name: "what-happened", points: 0, reason: "no detection fired" };
  const impact = sorted.find(([id]) => HIGH_IMPACT.has(id))?.[0];
  const off = sorted.find(([id]) => OFF_PROFILE.has(id))?.[0];
  const bonus = impact !== undefined && off !== undefined ? OFF_PROFILE_IMPACT : 0;
  const points = Math.min(WHAT_HAPPENED_CAP, top[1] + CORROBORATION * (sorted.length - 1) + bonus);
  const others = sorted.length - 1;
  const fired =
    others === 0
      ? `${top[0]} fired`
      : `${top[0]} fired, corroborated by ${others} other signal${others === 1 ? "" : "s"} (${sorted
          .slice(1)
          .map(([id]) => id)
          .join(", ")})`;
  const reason =
    bonus === 0 ? fired : `${fired}; ${impact} by a credential already off its declared profile (${off})`;
  return { name: "what-happened", points, reason };
}
