import type { SignalId } from "../vocabulary.ts";
import { controlsFor } from "./controls.ts";
import type { LedgerAction, LedgerEntry } from "./record.ts";

/** What a writer says about an event it records; the controls are looked up, never chosen by hand. */
export interface EntryInput {
  /** Epoch milliseconds, from the writer's Clock. */
  readonly at: number;
  readonly actor: LedgerEntry["actor"];
  readonly action: LedgerAction;
  readonly subject: LedgerEntry["subject"];
  readonly reason: string;
  readonly change: LedgerEntry["change"];
  /** The detection signals the record concerns; they select its OWASP NHI risk ids. */
  readonly signals?: readonly SignalId[];
}

/**
 * Builds a ledger entry with its control references from the one mapping table (`controls.ts`).
 * Playbook, approval and exception code records through this, then `LedgerStore.append`.
 *
 * @example
 * ledgerEntry({ at: clock.now(), actor: { kind: "human", id: "alice" }, action: "approval-decided",
 *   subject: { kind: "access-key", id: "AKIA…" }, reason: "confirmed with the CI owner",
 *   change: { approvalId: "apr-1", decision: "approved" } })
 */
export function ledgerEntry(input: EntryInput): LedgerEntry {
  return {
    time: new Date(input.at).toISOString(),
    actor: input.actor,
    action: input.action,
    subject: input.subject,
    reason: input.reason,
    change: input.change,
    controls: controlsFor(input.action, input.signals),
  };
}
