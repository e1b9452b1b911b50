import { suppressingExceptionId } from "../decide/decide.ts";
import type { Exposure } from "../finding.ts";
import { ledgerEntry } from "../ledger/entry.ts";
import type { LedgerEntry } from "../ledger/record.ts";
import { type BreakGlassException, endKind, endOf, scopeSubject } from "./exception.ts";

/** Ledger entries of exception events. Times are epoch ms from the Clock; record times are ISO 8601. */

const iso = (at: number) => new Date(at).toISOString();
const VIGIL = { kind: "vigil", id: "vigil" } as const;

/** JSON-safe copy of a value for a record's `change`. */
function json<T>(value: T): LedgerEntry["change"][string] {
  return JSON.parse(JSON.stringify(value));
}

function terms(exception: BreakGlassException): LedgerEntry["change"] {
  return {
    exceptionId: exception.id,
    scope: json(exception.scope),
    playbooks: [...exception.playbooks],
    signals: [...exception.signals],
    grantedBy: exception.grantedBy,
    grantedAt: iso(exception.grantedAt),
    expiresAt: iso(exception.expiresAt),
  };
}

/** `exception-granted`, by the person who granted it, with its scope, duration and reason. */
export function grantedEntry(exception: BreakGlassException): LedgerEntry {
  return ledgerEntry({
    at: exception.grantedAt,
    actor: { kind: "human", id: exception.grantedBy },
    action: "exception-granted",
    subject: scopeSubject(exception.scope),
    reason: exception.reason,
    change: terms(exception),
  });
}

/** `exception-revoked`, by the person who revoked it, with their reason. */
export function revokedEntry(
  exception: BreakGlassException & { revoked: { by: string; reason: string; at: number } },
): LedgerEntry {
  return ledgerEntry({
    at: exception.revoked.at,
    actor: { kind: "human", id: exception.revoked.by },
    action: "exception-revoked",
    subject: scopeSubject(exception.scope),
    reason: exception.revoked.reason,
    change: { ...terms(exception), revokedAt: iso(exception.revoked.at) },
  });
}

/** `exception-expired`, by vigil, when it processes the end of an exception that ran its full time. */
export function expiredEntry(exception: BreakGlassException, at: number): LedgerEntry {
  return ledgerEntry({
    at,
    actor: VIGIL,
    action: "exception-expired",
    subject: scopeSubject(exception.scope),
    reason: `exception ${exception.id} expired at ${iso(exception.expiresAt)}; what it suppressed is decided again`,
    change: { ...terms(exception), expiredAt: iso(exception.expiresAt) },
  });
}

/**
 * One `exception-used` record per exposure whose decision an exception suppressed, by vigil: which
 * exception, and what vigil would have done without it (the decision's reason says so).
 */
export function usedEntries(exposures: readonly Exposure[], at: number): LedgerEntry[] {
  return exposures.flatMap((e) => {
    const exceptionId = suppressingExceptionId(e);
    if (exceptionId === undefined) return [];
    return [
      ledgerEntry({
        at,
        actor: VIGIL,
        action: "exception-used",
        subject: { kind: e.credential.kind, id: e.credential.id },
        reason: e.decisionReason,
        signals: e.signals,
        change: {
          exceptionId,
          principal: e.principal,
          score: e.score,
          severity: e.severity,
          signals: [...e.signals],
          playbook: e.playbook === null ? null : e.playbook.id,
        },
      }),
    ];
  });
}

/** `quarantine-lifted`, by the person who lifted it: the run and step, until when, and what was removed. */
export function liftedEntry(exception: BreakGlassException): LedgerEntry {
  const lift = exception.lift;
  return ledgerEntry({
    at: exception.grantedAt,
    actor: { kind: "human", id: exception.grantedBy },
    action: "quarantine-lifted",
    subject: scopeSubject(exception.scope),
    reason: exception.reason,
    change: {
      ...terms(exception),
      ...(lift === undefined
        ? {}
        : { runId: lift.runId, step: lift.step, target: lift.target, released: json(lift.released) }),
    },
  });
}

/** `quarantine-reapplied`, by vigil, when a lift has ended and the quarantine step ran again. */
export function reappliedEntry(
  exception: BreakGlassException,
  run: { readonly id: string; readonly status: string },
  stepStatus: string,
  at: number,
): LedgerEntry {
  return ledgerEntry({
    at,
    actor: VIGIL,
    action: "quarantine-reapplied",
    subject: scopeSubject(exception.scope),
    reason: `the quarantine lift ${exception.id} ${endKind(exception)} at ${iso(endOf(exception))}; the quarantine is back`,
    change: {
      exceptionId: exception.id,
      liftedRun: exception.lift?.runId ?? null,
      runId: run.id,
      runStatus: run.status,
      step: exception.lift?.step ?? null,
      status: stepStatus,
    },
  });
}
