import type { Factor, ScoreFacts } from "../factor.ts";

/** How long the credential stays useful to whoever holds it. */
export function durability(facts: ScoreFacts): Factor {
  switch (facts.credential.kind) {
    case "root":
      return { name: "durability", points: 12, reason: "root credentials never expire" };
    case "access-key":
      return { name: "durability", points: 10, reason: "long-term access key: valid until deactivated" };
    case "secret":
      return { name: "durability", points: 8, reason: "a secret value stays valid until rotated" };
    case "console":
      return { name: "durability", points: 6, reason: "console session: up to 12 hours" };
    case "role-session":
      return { name: "durability", points: 4, reason: "temporary session: 15 minutes to 36 hours" };
  }
}
