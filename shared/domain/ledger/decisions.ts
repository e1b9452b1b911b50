import type { Clock } from "../../ports/clock.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { Exposure, Finding } from "../finding.ts";
import { ledgerEntry } from "./entry.ts";
import type { LedgerEntry, LedgerRecord } from "./record.ts";

/** At most this many event ids are named per record; the run's findings table keeps them all. */
export const MAX_EVENT_IDS = 100;

/** What a replay run decided: its id, findings and ranked exposures. */
export interface RunDecisions {
  readonly runId: string;
  readonly findings: readonly Finding[];
  readonly exposures: readonly Exposure[];
}

/**
 * One `finding-decided` record per exposure of a run, by vigil, in rank order: the decision and its
 * reason, the score, the signals with one reason each, the planned playbook's steps, and the event ids
 * of the findings behind it (the first {@link MAX_EVENT_IDS}). Every decision is recorded, `record-only`
 * included. The subject is the exposure's credential, so later approvals and playbook steps about the
 * same credential line up with it.
 */
export function decisionEntries(run: RunDecisions, at: number): LedgerEntry[] {
  const eventIds = new Map<string, string[]>();
  for (const f of run.findings) {
    const key = `${f.credential.kind}:${f.credential.id}`;
    const ids = eventIds.get(key) ?? [];
    ids.push(f.eventId);
    eventIds.set(key, ids);
  }
  return run.exposures.map((e) =>
    decisionEntry(e, run.runId, eventIds.get(`${e.credential.kind}:${e.credential.id}`) ?? [], at),
  );
}

/**
 * The `finding-decided` record of one exposure, by vigil: the decision and its reason, the score, the
 * signals with one reason each, the planned playbook's steps, and the ids of the events behind it (the
 * first {@link MAX_EVENT_IDS}). `runId` names what decided it (a replay run, a function's hand-off).
 */
export function decisionEntry(
  e: Exposure,
  runId: string,
  eventIds: readonly string[],
  at: number,
): LedgerEntry {
  return ledgerEntry({
    at,
    actor: { kind: "vigil", id: "vigil" },
    action: "finding-decided",
    subject: { kind: e.credential.kind, id: e.credential.id },
    reason: e.decisionReason,
    signals: e.signals,
    change: {
      runId,
      decision: e.decision,
      severity: e.severity,
      score: e.score,
      principal: e.principal,
      ...(e.owner === undefined ? {} : { owner: e.owner }),
      signals: [...e.signals],
      reasons: e.reasons.map((r) => `${r.signal}: ${r.reason}`),
      findings: e.findings,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      eventIds: eventIds.slice(0, MAX_EVENT_IDS),
      playbook:
        e.playbook === null
          ? null
          : { id: e.playbook.id, steps: e.playbook.steps.map((s) => ({ step: s.step, target: s.target })) },
    },
  });
}

/**
 * Records the decisions of a replay run in the ledger, in one append (all of them or none); returns
 * the sealed records.
 */
export function recordRunDecisions(
  run: RunDecisions,
  deps: { readonly ledger: LedgerStore; readonly clock: Clock },
): Promise<readonly LedgerRecord[]> {
  return deps.ledger.append(decisionEntries(run, deps.clock.now()));
}
