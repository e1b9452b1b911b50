import type { Clock } from "../../ports/clock.ts";
import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { PlaybookDispatch } from "../../ports/playbook-dispatch.ts";
import type { RunRecord } from "../../ports/playbook-run-store.ts";
import type { StoredExposures } from "../../ports/stored-exposures.ts";
import { type ApprovalDeps, requestApprovals } from "../approvals/open.ts";
import type { VigilConfig } from "../config/compile.ts";
import type { CredentialRef } from "../event.ts";
import type { Exposure } from "../finding.ts";
import { decisionEntries } from "../ledger/decisions.ts";
import { dispatchedEntry, runStepEntries } from "../ledger/runs.ts";
import { type ExecutorDeps, type PlaybookRequest, runPlaybook } from "../playbooks/executor.ts";
import { CREDENTIAL_KINDS, type CredentialKind } from "../vocabulary.ts";
import { type BreakGlassException, endKind, endOf, isActive } from "./exception.ts";
import { expiredEntry, reappliedEntry, usedEntries } from "./records.ts";
import { redecideSuppressed } from "./redecide.ts";

/** The stores and configuration the sweep needs, wherever its playbooks run. */
export interface SweepPorts {
  readonly config: VigilConfig;
  readonly exceptions: ExceptionStore;
  readonly exposures: StoredExposures;
  readonly ledger: LedgerStore;
  /** Opens approval requests for exposures re-decided `needs-approval`; without it none are opened. */
  readonly approvals?: ApprovalDeps;
}

/**
 * The ports the sweep needs, and where its playbooks (re-decided `auto` exposures, re-applied lifted
 * quarantines) go: run here by the executor, whose clock is the sweep's; or queued on a dispatch for
 * the function that runs playbooks, with the sweep's own clock; or, with neither (observe mode),
 * nowhere: the ends and decisions are recorded, no playbook runs or is queued, and a lifted
 * quarantine is left for a sweep that may act to put back.
 */
export type SweepDeps = SweepPorts &
  (
    | { readonly executor: ExecutorDeps; readonly dispatch?: undefined }
    | { readonly dispatch: PlaybookDispatch; readonly clock: Clock; readonly executor?: undefined }
    | { readonly clock: Clock; readonly dispatch?: undefined; readonly executor?: undefined }
  );

/** What one sweep did. */
export interface SweepReport {
  /** Exceptions whose end this sweep processed, and what it decided again. */
  readonly ended: ReadonlyArray<{
    readonly exception: BreakGlassException;
    readonly how: "expired" | "revoked";
    readonly redecided: readonly Exposure[];
  }>;
  /** Runs of re-decided `auto` exposures (with an executor). */
  readonly runs: readonly RunRecord[];
  /**
   * Playbooks queued on the dispatch (without an executor): re-decided `auto` exposures, under
   * `exception-end:<exception id>:<credential kind>:<credential id>`, and re-applied lifts, under
   * `lift-end:<exception id>`.
   */
  readonly dispatched: ReadonlyArray<{ readonly dedupeKey: string; readonly request: PlaybookRequest }>;
  /** Lifts whose quarantine is back, with the run that put it back (with an executor). */
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
async function claimEnd(
  store: ExceptionStore,
  id: string,
  now: number,
): Promise<BreakGlassException | undefined> {
  const claimed = await store.update(id, (current) =>
    current.endProcessedAt === undefined && endOf(current) <= now
      ? { ...current, endProcessedAt: now }
      : undefined,
  );
  return claimed?.after;
}

/** The sweep's clock: the executor's when playbooks run here, else the one given with the dispatch. */
function clockOf(deps: SweepDeps): Clock {
  return deps.executor === undefined ? deps.clock : deps.executor.clock;
}

/** What a sweep queued, when its playbooks go to a dispatch. */
type Dispatched = Array<{ dedupeKey: string; request: PlaybookRequest }>;

/** Records that `request` was queued under `dedupeKey` (`playbook-dispatched`), and reports it. */
async function recordQueued(
  request: PlaybookRequest,
  dedupeKey: string,
  deps: SweepDeps,
  dispatched: Dispatched,
): Promise<void> {
  await deps.ledger.append([dispatchedEntry(request, dedupeKey, clockOf(deps).now())]);
  dispatched.push({ dedupeKey, request });
}

async function processEnd(
  exception: BreakGlassException,
  now: number,
  deps: SweepDeps,
  dispatched: Dispatched,
): Promise<{ redecided: Exposure[]; runs: RunRecord[] }> {
  const how = endKind(exception);
  const redecided = await redecideSuppressed(exception, now, {
    config: deps.config,
    exposures: deps.exposures,
    exceptions: deps.exceptions,
  });
  await deps.ledger.append([
    ...(how === "expired" ? [expiredEntry(exception, now)] : []),
    ...decisionEntries({ runId: `exception-end:${exception.id}`, findings: [], exposures: redecided }, now),
    ...usedEntries(redecided, now),
  ]);
  if (deps.approvals !== undefined) await requestApprovals(redecided, deps.approvals);
  const runs: RunRecord[] = [];
  for (const exposure of redecided) {
    if (exposure.decision !== "auto" || exposure.playbook === null) continue;
    const request: PlaybookRequest = {
      playbook: exposure.playbook,
      principalArn: exposure.principal,
      credential: exposure.credential,
      reason: `${exposure.decisionReason} (exception ${exception.id} ${how})`,
    };
    if (deps.executor === undefined) {
      if (deps.dispatch === undefined) continue;
      const { kind, id } = exposure.credential;
      const dedupeKey = `exception-end:${exception.id}:${kind}:${id}`;
      await deps.dispatch.dispatch(request, dedupeKey);
      await recordQueued(request, dedupeKey, deps, dispatched);
      continue;
    }
    const run = await runPlaybook(request, deps.executor);
    await deps.ledger.append(runStepEntries(run));
    runs.push(run);
  }
  return { redecided, runs };
}

/** The one-step playbook that puts back the quarantine a lift removed. */
function reapplyRequest(
  exception: BreakGlassException & { lift: NonNullable<BreakGlassException["lift"]> },
): PlaybookRequest {
  const { lift } = exception;
  return {
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
  };
}

async function reapply(
  exception: BreakGlassException & { lift: NonNullable<BreakGlassException["lift"]> },
  executor: ExecutorDeps,
  ledger: LedgerStore,
): Promise<{ run: RunRecord; applied: boolean; why: string }> {
  const run = await runPlaybook(reapplyRequest(exception), executor);
  await ledger.append(runStepEntries(run));
  const step = run.steps[0];
  const applied = step?.status === "applied" || step?.status === "already-done";
  return { run, applied, why: step?.reason ?? `the step ended ${step?.status ?? "without a status"}` };
}

/** Marks a lift's quarantine back (or queued to be), once: undefined when another sweep marked it first. */
async function markReapplied(
  store: ExceptionStore,
  id: string,
  reapplied: { readonly at: number; readonly runId: string },
): Promise<BreakGlassException | undefined> {
  const marked = await store.update(id, (current) =>
    current.lift !== undefined && current.lift.reapplied === undefined
      ? { ...current, lift: { ...current.lift, reapplied } }
      : undefined,
  );
  return marked?.after;
}

/**
 * The due work of break-glass exceptions, at the sweep's Clock reading `now`:
 * 1. every exception that has ended (`expiresAt <= now`, or revoked) and was not processed yet is
 *    claimed (exactly one sweep processes it), recorded as `exception-expired` when it ran its full time
 *    (a revocation was recorded when it was made), and the stored exposures it suppressed are decided
 *    again: recorded as `finding-decided`, `needs-approval` ones get a request, `auto` ones run;
 * 2. every quarantine lift that has ended gets its quarantine back through the executor (all guards
 *    apply), recorded as `quarantine-reapplied` once; when a guard blocks it, the next sweep tries again.
 * With a dispatch instead of an executor, those playbooks are queued for the function that runs
 * playbooks, where the guards apply, and recorded `playbook-dispatched`; a lift is marked re-applied
 * once queued (its `runId` being the dedupe key), so one sweep records it and sweeps racing to queue
 * it again are absorbed by the dedupe key. With neither, step 1 records and decides but runs nothing,
 * and step 2 is skipped.
 * Decisions never wait for this: an exception stops applying at its expiry instant anyway.
 */
export async function sweepExceptions(deps: SweepDeps): Promise<SweepReport> {
  const clock = clockOf(deps);
  const now = clock.now();
  const ended: Array<{ exception: BreakGlassException; how: "expired" | "revoked"; redecided: Exposure[] }> =
    [];
  const runs: RunRecord[] = [];
  const dispatched: Dispatched = [];
  for (const candidate of await deps.exceptions.list()) {
    if (candidate.endProcessedAt !== undefined || endOf(candidate) > now) continue;
    const exception = await claimEnd(deps.exceptions, candidate.id, now);
    if (exception === undefined) continue;
    const done = await processEnd(exception, now, deps, dispatched);
    ended.push({ exception, how: endKind(exception), redecided: done.redecided });
    runs.push(...done.runs);
  }
  const reapplied: Array<{ exception: BreakGlassException; run: RunRecord }> = [];
  const notReapplied: Array<{ exception: BreakGlassException; run: RunRecord; why: string }> = [];
  for (const exception of await deps.exceptions.list()) {
    const lift = exception.lift;
    if (lift === undefined || lift.reapplied !== undefined || isActive(exception, now)) continue;
    if (deps.executor === undefined) {
      if (deps.dispatch === undefined) continue;
      const dedupeKey = `lift-end:${exception.id}`;
      const request = reapplyRequest({ ...exception, lift });
      await deps.dispatch.dispatch(request, dedupeKey);
      const marked = await markReapplied(deps.exceptions, exception.id, {
        at: clock.now(),
        runId: dedupeKey,
      });
      if (marked !== undefined) await recordQueued(request, dedupeKey, deps, dispatched);
      continue;
    }
    const result = await reapply({ ...exception, lift }, deps.executor, deps.ledger);
    if (!result.applied) {
      notReapplied.push({ exception, run: result.run, why: result.why });
      continue;
    }
    const at = clock.now();
    const marked = await markReapplied(deps.exceptions, exception.id, { at, runId: result.run.id });
    if (marked === undefined) continue;
    await deps.ledger.append([
      reappliedEntry(marked, result.run, result.run.steps[0]?.status ?? "unknown", at),
    ]);
    reapplied.push({ exception: marked, run: result.run });
  }
  return { ended, runs, dispatched, reapplied, notReapplied };
}
