import type { Clock } from "../../ports/clock.ts";
import type { EventStateStore, Handoff } from "../../ports/event-state-store.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { Notification, Notifier } from "../../ports/notifier.ts";
import type { PlaybookDispatch } from "../../ports/playbook-dispatch.ts";
import { type ApprovalDeps, requestApprovals } from "../approvals/open.ts";
import type { Exposure } from "../finding.ts";
import { decisionEntry } from "../ledger/decisions.ts";
import type { PlaybookRequest } from "../playbooks/executor.ts";

/** What acting on a changed decision needs. */
export interface HandoffDeps {
  /** `enforce` queues playbooks and opens approval requests; `observe` only records and notifies. */
  readonly enforce: boolean;
  readonly ledger: LedgerStore;
  readonly notifier: Notifier;
  readonly dispatch: PlaybookDispatch;
  /** Opens approval requests (their records and notifications); its clock and ledger are used too. */
  readonly approvals: ApprovalDeps;
  readonly clock: Clock;
}

/** What was done about one hand-off. */
export type HandoffAction = "recorded" | "notified" | "queued" | "approval-requested";

/** The playbook request of an exposure decided to act on. */
export function playbookRequestOf(exposure: Exposure): PlaybookRequest | undefined {
  if (exposure.playbook === null) return undefined;
  return {
    playbook: exposure.playbook,
    principalArn: exposure.principal,
    credential: exposure.credential,
    reason: exposure.decisionReason,
  };
}

/** The notification of a decision people should hear about. */
export function decisionNotification(exposure: Exposure, lead: string): Notification {
  const steps = exposure.playbook?.steps.map((s, i) => `  ${i + 1}. ${s.step} ${s.target}: ${s.description}`);
  return {
    subject:
      `vigil: ${exposure.severity} exposure of ${exposure.credential.kind} ${exposure.credential.id}`.slice(
        0,
        100,
      ),
    message: [
      lead,
      `principal: ${exposure.principal}`,
      `decision: ${exposure.decision}: ${exposure.decisionReason}`,
      `score: ${exposure.score} (${exposure.severity}); findings: ${exposure.findings}; ${exposure.firstSeen} – ${exposure.lastSeen}`,
      ...exposure.reasons.map((r) => `- ${r.signal}: ${r.reason}`),
      ...(steps === undefined ? [] : ["planned playbook:", ...steps]),
    ].join("\n"),
  };
}

/**
 * Acts on one changed decision, after the commit that changed it: records `finding-decided` in the
 * ledger, then by decision — `auto`: queues the playbook (enforce) for the execute function, keyed by
 * the hand-off so a repeat is delivered once; `needs-approval`: opens an approval request, which records
 * and notifies (enforce); `notify`, and `auto`/`needs-approval` in observe mode: notifies. Other
 * decisions are only recorded. A failure throws: the hand-off stays pending and is done again by the
 * next drain (the record may then be written twice; the queue and the approval store drop repeats).
 */
export async function handOff(handoff: Handoff, deps: HandoffDeps): Promise<HandoffAction> {
  const { exposure } = handoff;
  await deps.ledger.append([
    decisionEntry(exposure, `handoff:${handoff.id}`, handoff.eventIds, deps.clock.now()),
  ]);
  const request = playbookRequestOf(exposure);
  switch (exposure.decision) {
    case "auto":
      if (deps.enforce && request !== undefined) {
        await deps.dispatch.dispatch(request, `handoff:${handoff.id}`);
        return "queued";
      }
      await deps.notifier.publish(
        decisionNotification(
          exposure,
          "observe mode: vigil would run this playbook now; nothing was changed",
        ),
      );
      return "notified";
    case "needs-approval":
      if (deps.enforce) {
        await requestApprovals([exposure], deps.approvals);
        return "approval-requested";
      }
      await deps.notifier.publish(
        decisionNotification(exposure, "observe mode: this would ask for approval; nothing was requested"),
      );
      return "notified";
    case "notify":
      await deps.notifier.publish(decisionNotification(exposure, "vigil notifies: review this exposure"));
      return "notified";
    default:
      return "recorded";
  }
}

/** What draining the pending hand-offs did. */
export interface DrainReport {
  readonly done: ReadonlyArray<{ readonly id: string; readonly action: HandoffAction }>;
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: unknown }>;
}

/**
 * Does every pending hand-off (oldest first, up to `limit`) and removes each once done. One that fails
 * stays pending for the next drain; the others go on.
 */
export async function drainHandoffs(
  store: Pick<EventStateStore, "pendingHandoffs" | "completeHandoff">,
  deps: HandoffDeps,
  limit = 25,
): Promise<DrainReport> {
  const done: Array<{ id: string; action: HandoffAction }> = [];
  const failed: Array<{ id: string; error: unknown }> = [];
  for (const handoff of await store.pendingHandoffs(limit)) {
    try {
      const action = await handOff(handoff, deps);
      await store.completeHandoff(handoff);
      done.push({ id: handoff.id, action });
    } catch (error) {
      failed.push({ id: handoff.id, error });
    }
  }
  return { done, failed };
}
