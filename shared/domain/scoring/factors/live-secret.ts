import type { Factor, ScoreFacts } from "../factor.ts";

/** Whether a secret value is in play: read in this activity, or readable by the principal. */
export function liveSecret(facts: ScoreFacts): Factor {
  if (facts.secretRead)
    return { name: "live-secret", points: 10, reason: "a secret value was returned to the caller" };
  const level = facts.privilege?.level;
  if (level === "admin" || level === "secrets-read" || facts.credential.kind === "root") {
    return { name: "live-secret", points: 5, reason: "the principal can read secrets" };
  }
  return { name: "live-secret", points: 0, reason: "no secret read and no secret-read permission known" };
}
