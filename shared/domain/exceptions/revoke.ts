import type { Clock } from "../../ports/clock.ts";
import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import { show } from "../errors.ts";
import { ExceptionEndedError, ExceptionNotFoundError } from "./errors.ts";
import { type BreakGlassException, endOf, isActive, statusAt } from "./exception.ts";
import { requiredText } from "./grant.ts";
import { revokedEntry } from "./records.ts";

/** The ports revoking needs. */
export interface RevokeDeps {
  readonly exceptions: ExceptionStore;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
}

/** Refuses an unknown exception id, naming where ids come from. */
export function notFound(id: string): ExceptionNotFoundError {
  return new ExceptionNotFoundError(
    `no exception ${show(id)} in the store; 'vigil exceptions list' shows the ids (check --store)`,
    { context: { id } },
  );
}

/**
 * Ends an exception early: atomically, only while it is still in force (so two people revoking at once
 * get one revocation and one clear refusal), and records `exception-revoked` with who and why. What it
 * suppressed is decided again when its end is processed (see sweepExceptions); a lifted quarantine is
 * put back then.
 */
export async function revokeException(
  id: string,
  request: { readonly by: string; readonly reason: string },
  deps: RevokeDeps,
): Promise<BreakGlassException> {
  const by = requiredText(request.by, "the name of who revokes it", "give your name");
  const reason = requiredText(request.reason, "the reason", "say why the exception is revoked");
  const at = deps.clock.now();
  const result = await deps.exceptions.update(id, (current) =>
    isActive(current, at) ? { ...current, revoked: { by, reason, at } } : undefined,
  );
  if (result === undefined) throw notFound(id);
  const revoked = result.after;
  if (revoked?.revoked === undefined) {
    const current = result.before;
    const how =
      statusAt(current, at) === "revoked"
        ? `was revoked by ${current.revoked?.by} at ${new Date(endOf(current)).toISOString()}`
        : `expired at ${new Date(current.expiresAt).toISOString()}`;
    throw new ExceptionEndedError(`exception ${id} ${how}; there is nothing to revoke`, {
      context: { id },
    });
  }
  await deps.ledger.append([revokedEntry({ ...revoked, revoked: revoked.revoked })]);
  return revoked;
}
