import { show } from "../errors.ts";
import { mayApprove } from "./approvers.ts";
import { NotAllowedToDecideError } from "./errors.ts";
import { type ApprovalRequest, markExpired } from "./request.ts";

/** One person's vote on a request. */
export interface Vote {
  readonly verdict: "approve" | "deny";
  readonly by: string;
  readonly reason: string;
}

/**
 * What a vote did to a request:
 * - `approved`: the last approval needed was given (the playbook may run);
 * - `awaiting-second`: the first of two approvals under the two-person rule;
 * - `denied`: it is closed and nothing runs;
 * - `expired`: the vote came at or after `expiresAt`: the request is now marked expired, nothing runs;
 * - `closed`: it had already been decided or marked expired: nothing changed.
 */
export type VoteOutcome =
  | {
      readonly kind: "approved" | "awaiting-second" | "denied" | "expired";
      readonly request: ApprovalRequest;
    }
  | { readonly kind: "closed"; readonly request: ApprovalRequest };

/** True when `name` is among the request's approvers (names or `*` patterns; see mayApprove). */
function mayDecide(request: ApprovalRequest, name: string): boolean {
  return mayApprove(request.approvers, name);
}

/**
 * Applies a vote to a request at `at`, as one atomic step of the store: pure, so the store can run it
 * inside its transaction and write the result only if the request is unchanged. Throws
 * NotAllowedToDecideError for a voter who is not an approver or who approves twice.
 */
export function applyVote(request: ApprovalRequest, vote: Vote, at: number): VoteOutcome {
  if (request.status !== "pending") return { kind: "closed", request };
  if (at >= request.expiresAt) {
    return { kind: "expired", request: markExpired(request) };
  }
  if (!mayDecide(request, vote.by)) {
    throw new NotAllowedToDecideError(
      `${show(vote.by)} may not decide request ${request.id}; its approvers are ${request.approvers.join(", ")} (approvals.playbooks.${request.playbook.id}.approvers, else approvals.approvers, in the config)`,
      { context: { id: request.id, by: vote.by } },
    );
  }
  const cast = { by: vote.by, reason: vote.reason, at };
  if (vote.verdict === "deny") {
    return {
      kind: "denied",
      request: { ...request, status: "denied", decision: { ...cast, verdict: "denied" } },
    };
  }
  if (request.approvals.some((a) => a.by === vote.by)) {
    throw new NotAllowedToDecideError(
      `${show(vote.by)} already approved request ${request.id}; the two-person rule for playbook ${request.playbook.id} needs a second, different approver`,
      { context: { id: request.id, by: vote.by } },
    );
  }
  const approvals = [...request.approvals, cast];
  if (approvals.length < request.requiredApprovals) {
    return { kind: "awaiting-second", request: { ...request, approvals } };
  }
  return {
    kind: "approved",
    request: { ...request, approvals, status: "approved", decision: { ...cast, verdict: "approved" } },
  };
}

/** Why a closed request cannot be decided: who decided it and when, or when it expired. */
export function closedReason(request: ApprovalRequest): string {
  const d = request.decision;
  if (d !== undefined) {
    return `request ${request.id} was already ${d.verdict} by ${d.by} at ${new Date(d.at).toISOString()} (${d.reason})`;
  }
  const renewed = request.expired?.renewedAs;
  return `request ${request.id} expired at ${new Date(request.expiresAt).toISOString()} without a decision${renewed === undefined ? "" : ` (it was sent again as request ${renewed}: decide that one)`}`;
}
