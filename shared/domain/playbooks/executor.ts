import type { Clock } from "../../ports/clock.ts";
import type {
  KillSwitch,
  PlaybookRunStore,
  RunRecord,
  StepRecord,
  UndoRecord,
} from "../../ports/playbook-run-store.ts";
import type { CredentialRef } from "../event.ts";
import type { PlannedPlaybook } from "./catalog.ts";
import {
  ConcurrentModificationError,
  EscalationError,
  NoSuchEntityError,
  PlaybookError,
  RunNotFoundError,
  ThrottlingError,
  UnmodifiableEntityError,
} from "./errors.ts";
import { GUARD_DEFAULTS, type GuardSettings, principalGuard } from "./guards.ts";
import { parsePrincipalArn } from "./principal.ts";
import { stepOf } from "./steps/registry.ts";
import type { PreparedStep, StepContext, StepGateways, StepResult } from "./steps/step.ts";

/** What runs a playbook: the gateways, the store, time, ids, waiting, and the guards. */
export interface ExecutorDeps extends StepGateways {
  readonly store: PlaybookRunStore;
  readonly clock: Clock;
  readonly newId: () => string;
  /** Waits between retries; injected so tests never wait. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  readonly random: () => number;
  readonly guards: GuardSettings;
  /** Attempts per call while throttled or concurrently modified, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** First backoff ceiling in ms, doubled per attempt, at most 5 s. @default 200 */
  readonly baseDelayMs?: number;
  /** Checked between steps: aborting stops the run there (it stays resumable). */
  readonly signal?: AbortSignal;
}

/** A decided playbook to execute for one exposure. */
export interface PlaybookRequest {
  readonly playbook: PlannedPlaybook;
  readonly principalArn: string;
  readonly credential: CredentialRef;
  /** Why it runs (the decision's reason): carried by tags and notifications. */
  readonly reason: string;
}

/** The kill switch is on: nothing acts until it is cleared. */
export class KillSwitchError extends PlaybookError {
  override name = "KillSwitchError";
}

const FINAL = new Set(["applied", "already-done", "not-found", "blocked", "failed"]);
const MAX_DELAY_MS = 5_000;

/** The account a run acts in: from the principal's ARN, else from an ARN-shaped credential id. */
function accountOf(request: PlaybookRequest): string {
  const principal = parsePrincipalArn(request.principalArn);
  if (principal !== undefined) return principal.account;
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(request.credential.id)?.[1] ?? "unknown";
}

function runKey(request: PlaybookRequest): string {
  const steps = request.playbook.steps.map((s) => [s.step, s.target, s.params]);
  return JSON.stringify([request.playbook.id, request.principalArn, request.credential, steps]);
}

function describeKillSwitch(state: KillSwitch): string {
  return `the kill switch is on since ${new Date(state.since).toISOString()} (${state.reason}): vigil takes no action until it is cleared`;
}

/** One line per step for notifications and the CLI. */
export function outcomeLine(step: StepRecord): string {
  const why = step.reason === undefined ? "" : `: ${step.reason}`;
  const notes = step.result?.notes.length ? ` (${step.result.notes.join("; ")})` : "";
  return `${step.step} ${step.target}: ${step.status}${why}${notes}`;
}

/** Calls `body`, retrying throttling and concurrent modification with full-jitter exponential backoff. */
async function withRetry<T>(
  deps: ExecutorDeps,
  body: () => Promise<T>,
  onAttempt: (n: number) => void,
): Promise<T> {
  const maxAttempts = Math.max(1, deps.maxAttempts ?? 5);
  const base = deps.baseDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    onAttempt(attempt);
    try {
      return await body();
    } catch (error) {
      const retryable = error instanceof ThrottlingError || error instanceof ConcurrentModificationError;
      if (!retryable || attempt >= maxAttempts) throw error;
      const ceiling = Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1));
      await deps.sleep(Math.floor(deps.random() * ceiling));
    }
  }
}

/** How a failed call ends a step: gone (recorded), blocked (never retried), escalated or failed. */
function failureOf(error: unknown, attempts: number): Pick<StepRecord, "status" | "reason" | "escalate"> {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NoSuchEntityError) return { status: "not-found", reason: `already gone: ${message}` };
  if (error instanceof UnmodifiableEntityError) return { status: "blocked", reason: message };
  if (error instanceof EscalationError) return { status: "failed", reason: message, escalate: true };
  if (error instanceof ThrottlingError || error instanceof ConcurrentModificationError) {
    return {
      status: "failed",
      reason: `${message}; still failing after ${attempts} attempts, run it again later`,
    };
  }
  return { status: "failed", reason: message };
}

function prepare(run: { readonly steps: ReadonlyArray<{ step: string; params: unknown }> }): PreparedStep[] {
  return run.steps.map((s) => stepOf(s.step).prepare(s.params));
}

/** Takes every lock of a run's subjects, or none; returns the holder's id when one is taken. */
async function lockAll(
  deps: ExecutorDeps,
  runId: string,
  subjects: readonly string[],
  now: number,
): Promise<{ holder?: string; subject?: string }> {
  const ttl = deps.guards.lockTtlMs ?? GUARD_DEFAULTS.lockTtlMs;
  const taken: string[] = [];
  for (const subject of subjects) {
    const holder = await deps.store.acquireLock(subject, runId, now, ttl);
    if (holder !== undefined) {
      for (const s of taken) await deps.store.releaseLock(s, runId);
      return { holder, subject };
    }
    taken.push(subject);
  }
  return {};
}

async function unlockAll(deps: ExecutorDeps, runId: string, subjects: readonly string[]): Promise<void> {
  for (const subject of subjects) await deps.store.releaseLock(subject, runId);
}

function subjectsOf(prepared: readonly PreparedStep[]): string[] {
  return [...new Set(prepared.filter((p) => p.definition.destructive).map((p) => p.subject))].sort();
}

/**
 * Executes a decided playbook, persisting every step before and after it acts. Validates every step's
 * params first (nothing acts on a bad plan). An unfinished run of the same plan is resumed: finished
 * steps are skipped and a step that was running re-reads the state, so nothing is done twice. Guards,
 * checked before each step: the kill switch, protected principals, one run per subject at a time (a
 * lock in the store), and a cap of destructive actions per account per window (beyond it the step is
 * blocked and a notification sent). Returns the persisted run.
 */
export async function runPlaybook(request: PlaybookRequest, deps: ExecutorDeps): Promise<RunRecord> {
  const { store, clock } = deps;
  const key = runKey(request);
  let run = await store.findUnfinished(key);
  const prepared = prepare(
    run ?? { steps: request.playbook.steps.map((s) => ({ step: s.step, params: s.params })) },
  );
  if (run === undefined) {
    const now = clock.now();
    run = {
      id: deps.newId(),
      key,
      playbook: request.playbook.id,
      principal: request.principalArn,
      account: accountOf(request),
      credential: `${request.credential.kind}:${request.credential.id}`,
      reason: request.reason,
      status: "running",
      createdAt: now,
      updatedAt: now,
      steps: request.playbook.steps.map((s, index) => ({
        index,
        step: s.step,
        target: s.target,
        params: s.params,
        destructive: prepared[index]!.definition.destructive,
        status: "pending",
        attempts: 0,
      })),
    };
    await store.createRun(run);
  }
  const runId = run.id;
  const steps = [...run.steps];
  const save = async (step: StepRecord) => {
    steps[step.index] = step;
    await store.saveStep(runId, step, clock.now());
  };
  const subjects = subjectsOf(prepared);
  const lock = await lockAll(deps, runId, subjects, clock.now());
  if (lock.holder !== undefined) {
    const reason = `run ${lock.holder} is acting on ${lock.subject}; only one run acts on a subject at a time`;
    for (const step of steps) if (!FINAL.has(step.status)) await save({ ...step, status: "blocked", reason });
    await store.setRunStatus(runId, "blocked", clock.now());
    return (await store.getRun(runId))!;
  }
  try {
    let blockedBy: string | undefined;
    let capNotified = false;
    for (const [index, step] of steps.entries()) {
      if (FINAL.has(step.status)) continue;
      deps.signal?.throwIfAborted();
      const action = prepared[index]!;
      const destructive = action.definition.destructive;
      const kill = await store.killSwitch();
      if (kill !== undefined) {
        await save({ ...step, status: "blocked", reason: describeKillSwitch(kill) });
        continue;
      }
      const guard =
        action.principal === undefined ? undefined : principalGuard(action.principal, deps.guards);
      const blocked =
        guard !== undefined ? `${guard}: vigil never acts on it` : destructive ? blockedBy : undefined;
      if (blocked !== undefined) {
        await save({ ...step, status: "blocked", reason: blocked });
        continue;
      }
      const now = clock.now();
      if (destructive) {
        const cap = deps.guards.maxActions ?? GUARD_DEFAULTS.maxActions;
        const windowMs = deps.guards.windowMs ?? GUARD_DEFAULTS.windowMs;
        const claim = await store.claimAction(run.account, runId, index, now, now - windowMs, cap);
        if (!claim.granted) {
          blockedBy = `the cap of ${cap} destructive actions per ${windowMs / 60_000} minutes in account ${run.account} is reached (${claim.used} taken); a person must act or wait`;
          await save({ ...step, status: "blocked", reason: blockedBy });
          if (!capNotified) {
            capNotified = true;
            await deps.notifier.publish({
              subject: `vigil: action cap reached in ${run.account}`.slice(0, 100),
              message: `vigil blocked run ${runId} (${run.playbook} for ${run.credential}): ${blockedBy}.\nwhy it wanted to act: ${run.reason}`,
            });
          }
          continue;
        }
      }
      let attempts = step.attempts;
      await save({ ...step, status: "running", startedAt: now });
      const ctx: StepContext = {
        iam: deps.iam,
        secrets: deps.secrets,
        notifier: deps.notifier,
        runId,
        index,
        now,
        principal: run.principal,
        reason: run.reason,
        outcomes: steps.slice(0, index).map(outcomeLine),
      };
      let result: StepResult;
      try {
        result = await withRetry(
          deps,
          () => action.apply(ctx),
          () => attempts++,
        );
      } catch (error) {
        await save({
          ...step,
          ...failureOf(error, attempts),
          attempts,
          startedAt: now,
          finishedAt: clock.now(),
        });
        continue;
      }
      const status = result.changed ? "applied" : "already-done";
      await save({ ...step, status, result, attempts, startedAt: now, finishedAt: clock.now() });
    }
    const status = steps.some((s) => s.status === "failed")
      ? "failed"
      : steps.some((s) => s.status === "blocked")
        ? "blocked"
        : "completed";
    await store.setRunStatus(runId, status, clock.now());
  } finally {
    await unlockAll(deps, runId, subjects);
  }
  return (await store.getRun(runId))!;
}

/**
 * Undoes a run: reverses every reversible step that changed something, in reverse order, re-reading
 * the state first; records for each step what was done, or why it cannot be undone. Running it again
 * skips steps already undone. Refused while the kill switch is on; takes the same locks as a run.
 */
export async function undoRun(runId: string, deps: ExecutorDeps): Promise<RunRecord> {
  const { store, clock } = deps;
  const run = await store.getRun(runId);
  if (run === undefined) {
    throw new RunNotFoundError(
      `no playbook run ${JSON.stringify(runId)} in the store; check the run id printed by 'vigil replay --apply' and the --store path`,
    );
  }
  const kill = await store.killSwitch();
  if (kill !== undefined) throw new KillSwitchError(`cannot undo run ${runId}: ${describeKillSwitch(kill)}`);
  const prepared = prepare(run);
  const subjects = subjectsOf(prepared);
  const lock = await lockAll(deps, runId, subjects, clock.now());
  if (lock.holder !== undefined) {
    throw new PlaybookError(
      `cannot undo run ${runId} now: run ${lock.holder} is acting on ${lock.subject}; try again when it has finished`,
    );
  }
  try {
    let complete = true;
    for (const step of [...run.steps].reverse()) {
      if (step.undo?.status === "undone" || step.undo?.status === "not-needed") continue;
      const action = prepared[step.index]!;
      const at = clock.now();
      const record = async (undo: UndoRecord) => store.saveStep(runId, { ...step, undo }, clock.now());
      if (step.status !== "applied" || step.result === undefined) {
        await record({ status: "not-needed", reason: `the step changed nothing (${step.status})`, at });
        continue;
      }
      const revert = action.revert;
      if (revert === undefined || !action.definition.undo.reversible) {
        const why = action.definition.undo.reversible ? "no undo is registered" : action.definition.undo.why;
        await record({ status: "irreversible", reason: why, at });
        continue;
      }
      const applied = step.result;
      const ctx: StepContext = {
        iam: deps.iam,
        secrets: deps.secrets,
        notifier: deps.notifier,
        runId,
        index: step.index,
        now: at,
        principal: run.principal,
        reason: `undo of run ${runId}`,
        outcomes: [],
      };
      try {
        const result = await withRetry(
          deps,
          () => revert(applied, ctx),
          () => {},
        );
        await record({ status: "undone", reason: action.definition.undo.how, result, at });
      } catch (error) {
        const failure = failureOf(error, deps.maxAttempts ?? 5);
        const status = failure.status === "not-found" ? "not-found" : "failed";
        if (status === "failed") complete = false;
        await record({ status, reason: failure.reason ?? "failed", at });
      }
    }
    if (complete) await store.setRunStatus(runId, "undone", clock.now());
  } finally {
    await unlockAll(deps, runId, subjects);
  }
  return (await store.getRun(runId))!;
}
