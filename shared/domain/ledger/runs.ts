import type { RunRecord, StepRecord } from "../../ports/playbook-run-store.ts";
import type { PlaybookRequest } from "../playbooks/executor.ts";
import { CREDENTIAL_KINDS } from "../vocabulary.ts";
import { ledgerEntry } from "./entry.ts";
import type { LedgerEntry } from "./record.ts";

/** The subject of a run's records: its credential (`kind:id`), so they line up with its decision. */
function subjectOf(run: RunRecord): LedgerEntry["subject"] {
  const colon = run.credential.indexOf(":");
  const kind = run.credential.slice(0, colon);
  const id = run.credential.slice(colon + 1);
  return (CREDENTIAL_KINDS as readonly string[]).includes(kind) && id !== ""
    ? { kind: kind as (typeof CREDENTIAL_KINDS)[number], id }
    : { kind: "run", id: run.id };
}

function stepChange(run: RunRecord, step: StepRecord, status: string): LedgerEntry["change"] {
  return {
    runId: run.id,
    playbook: run.playbook,
    principal: run.principal,
    index: step.index,
    step: step.step,
    target: step.target,
    status,
    attempts: step.attempts,
    ...(step.result === undefined ? {} : { result: JSON.parse(JSON.stringify(step.result)) }),
  };
}

/**
 * One `playbook-step` record per step of a run that reached a final status, by vigil: what was done
 * to which target, with the before/after state the step reported. Steps still pending are left out.
 */
export function runStepEntries(run: RunRecord): LedgerEntry[] {
  const subject = subjectOf(run);
  return run.steps
    .filter((step) => step.status !== "pending" && step.status !== "running")
    .map((step) =>
      ledgerEntry({
        at: step.finishedAt ?? run.updatedAt,
        actor: { kind: "vigil", id: "vigil" },
        action: "playbook-step",
        subject,
        reason: step.reason ?? run.reason,
        change: stepChange(run, step, step.status),
      }),
    );
}

/** One `undo-step` record per step that undo looked at, by `actor`, in the order undo went (last step first). */
export function undoStepEntries(run: RunRecord, actor: LedgerEntry["actor"]): LedgerEntry[] {
  const subject = subjectOf(run);
  return [...run.steps].reverse().flatMap((step) =>
    step.undo === undefined
      ? []
      : [
          ledgerEntry({
            at: step.undo.at,
            actor,
            action: "undo-step",
            subject,
            reason: step.undo.reason,
            change: stepChange(run, step, step.undo.status),
          }),
        ],
  );
}

/**
 * `playbook-dispatched`, by vigil: the decided playbook was queued for the function that runs playbooks
 * (under `dedupeKey`, the decision it comes from) instead of run here; its `playbook-step` records
 * follow when that function runs it. The subject is the credential, like the decision's.
 */
export function dispatchedEntry(request: PlaybookRequest, dedupeKey: string, at: number): LedgerEntry {
  return ledgerEntry({
    at,
    actor: { kind: "vigil", id: "vigil" },
    action: "playbook-dispatched",
    subject: { kind: request.credential.kind, id: request.credential.id },
    reason: request.reason,
    change: {
      dedupeKey,
      playbook: request.playbook.id,
      principal: request.principalArn,
      steps: request.playbook.steps.map((s) => ({ step: s.step, target: s.target })),
    },
  });
}
