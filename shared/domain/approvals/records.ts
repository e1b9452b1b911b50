import { ledgerEntry } from "../ledger/entry.ts";
import type { LedgerEntry } from "../ledger/record.ts";
import type { ApprovalRequest } from "./request.ts";

/** Ledger entries of approval events; the subject is the exposure's credential, like its decision's. */

const iso = (at: number) => new Date(at).toISOString();

function subjectOf(request: ApprovalRequest): LedgerEntry["subject"] {
  return { kind: request.exposure.credential.kind, id: request.exposure.credential.id };
}

/** `approval-requested`, by vigil: the request with its exact steps, who may approve and until when. */
export function requestedEntry(request: ApprovalRequest): LedgerEntry {
  return ledgerEntry({
    at: request.createdAt,
    actor: { kind: "vigil", id: "vigil" },
    action: "approval-requested",
    subject: subjectOf(request),
    reason: request.why,
    signals: request.exposure.signals,
    change: {
      approvalId: request.id,
      what: request.what,
      principal: request.exposure.principal,
      score: request.exposure.score,
      severity: request.exposure.severity,
      playbook: request.playbook.id,
      steps: request.playbook.steps.map((s) => ({ step: s.step, target: s.target })),
      approvers: [...request.approvers],
      requiredApprovals: request.requiredApprovals,
      expiresAt: iso(request.expiresAt),
      ...(request.renewedFrom === undefined ? {} : { renews: request.renewedFrom }),
    },
  });
}

/**
 * `approval-decided`, by the person who voted, with their reason: the verdict, and under the two-person
 * rule how many approvals the request has of how many it needs.
 */
export function decidedEntry(
  request: ApprovalRequest,
  vote: { readonly by: string; readonly reason: string; readonly at: number },
  verdict: "approved" | "denied",
): LedgerEntry {
  return ledgerEntry({
    at: vote.at,
    actor: { kind: "human", id: vote.by },
    action: "approval-decided",
    subject: subjectOf(request),
    reason: vote.reason,
    change: {
      approvalId: request.id,
      verdict,
      approvals: request.approvals.length,
      requiredApprovals: request.requiredApprovals,
      complete: request.status !== "pending",
      playbook: request.playbook.id,
    },
  });
}

/** `approval-expired`, by vigil: the request lapsed undecided; nothing ran; what followed. */
export function expiredEntry(request: ApprovalRequest, at: number): LedgerEntry {
  return ledgerEntry({
    at,
    actor: { kind: "vigil", id: "vigil" },
    action: "approval-expired",
    subject: subjectOf(request),
    reason: `request ${request.id} expired at ${iso(request.expiresAt)} without a decision; nothing was executed`,
    change: {
      approvalId: request.id,
      expiredAt: iso(request.expiresAt),
      approvals: request.approvals.length,
      requiredApprovals: request.requiredApprovals,
      onExpiry: request.onExpiry,
      renewedAs: request.expired?.renewedAs ?? null,
      escalateTo: request.onExpiry === "escalate" ? (request.escalateTo ?? null) : null,
    },
  });
}
