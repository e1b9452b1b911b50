import type { PrivilegeLevel } from "../../../ports/privilege-source.ts";
import type { Factor, ScoreFacts } from "../factor.ts";

const POINTS: Record<PrivilegeLevel, number> = {
  admin: 20,
  "iam-write": 16,
  "secrets-read": 10,
  "data-write": 8,
  "read-only": 2,
  none: 0,
};
const UNKNOWN = 6;

/** What the principal can do with this credential: from an IAM snapshot, else from its profile. */
export function privilege(facts: ScoreFacts): Factor {
  if (facts.credential.kind === "root") {
    return {
      name: "privilege",
      points: POINTS.admin,
      reason: "the root user can do everything in the account",
    };
  }
  const p = facts.privilege;
  if (p === undefined) {
    return {
      name: "privilege",
      points: UNKNOWN,
      reason: "unknown: no IAM snapshot (--iam-snapshot) and no privilege in the profile; assumed moderate",
    };
  }
  return { name: "privilege", points: POINTS[p.level], reason: `${p.level}: ${p.reason}` };
}
