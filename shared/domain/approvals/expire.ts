import { type ApprovalDeps, announcement, requestNotification } from "./open.ts";
import { expiredEntry, requestedEntry } from "./records.ts";
import { type ApprovalRequest, markExpired, newApprovalRequest, statusAt } from "./request.ts";

const iso = (at: number) => new Date(at).toISOString();

/** A request built again from an expired one: same exposure and steps, open from `at` for the policy's time. */
function renewal(expired: ApprovalRequest, deps: ApprovalDeps, at: number): ApprovalRequest {
  const fresh = newApprovalRequest(
    {
      ...expired.exposure,
      findings: 0,
      factors: [],
      decision: "needs-approval",
      decisionReason: expired.why,
      playbook: expired.playbook,
    },
    deps.policy,
    at,
    deps.newId(),
    expired.id,
  );
  return { ...fresh, what: expired.what, requiredApprovals: expired.requiredApprovals };
}

/**
 * What follows a request that was just marked expired (by a vote that came too late, or by the sweep):
 * `approval-expired` is recorded, and per its policy it is sent again as a new request (`renotify`,
 * recorded as `approval-requested`, announced with fresh signed links when `deps.links` is set) or escalated with a notification naming `escalateTo`. Nothing is
 * executed. Returns the expired request as stored, with the renewal's id when there is one.
 */
export async function followUpExpired(
  expired: ApprovalRequest,
  deps: ApprovalDeps,
): Promise<ApprovalRequest> {
  const at = deps.clock.now();
  if (expired.onExpiry === "escalate") {
    await deps.ledger.append([expiredEntry(expired, at)]);
    const notice = requestNotification(expired, "ESCALATED, expired undecided");
    await deps.notifier.publish({
      subject: notice.subject,
      message: `Escalated to ${expired.escalateTo ?? "(no escalateTo configured)"}: request ${expired.id} expired at ${iso(expired.expiresAt)} without a decision and nothing was executed. The exposure is still open.\n\n${notice.message}`,
    });
    return expired;
  }
  const opened = await deps.approvals.open(renewal(expired, deps, at), at);
  const stored =
    (await deps.approvals.update(expired.id, (current) => {
      const next = { ...current, expired: { at: current.expiresAt, renewedAs: opened.request.id } };
      return { next, result: next };
    })) ?? expired;
  await deps.ledger.append([
    expiredEntry(stored, at),
    ...(opened.created ? [requestedEntry(opened.request)] : []),
  ]);
  await deps.notifier.publish(
    await announcement(opened.request, deps, `approval still needed (${expired.id} expired)`),
  );
  return stored;
}

/**
 * Marks every pending request whose expiry has come (`expiresAt <= now`) as expired, each in its own
 * atomic update (a request a vote decided meanwhile is left alone), and follows each up (see
 * followUpExpired). Returns the requests this sweep expired.
 */
export async function sweepApprovals(deps: ApprovalDeps): Promise<ApprovalRequest[]> {
  const now = deps.clock.now();
  const expired: ApprovalRequest[] = [];
  for (const request of await deps.approvals.list()) {
    if (request.status !== "pending" || statusAt(request, now) !== "expired") continue;
    const marked = await deps.approvals.update(request.id, (current) => {
      if (current.status !== "pending" || statusAt(current, now) !== "expired") return { result: undefined };
      const next = markExpired(current);
      return { next, result: next };
    });
    if (marked !== undefined) expired.push(await followUpExpired(marked, deps));
  }
  return expired;
}
