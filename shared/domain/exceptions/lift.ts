import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { RunRecord, StepRecord } from "../../ports/playbook-run-store.ts";
import type { QuarantineRuns } from "../../ports/quarantine-runs.ts";
import type { ExceptionPolicy } from "../config/compile.ts";
import { show } from "../errors.ts";
import { type ExecutorDeps, KillSwitchError } from "../playbooks/executor.ts";
import { GUARD_DEFAULTS } from "../playbooks/guards.ts";
import { parsePrincipalArn } from "../playbooks/principal.ts";
import { stepOf } from "../playbooks/steps/registry.ts";
import { LiftError } from "./errors.ts";
import { type BreakGlassException, isActive } from "./exception.ts";
import { buildException } from "./grant.ts";
import { liftedEntry } from "./records.ts";

/** What a person asks for when lifting a quarantine. */
export interface LiftRequest {
  readonly principalArn: string;
  /** How long the lift lasts, in hours; at most `exceptions.maxHours`. */
  readonly hours: number;
  readonly reason: string;
  readonly by: string;
  /** Playbooks vigil may not run on the principal meanwhile; none: every playbook. */
  readonly playbooks?: readonly string[];
}

/** The ports a lift needs: the executor's gateways, store and clock, and where lifts are kept. */
export interface LiftDeps {
  readonly executor: ExecutorDeps;
  readonly exceptions: ExceptionStore;
  readonly quarantines: QuarantineRuns;
  readonly ledger: LedgerStore;
  readonly policy: ExceptionPolicy;
  /** Ids of exceptions (the lift is one). */
  readonly newId: () => string;
}

const QUARANTINE_STEPS: ReadonlySet<string> = new Set(["quarantine-role", "quarantine-user"]);

/** The newest applied quarantine step on the principal that was not undone, with its run. */
async function appliedQuarantine(
  principalArn: string,
  deps: LiftDeps,
): Promise<{ run: RunRecord; step: StepRecord } | undefined> {
  for (const runId of deps.quarantines.quarantinesOf(principalArn)) {
    const run = await deps.executor.store.getRun(runId);
    const step = run?.steps.find(
      (s) =>
        QUARANTINE_STEPS.has(s.step) &&
        s.target === principalArn &&
        s.status === "applied" &&
        s.result !== undefined &&
        s.undo?.status !== "undone",
    );
    if (run !== undefined && step !== undefined) return { run, step };
  }
  return undefined;
}

/**
 * Lifts a principal's quarantine for a while, for an emergency: removes it through the undo of the step
 * that applied it (under the principal's lock, refused while the kill switch is on), stores the lift as
 * an exception on the principal (vigil runs none of the chosen playbooks on it meanwhile) and records
 * `quarantine-lifted`. When the lift ends (expires or is revoked), sweepExceptions puts the quarantine
 * back. Refused when the principal has no applied quarantine, is already lifted, or a previous lift's
 * quarantine is not back yet.
 */
export async function liftQuarantine(request: LiftRequest, deps: LiftDeps): Promise<BreakGlassException> {
  const { executor } = deps;
  const now = executor.clock.now();
  const id = deps.newId();
  const exception = buildException(
    {
      scope: { kind: "principal", arn: request.principalArn },
      playbooks: request.playbooks,
      hours: request.hours,
      reason: request.reason,
      by: request.by,
    },
    deps.policy,
    now,
    id,
  );
  const principal = parsePrincipalArn(request.principalArn);
  if (principal === undefined) {
    throw new LiftError(
      `${show(request.principalArn)} is not an IAM user or role ARN; a quarantine is on a user or role, e.g. arn:aws:iam::111122223333:role/app`,
    );
  }
  const earlier = (await deps.exceptions.list()).find(
    (e) =>
      e.lift !== undefined &&
      e.scope.kind === "principal" &&
      e.scope.arn === request.principalArn &&
      (isActive(e, now) || e.lift.reapplied === undefined),
  );
  if (earlier !== undefined) {
    throw new LiftError(
      isActive(earlier, now)
        ? `the quarantine of ${request.principalArn} is already lifted by ${earlier.id} until ${new Date(earlier.expiresAt).toISOString()}; revoke it first to lift it for another period`
        : `the quarantine lifted by ${earlier.id} is not back yet; run 'vigil exceptions sweep' to put it back before lifting it again`,
      { context: { principal: request.principalArn, exception: earlier.id } },
    );
  }
  const found = await appliedQuarantine(request.principalArn, deps);
  if (found === undefined) {
    throw new LiftError(
      `no applied quarantine of ${request.principalArn} in the store's playbook runs; only a quarantine vigil applied can be lifted (check the ARN and --store)`,
      { context: { principal: request.principalArn } },
    );
  }
  const kill = await executor.store.killSwitch();
  if (kill !== undefined) {
    throw new KillSwitchError(
      `cannot lift the quarantine of ${request.principalArn}: the kill switch is on since ${new Date(kill.since).toISOString()} (${kill.reason})`,
    );
  }
  const { run, step } = found;
  const prepared = stepOf(step.step).prepare(step.params);
  const holder = await executor.store.acquireLock(
    prepared.subject,
    id,
    now,
    executor.guards.lockTtlMs ?? GUARD_DEFAULTS.lockTtlMs,
  );
  if (holder !== undefined) {
    throw new LiftError(
      `cannot lift the quarantine of ${request.principalArn} now: run ${holder} is acting on it; try again when it has finished`,
    );
  }
  let released: Awaited<ReturnType<NonNullable<typeof prepared.revert>>>;
  try {
    released = await prepared.revert!(step.result!, {
      iam: executor.iam,
      secrets: executor.secrets,
      notifier: executor.notifier,
      runId: id,
      index: step.index,
      now,
      principal: run.principal,
      reason: `quarantine lift ${id}: ${exception.reason}`,
      outcomes: [],
    });
  } finally {
    await executor.store.releaseLock(prepared.subject, id);
  }
  const lifted: BreakGlassException = {
    ...exception,
    lift: {
      runId: run.id,
      step: step.step,
      target: step.target,
      params: { ...step.params },
      credential: run.credential,
      released: JSON.parse(JSON.stringify(released)),
    },
  };
  await deps.exceptions.insert(lifted);
  await deps.ledger.append([liftedEntry(lifted)]);
  return lifted;
}
