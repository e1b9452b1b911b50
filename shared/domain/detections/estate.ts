import { matchesAny } from "../config/arn-pattern.ts";
import type { CredentialUse } from "../event.ts";
import type { Grantee } from "../resource-policy.ts";
import type { DetectionContext } from "./detection.ts";

/**
 * True when `account` (a 12-digit id, or `*` for anyone) is outside the estate: anyone at all, or
 * an account that is neither the one the call was made in (`recipientAccountId`) nor one of the
 * config's `accounts`.
 */
export function isForeignAccount(account: string, use: CredentialUse, ctx: DetectionContext): boolean {
  if (account === "*") return true;
  if (account === use.accountId) return false;
  const estate = ctx.config.accounts;
  return estate === undefined || !matchesAny(estate, account);
}

/** The grantees outside the estate, each once. */
export function foreignGrantees(
  grantees: readonly Grantee[],
  use: CredentialUse,
  ctx: DetectionContext,
): Grantee[] {
  return grantees.filter((g) => isForeignAccount(g.account, use, ctx));
}

/**
 * "anyone (*)", "account 444455556666", …, for reasons: each account once, at most four.
 */
export function describeGrantees(grantees: readonly Grantee[]): string {
  const first = new Map<string, Grantee>();
  for (const g of grantees) if (!first.has(g.account)) first.set(g.account, g);
  const unique = [...first.values()];
  const shown = unique
    .slice(0, 4)
    .map((g) => (g.account === "*" ? `anyone (${g.as})` : `account ${g.account}`));
  const more = unique.length > 4 ? ` and ${unique.length - 4} more` : "";
  return `${shown.join(", ")}${more}`;
}
