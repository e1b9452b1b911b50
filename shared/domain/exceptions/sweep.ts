import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { RunRecord } from "../../ports/playbook-run-store.ts";
import type { StoredExposures } from "../../ports/stored-exposures.ts";
import { type ApprovalDeps, requestApprovals } from "../approvals/open.ts";
import type { VigilConfig } from "../config/compile.ts";
import type { CredentialRef } from "../event.ts";
import type { Exposure } from "../finding.ts";
import { decisionEntries } from "../ledger/decisions.ts";
import { runStepEntries } from "../ledger/runs.ts";
import { type ExecutorDeps, runPlaybook } from "../playbooks/executor.ts";
import { CREDENTIAL_KINDS, type CredentialKind } from "../vocabulary.ts";
import { type BreakGlassException, endKind, endOf, isActive } from "./exception.ts";
import { expiredEntry, reappliedEntry, usedEntries } from "./records.ts";
import { redecideSuppressed } from "./redecide.ts";

/** The ports the sweep needs. */
export interface SweepDeps {
  readonly config: VigilConfig;
  readonly exceptions: ExceptionStore;
  readonly exposures: StoredExposures;
  readonly ledger: LedgerStore;
  /** Runs re-decided `auto` playbooks and re-applies lifted quarantines; its clock is the sweep's. */
  readonly executor: ExecutorDeps;
  /** Opens approval requests for exposures re-decided `needs-approval`; without it none are opened. */
  readonly approvals?: ApprovalDeps;
}

/** What one sweep did. */
export interface SweepReport {
  /** Exceptions whose end this sweep processed, and what it decided again. */
  readonly ended: ReadonlyArray<{
    readonly exception: BreakGlassException;
    readonly how: "expired" | "revoked";
    readonly redecided: readonly Exposure[];
  }>;
  /** Runs of re-decided `auto` exposures. */
  readonly runs: readonly RunRecord[];
  /** Lifts whose quarantine is back, with the run that put it back. */
  readonly reapplied: ReadonlyArray<{ readonly exception: BreakGlassException; readonly run: RunRecord }>;
  /** Lifts whose quarantine could not be put back (the next sweep tries again), and why. */
  readonly notReapplied: ReadonlyArray<{
    readonly exception: BreakGlassException;
    readonly run: RunRecord;
    readonly why: string;
  }>;
}

function credentialOf(text: string, fallback: string): CredentialRef {
  const colon = text.indexOf(":");
  const kind = text.slice(0, colon);
  return (CREDENTIAL_KINDS as readonly string[]).includes(kind)
    ? { kind: kind as CredentialKind, id: text.slice(colon + 1) }
    : { kind: "role-session", id: fallback };
}

/** Claims the processing of an exception's end: true for exactly one caller, once it has ended. */
function claimEnd(store: ExceptionStore, id: string, now: number): BreakGlassException | undefined {
  return store.update(id, (current) =>
    current.endProcessedAt === undefined && endOf(current) <= now
      ? { ...current, endProcessedAt: now }
      : undefined,
  )?.after;
}

async function processEnd(
  exception: BreakGlassException,
  now: number,
  deps: SweepDeps,
): Promise<{ redecided: Exposure[]; runs: RunRecord[] }> {
  const how = endKind(exception);
  const redecided = redecideSuppressed(exception, now, {
    config: deps.config,
    exposures: deps.exposures,
    exceptions: deps.exceptions,
  });
  deps.ledger.append([
    ...(how === "expired" ? [expiredEntry(exception, now)] : []),
    ...decisionEntries({ runId: `exception-end:${exception.id}`, findings: [], exposures: redecided }, now),
    ...usedEntries(redecided, now),
  ]);
  if (deps.approvals !== undefined) await requestApprovals(redecided, deps.approvals);
  const runs: RunRecord[] = [];
  for (const exposure of redecided) {
    if (exposure.decision !== "auto" || exposure.playbook === null) continue;
    const run = await runPlaybook(
      {
        playbook: exposure.playbook,
        principalArn: exposure.principal,
        credential: exposure.credential,
        reason: `${exposure.decisionReason} (exception ${exception.id} ${how})`,
      },
      deps.executor,
    );
    deps.ledger.append(runStepEntries(run));
    runs.push(run);
  }
  return { redecided, runs };
}

async function reapply(
  exception: BreakGlassException & { lift: NonNullable<BreakGlassException["lift"]> },
  deps: SweepDeps,
): Promise<{ run: RunRecord; applied: boolean; why: string }> {
  const { lift } = exception;
  const run = await runPlaybook(
    {
      playbook: {
        id: lift.step,
        steps: [
          {
            step: lift.step,
            target: lift.target,
            params: lift.params,
            description: `put back the quarantine of ${lift.target} lifted by ${exception.id}`,
          },
        ],
        notes: [],
      },
      principalArn: lift.target,
      credential: credentialOf(lift.credential, lift.target),
      reason: `the quarantine lift ${exception.id} ${endKind(exception)}; quarantined by run ${lift.runId}`,
    },
    deps.executor,
  );
  deps.ledger.append(runStepEntries(run));
  const step = run.steps[0];
  const applied = step?.status === "applied" || step?.status === "already-done";
  return { run, applied, why: step?.reason ?? `the step ended ${step?.status ?? "without a status"}` };
}

/**
 * The due work of break-glass exceptions, at the executor's Clock reading `now`:
 * 1. every exception that has ended (`expiresAt <= now`, or revoked) and was not processed yet is
 *    claimed (exactly one sweep processes it), recorded as `exception-expired` when it ran its full time
 *    (a revocation was recorded when it was made), and the stored exposures it suppressed are decided
 *    again: recorded as `finding-decided`, `needs-approval` ones get a request, `auto` ones run;
 * 2. every quarantine lift that has ended gets its quarantine back through the executor (all guards
 *    apply), recorded as `quarantine-reapplied` once; when a guard blocks it, the next sweep tries again.
 * Decisions never wait for this: an exception stops applying at its expiry instant anyway.
 */
export async function sweepExceptions(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.executor.clock.now();
  const ended: Array<{ exception: BreakGlassException; how: "expired" | "revoked"; redecided: Exposure[] }> =
    [];
  const runs: RunRecord[] = [];
  for (const candidate of deps.exceptions.list()) {
    if (candidate.endProcessedAt !== undefined || endOf(candidate) > now) continue;
    const exception = claimEnd(deps.exceptions, candidate.id, now);
    if (exception === undefined) continue;
    const done = await processEnd(exception, now, deps);
    ended.push({ exception, how: endKind(exception), redecided: done.redecided });
    runs.push(...done.runs);
  }
  const reapplied: Array<{ exception: BreakGlassException; run: RunRecord }> = [];
  const notReapplied: Array<{ exception: BreakGlassException; run: RunRecord; why: string }> = [];
  for (const exception of deps.exceptions.list()) {
    const lift = exception.lift;
    if (lift === undefined || lift.reapplied !== undefined || isActive(exception, now)) continue;
    const result = await reapply({ ...exception, lift }, deps);
    if (!result.applied) {
      notReapplied.push({ exception, run: result.run, why: result.why });
      continue;
    }
    const at = deps.executor.clock.now();
    const marked = deps.exceptions.update(exception.id, (current) =>
      current.lift !== undefined && current.lift.reapplied === undefined
        ? { ...current, lift: { ...current.lift, reapplied: { at, runId: result.run.id } } }
        : undefined,
    )?.after;
    if (marked === undefined) continue;
    deps.ledger.append([reappliedEntry(marked, result.run, result.run.steps[0]?.status ?? "unknown", at)]);
    reapplied.push({ exception: marked, run: result.run });
  }
  return { ended, runs, reapplied, notReapplied };
}
