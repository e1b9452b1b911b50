import * as z from "zod";
import { ArnPattern } from "../config/arn-pattern.ts";
import type { CredentialRef } from "../event.ts";
import type { LedgerEntry } from "../ledger/record.ts";
import { CREDENTIAL_KINDS, SIGNAL_IDS, type SignalId, STEP_IDS } from "../vocabulary.ts";

/**
 * A break-glass exception: for a while, vigil keeps detecting, scoring and recording what a principal,
 * a credential or a pattern of them does, but acts on none of it (the decision is
 * `suppressed-by-exception`). A quarantine lift is an exception too: it also carries what was removed,
 * so the quarantine can be put back when the lift ends.
 *
 * Time boundaries (epoch ms, from the Clock): an exception is in force from `grantedAt` (inclusive) to
 * `expiresAt` (exclusive): one millisecond before `expiresAt` it is active, at `expiresAt` it has
 * expired. A revocation ends it at `revoked.at` the same way.
 */

const credentialRef = z.object({ kind: z.enum(CREDENTIAL_KINDS), id: z.string().min(1) }).strict();

const stepResult = z.object({
  changed: z.boolean(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
});

/** The quarantine a lift removed: the run and step that applied it, and what the step's undo did. */
export const LiftSchema = z
  .object({
    /** The run whose quarantine step is lifted. */
    runId: z.string().min(1),
    step: z.enum(STEP_IDS),
    target: z.string().min(1),
    params: z.record(z.string(), z.string()),
    /** The credential of that run (`kind:id`), for the run that re-applies it. */
    credential: z.string().min(1),
    /** What the quarantine step's undo reported when the lift removed it. */
    released: stepResult,
    /**
     * When the quarantine was put back, and by which run; absent until then. When the sweep queued it
     * on a dispatch instead of running it, when it was queued and `runId` is the dedupe key.
     */
    reapplied: z
      .object({ at: z.number(), runId: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type QuarantineLift = z.infer<typeof LiftSchema>;

/**
 * One exception as stored; parsed with this schema when read back. Its scope is one principal ARN, one
 * credential, or a `*` pattern over principal ARNs and credential ids.
 */
export const ExceptionSchema = z
  .object({
    id: z.string().min(1),
    scope: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("principal"), arn: z.string().min(1) }).strict(),
      z.object({ kind: z.literal("credential"), credential: credentialRef }).strict(),
      z.object({ kind: z.literal("pattern"), pattern: z.string().min(1) }).strict(),
    ]),
    /** Playbook ids it suppresses; empty: every playbook. */
    playbooks: z.array(z.string().min(1)),
    /** Signals it covers; empty: any. Otherwise every signal of an exposure must be listed. */
    signals: z.array(z.enum(SIGNAL_IDS)),
    reason: z.string().min(1),
    grantedBy: z.string().min(1),
    grantedAt: z.number(),
    expiresAt: z.number(),
    revoked: z
      .object({ by: z.string().min(1), reason: z.string().min(1), at: z.number() })
      .strict()
      .optional(),
    /** When vigil processed its end (recorded it, re-decided what it suppressed); absent until then. */
    endProcessedAt: z.number().optional(),
    lift: LiftSchema.optional(),
  })
  .strict();
export type BreakGlassException = z.infer<typeof ExceptionSchema>;
export type ExceptionScope = BreakGlassException["scope"];

/** What an exception is matched against: the subject of a decision. */
export interface ExceptionSubject {
  readonly principalArn: string;
  readonly credential: CredentialRef;
  /** The playbook the decision would run. */
  readonly playbook?: string;
  readonly signals?: readonly SignalId[];
}

/** When the exception ends: its revocation if earlier, else its expiry. */
export function endOf(exception: BreakGlassException): number {
  const revokedAt = exception.revoked?.at;
  return revokedAt !== undefined && revokedAt < exception.expiresAt ? revokedAt : exception.expiresAt;
}

/** How the exception ends: `revoked` when revoked before its expiry, else `expired`. */
export function endKind(exception: BreakGlassException): "revoked" | "expired" {
  const revokedAt = exception.revoked?.at;
  return revokedAt !== undefined && revokedAt < exception.expiresAt ? "revoked" : "expired";
}

/** True when the exception is in force at `at`: `grantedAt <= at < end` (the end instant is not covered). */
export function isActive(exception: BreakGlassException, at: number): boolean {
  return exception.grantedAt <= at && at < endOf(exception);
}

/** `active`, `expired` or `revoked`, as listings show it at `at`. */
export function statusAt(exception: BreakGlassException, at: number): "active" | "expired" | "revoked" {
  if (isActive(exception, at)) return "active";
  const revokedAt = exception.revoked?.at;
  return revokedAt !== undefined && revokedAt < exception.expiresAt && revokedAt <= at
    ? "revoked"
    : "expired";
}

/** True when the scope names this principal or credential (the playbook and signal scope aside). */
export function scopeMatches(
  scope: ExceptionScope,
  principalArn: string,
  credential: CredentialRef,
): boolean {
  if (scope.kind === "principal") return scope.arn === principalArn;
  if (scope.kind === "credential")
    return scope.credential.kind === credential.kind && scope.credential.id === credential.id;
  const pattern = new ArnPattern(scope.pattern);
  return pattern.matches(principalArn) || pattern.matches(credential.id);
}

/**
 * True when the exception covers the decision about `subject`: the scope names it, the playbook is
 * among the exception's playbooks (or it lists none) and every signal is among its signals (or it lists
 * none). Time is not looked at here: see isActive.
 */
export function covers(exception: BreakGlassException, subject: ExceptionSubject): boolean {
  if (!scopeMatches(exception.scope, subject.principalArn, subject.credential)) return false;
  if (exception.playbooks.length > 0) {
    if (subject.playbook === undefined || !exception.playbooks.includes(subject.playbook)) return false;
  }
  if (exception.signals.length > 0) {
    const signals = subject.signals ?? [];
    if (signals.length === 0 || !signals.every((s) => exception.signals.includes(s))) return false;
  }
  return true;
}

/** The first of `exceptions` in force at `at` that covers `subject`, if any. */
export function coveringException(
  exceptions: readonly BreakGlassException[],
  subject: ExceptionSubject,
  at: number,
): BreakGlassException | undefined {
  return exceptions.find((e) => isActive(e, at) && covers(e, subject));
}

/** The scope in words: `principal arn:…`, `access-key AKIA…`, `pattern arn:…:role/ci-*`. */
export function scopeText(scope: ExceptionScope): string {
  if (scope.kind === "principal") return `principal ${scope.arn}`;
  if (scope.kind === "credential") return `${scope.credential.kind} ${scope.credential.id}`;
  return `pattern ${scope.pattern}`;
}

/** The ledger subject of an exception's records: the principal, the credential, or the pattern. */
export function scopeSubject(scope: ExceptionScope): LedgerEntry["subject"] {
  if (scope.kind === "principal") return { kind: "principal", id: scope.arn };
  if (scope.kind === "credential") return { kind: scope.credential.kind, id: scope.credential.id };
  return { kind: "pattern", id: scope.pattern };
}
