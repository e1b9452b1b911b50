import { sweepApprovals } from "../../shared/domain/approvals/expire.ts";
import type { ApprovalDeps } from "../../shared/domain/approvals/open.ts";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { type SweepDeps, sweepExceptions } from "../../shared/domain/exceptions/sweep.ts";
import { drainHandoffs, type HandoffAction, type HandoffDeps } from "../../shared/domain/pipeline/handoff.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import type { FunctionLog } from "../common/log.ts";

/** A sweep or the hand-off drain failed; the others still ran. The invocation fails so the schedule retries and alarms. */
export class ExpirySweepError extends VigilError {
  override name = "ExpirySweepError";
}

/** What the approvals sweep did: the requests it expired, and how each was followed up. */
export interface ApprovalsSwept {
  readonly expired: ReadonlyArray<{
    readonly id: string;
    readonly onExpiry: string;
    /** The new request that asks again (`renotify`); absent when the request was escalated. */
    readonly renewedAs?: string;
  }>;
}

/** What the exceptions sweep did. */
export interface ExceptionsSwept {
  readonly ended: ReadonlyArray<{ readonly id: string; readonly how: string; readonly redecided: number }>;
  /** Dedupe keys of the playbooks queued for the execute function. */
  readonly dispatched: readonly string[];
  /** Lifts whose quarantine is back. */
  readonly reapplied: readonly string[];
  readonly notReapplied: ReadonlyArray<{ readonly id: string; readonly why: string }>;
}

/** What draining the pending hand-offs did: those done, by action, and those that stay pending. */
export interface HandoffsDrained {
  readonly done: ReadonlyArray<{ readonly id: string; readonly action: HandoffAction }>;
  readonly failed: readonly string[];
}

/** What one invocation did; a part that failed is absent and named in the error. */
export interface ExpirySummary {
  readonly approvals: ApprovalsSwept;
  readonly exceptions: ExceptionsSwept;
  readonly handoffs: HandoffsDrained;
}

/**
 * What the expiry handler needs: the ports of both sweeps (exceptions queue their playbooks on a
 * dispatch; in observe mode on none) and of the hand-off drain (the evaluate functions' deps).
 */
export interface ExpiryDeps {
  readonly approvals: ApprovalDeps;
  readonly exceptions: SweepDeps;
  readonly handoffs: {
    readonly store: Pick<EventStateStore, "pendingHandoffs" | "completeHandoff">;
    readonly deps: HandoffDeps;
  };
  readonly log: FunctionLog;
}

/** The time a schedule's event names (the Scheduler's input `scheduledTime`, or EventBridge `time`). */
function triggerTime(event: unknown): string | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const { time, scheduledTime } = event as { time?: unknown; scheduledTime?: unknown };
  const value = typeof scheduledTime === "string" ? scheduledTime : time;
  return typeof value === "string" ? show(value, 40) : undefined;
}

async function approvalsSweep(deps: ApprovalDeps): Promise<ApprovalsSwept> {
  const expired = await sweepApprovals(deps);
  return {
    expired: expired.map((r) => ({
      id: r.id,
      onExpiry: r.onExpiry,
      ...(r.expired?.renewedAs === undefined ? {} : { renewedAs: r.expired.renewedAs }),
    })),
  };
}

async function exceptionsSweep(deps: SweepDeps): Promise<ExceptionsSwept> {
  const report = await sweepExceptions(deps);
  return {
    ended: report.ended.map((e) => ({ id: e.exception.id, how: e.how, redecided: e.redecided.length })),
    dispatched: report.dispatched.map((d) => d.dedupeKey),
    reapplied: report.reapplied.map((r) => r.exception.id),
    notReapplied: report.notReapplied.map((n) => ({ id: n.exception.id, why: n.why })),
  };
}

/** Drains the pending hand-offs; one that failed stays pending and makes this part fail, after the rest. */
async function handoffsDrain(handoffs: ExpiryDeps["handoffs"], log: FunctionLog): Promise<HandoffsDrained> {
  const report = await drainHandoffs(handoffs.store, handoffs.deps);
  for (const { id, action } of report.done) log.info("decision handed off", { id, action });
  if (report.failed.length > 0) {
    for (const { id, error } of report.failed) {
      log.error("handing off a decision failed; it stays pending", { id, error });
    }
    const first = report.failed[0]!.error;
    throw new AggregateError(
      report.failed.map((f) => f.error),
      `${report.failed.length} hand-off(s) failed and stay pending (${report.failed.map((f) => f.id).join(", ")}; first: ${first instanceof Error ? first.message : String(first)})`,
    );
  }
  return { done: report.done, failed: [] };
}

/**
 * The expiry function, run every minute by a schedule (the event only names the trigger time). It
 * does the follow-ups of what has expired, never the expiry itself: every decision already compares
 * an approval request's or exception's expiry with its own clock reading, so a vote after the expiry
 * instant is refused and an exception stops suppressing at its instant, whether or not a sweep ran.
 * The sweeps record `approval-expired` and renew or escalate lapsed requests (sweepApprovals), and
 * record ended exceptions, decide their suppressed exposures again and queue the resulting playbooks
 * and the re-application of lifted quarantines (sweepExceptions; in observe mode nothing is queued).
 * Each sweep claims each item atomically, so overlapping invocations do each follow-up once. Then it
 * drains the hand-offs the evaluate and ingest functions committed but did not complete (drainHandoffs):
 * it is the safety net for an instance that failed between its commit and its hand-off.
 *
 * A failing part does not stop the others; all outcomes are logged as one summary, then the
 * invocation fails with ExpirySweepError so the schedule's retry and the errors alarm see it.
 */
export function createExpiryHandler(deps: ExpiryDeps): (event: unknown) => Promise<ExpirySummary> {
  const { log } = deps;
  return async (event) => {
    const failures: Array<{ sweep: string; error: unknown }> = [];
    let approvals: ApprovalsSwept | undefined;
    let exceptions: ExceptionsSwept | undefined;
    try {
      approvals = await approvalsSweep(deps.approvals);
    } catch (error) {
      failures.push({ sweep: "approvals", error });
    }
    try {
      exceptions = await exceptionsSweep(deps.exceptions);
    } catch (error) {
      failures.push({ sweep: "exceptions", error });
    }
    let handoffs: HandoffsDrained | undefined;
    try {
      handoffs = await handoffsDrain(deps.handoffs, log);
    } catch (error) {
      failures.push({ sweep: "hand-offs", error });
    }
    const summary = {
      trigger: triggerTime(event),
      approvals: approvals ?? "failed",
      exceptions: exceptions ?? "failed",
      handoffs: handoffs ?? "failed",
    };
    for (const failure of failures) {
      log.error(`the ${failure.sweep} sweep failed`, { error: failure.error });
    }
    if (
      failures.length > 0 ||
      approvals === undefined ||
      exceptions === undefined ||
      handoffs === undefined
    ) {
      log.error("expiry sweep done with failures", summary);
      const reasons = failures.map(
        (f) => `${f.sweep}: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
      );
      throw new ExpirySweepError(
        `the expiry sweep failed (${reasons.join("; ")}); the other parts' work is done and kept. Expiry itself is not late: decisions compare expiry with the clock. The next run (every minute) tries the follow-ups again`,
        {
          cause: new AggregateError(
            failures.map((f) => f.error),
            "sweep failures",
          ),
          context: { summary },
        },
      );
    }
    log.info("expiry sweep done", summary);
    return { approvals, exceptions, handoffs };
  };
}
