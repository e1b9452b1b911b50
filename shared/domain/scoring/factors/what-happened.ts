import type { Factor, ScoreFacts } from "../factor.ts";

const CORROBORATION = 6;
const CAP = 45;

/** The strongest signal's weight, plus a bonus for each distinct signal that corroborates it. */
export function whatHappened(facts: ScoreFacts): Factor {
  const distinct = new Map<string, number>();
  for (const s of facts.signals) distinct.set(s.id, Math.max(distinct.get(s.id) ?? 0, s.weight));
  const sorted = [...distinct.entries()].sort((a, b) => b[1] - a[1]);
  const [top] = sorted;
  if (top === undefined) return { name: "what-happened", points: 0, reason: "no detection fired" };
  const points = Math.min(CAP, top[1] + CORROBORATION * (sorted.length - 1));
  const others = sorted.length - 1;
  const reason =
    others === 0
      ? `${top[0]} fired`
      : `${top[0]} fired, corroborated by ${others} other signal${others === 1 ? "" : "s"} (${sorted
          .slice(1)
          .map(([id]) => id)
          .join(", ")})`;
  return { name: "what-happened", points, reason };
}
